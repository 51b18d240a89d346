"""Technicians of this kiosk (name and salted PIN hash, never the PIN), their wrong PINs, and the
audit of what they did: each audit row is written with its outbox record in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from offline_cache.db import CacheDB
from offline_cache.outbox import Outbox

AUDIT_KIND = "tech_audit"


class TechnicianStore:
    """The PinStore of kiosk.services.staff over the ``technicians`` table."""

    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def put(self, name: str, pin_hash: str, salt_hex: str, at: datetime) -> None:
        self.cache.db.execute(
            "INSERT INTO technicians (name, pin_hash, salt, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET pin_hash = excluded.pin_hash, salt = excluded.salt, "
            "created_at = excluded.created_at",
            [name, pin_hash, salt_hex, at.isoformat()],
        )

    def remove(self, name: str) -> bool:
        return bool(self.cache.db.execute("DELETE FROM technicians WHERE name = ?", [name]).rowcount)

    def names(self) -> list[str]:
        rows = self.cache.db.execute("SELECT name FROM technicians ORDER BY name").fetchall()
        return [str(row[0]) for row in rows]

    def hashes(self) -> list[tuple[str, str, str]]:
        rows = self.cache.db.execute("SELECT name, pin_hash, salt FROM technicians").fetchall()
        return [(str(n), str(h), str(s)) for n, h, s in rows]


class TechnicianFailures:
    """The FailureLog of kiosk.services.staff: wrong technician PINs survive a restart."""

    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def add(self, at: datetime) -> None:
        self.cache.db.execute("INSERT INTO technician_failures (at) VALUES (?)", [at.isoformat()])

    def since(self, at: datetime) -> list[datetime]:
        rows = self.cache.db.execute("SELECT at FROM technician_failures").fetchall()
        times = [datetime.fromisoformat(str(row[0])) for row in rows]
        return [t for t in times if t > at]

    def clear(self) -> None:
        self.cache.db.execute("DELETE FROM technician_failures")


class TechnicianAudit:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache
        self.outbox = Outbox(cache)

    def record(self, record_id: str, at: datetime, who: str, action: str, result: str, detail: str) -> None:
        """The audit row and its outbox record together, or neither."""
        payload = {
            "id": record_id,
            "at": at.isoformat(),
            "who": who,
            "action": action,
            "result": result,
            "detail": detail,
        }
        with self.cache.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO technician_audit (id, at, who, action, result, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [record_id, at.isoformat(), who, action, result, detail],
            )
            self.outbox.add(record_id, AUDIT_KIND, payload, at)

    def last(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.cache.db.execute(
            "SELECT at, who, action, result, detail FROM technician_audit ORDER BY rowid DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [dict(zip(("at", "who", "action", "result", "detail"), row, strict=True)) for row in rows]

    def claim_code(self, record_id: str, at: datetime, who: str, digest: str) -> bool:
        """Enter with a one-time code: the check that it is unused and the audit row that uses it up are
        one transaction, so two taps racing on two workers cannot both get in with it."""
        with self.cache.transaction():
            if self.used_code(digest):
                return False
            self.record(record_id, at, who, "enter", "ok", f"otp:{digest}")
        return True

    def used_code(self, digest: str) -> bool:
        """Whether a one-time code (by its digest, never the code) was already used here."""
        row = self.cache.db.execute(
            "SELECT 1 FROM technician_audit WHERE action = 'enter' AND result = 'ok' AND detail = ?",
            [f"otp:{digest}"],
        ).fetchone()
        return row is not None
