"""Appointment check-ins made at this kiosk: a second scan of one code reprints, never a new number."""

from __future__ import annotations

from datetime import datetime

from offline_cache.db import CacheDB


class CheckinStore:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def remember(self, code: str, ticket_request_id: str, at: datetime, *, offline: bool) -> None:
        self.cache.db.execute(
            "INSERT INTO checkins (code, ticket_request_id, checked_in_at, offline) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(code) DO UPDATE SET ticket_request_id = excluded.ticket_request_id, "
            "checked_in_at = excluded.checked_in_at, offline = excluded.offline",
            [code, ticket_request_id, at.isoformat(), int(offline)],
        )

    def ticket_of(self, code: str) -> str | None:
        """The request id of the ticket this code got here (its row is in the tickets table)."""
        row = self.cache.db.execute(
            "SELECT c.ticket_request_id FROM checkins c JOIN tickets t ON t.request_id = c.ticket_request_id "
            "WHERE c.code = ?",
            [code],
        ).fetchone()
        return None if row is None else str(row[0])
