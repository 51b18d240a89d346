"""Where the kiosk's knowledge base stands against central's feed: the cursor of the last complete sync.

The articles themselves are :mod:`offline_cache.knowledge`'s; this module keeps the cursor and
lists the live article ids for the end of a full resync (drop what central no longer lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from offline_cache.db import CacheDB


def create_tables(db: Any) -> None:
    """Migration body (called from :mod:`offline_cache.db`)."""
    db.execute(
        "CREATE TABLE kb_sync (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT NOT NULL, "
        "synced_at TEXT NOT NULL, full_at TEXT)"
    )


@dataclass(frozen=True)
class KbSyncStatus:
    cursor: str | None
    synced_at: str | None
    full_at: str | None


class KbSyncState:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def status(self) -> KbSyncStatus:
        row = self.cache.db.execute("SELECT cursor, synced_at, full_at FROM kb_sync WHERE id = 1").fetchone()
        return KbSyncStatus(None, None, None) if row is None else KbSyncStatus(*row)

    def cursor(self) -> str | None:
        return self.status().cursor

    def save(self, cursor: str, at: datetime, *, full: bool = False) -> None:
        """Record a cursor; call it inside the transaction that applied the page it came with."""
        self.cache.db.execute(
            "INSERT INTO kb_sync (id, cursor, synced_at, full_at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor, synced_at = excluded.synced_at, "
            "full_at = coalesce(excluded.full_at, kb_sync.full_at)",
            [cursor, at.isoformat(), at.isoformat() if full else None],
        )

    def forget(self) -> None:
        """The next sync starts a full resync (a technician's repair)."""
        self.cache.db.execute("DELETE FROM kb_sync")

    def live_ids(self) -> set[str]:
        """Ids of the articles the kiosk shows (not tombstones)."""
        rows = self.cache.db.execute("SELECT id FROM kb_articles WHERE deleted = 0").fetchall()
        return {str(r[0]) for r in rows}
