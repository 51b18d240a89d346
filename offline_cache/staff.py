"""Staff who may sign in on this kiosk: names with a salted PIN hash, never the PIN."""

from __future__ import annotations

from datetime import datetime

from offline_cache.db import CacheDB


class StaffStore:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def put(self, name: str, pin_hash: str, salt_hex: str, at: datetime) -> None:
        self.cache.db.execute(
            "INSERT INTO staff (name, pin_hash, salt, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET pin_hash = excluded.pin_hash, salt = excluded.salt, "
            "created_at = excluded.created_at",
            [name, pin_hash, salt_hex, at.isoformat()],
        )

    def remove(self, name: str) -> bool:
        return bool(self.cache.db.execute("DELETE FROM staff WHERE name = ?", [name]).rowcount)

    def names(self) -> list[str]:
        return [str(row[0]) for row in self.cache.db.execute("SELECT name FROM staff ORDER BY name").fetchall()]

    def hashes(self) -> list[tuple[str, str, str]]:
        """(name, pin_hash, salt_hex) of everyone: sign-in checks each, so timing tells nothing."""
        rows = self.cache.db.execute("SELECT name, pin_hash, salt FROM staff").fetchall()
        return [(str(n), str(h), str(s)) for n, h, s in rows]
