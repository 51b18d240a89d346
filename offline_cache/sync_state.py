"""What each sync job did last (success, error), kept on disk for `kiosk sync status` and technicians."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from offline_cache.db import CacheDB


@dataclass(frozen=True)
class JobState:
    job: str
    last_success_at: str | None
    last_error_at: str | None
    last_error: str | None


class SyncState:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def success(self, job: str, at: datetime) -> None:
        self.cache.db.execute(
            "INSERT INTO sync_state (job, last_success_at) VALUES (?, ?) "
            "ON CONFLICT(job) DO UPDATE SET last_success_at = excluded.last_success_at",
            [job, at.isoformat()],
        )

    def failure(self, job: str, at: datetime, error: str) -> None:
        self.cache.db.execute(
            "INSERT INTO sync_state (job, last_error_at, last_error) VALUES (?, ?, ?) "
            "ON CONFLICT(job) DO UPDATE SET last_error_at = excluded.last_error_at, "
            "last_error = excluded.last_error",
            [job, at.isoformat(), error[:500]],
        )

    def all(self) -> list[JobState]:
        rows = self.cache.db.execute(
            "SELECT job, last_success_at, last_error_at, last_error FROM sync_state ORDER BY job"
        ).fetchall()
        return [JobState(*row) for row in rows]
