"""Tickets this kiosk issued (from central or its lease): what was printed, for reprints and counts."""

from __future__ import annotations

import json
from typing import Any

from offline_cache.db import CacheDB

COLUMNS = ("request_id", "central_id", "service_id", "display", "priority", "issued_by", "issued_at",
           "offline", "status", "body")  # fmt: skip
_UPSERT = (  # built once from the constant column names above
    f"INSERT INTO tickets ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "  # noqa: S608
    "ON CONFLICT(request_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "request_id")
)


class TicketStore:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def save(self, record: dict[str, Any], status: str) -> None:
        """Insert or update one ticket; ``record`` is the ticket as printed (JSON-able)."""
        row = {
            "request_id": record["request_id"],
            "central_id": record.get("central_id"),
            "service_id": record["service_id"],
            "display": record["display"],
            "priority": record["priority"],
            "issued_by": record["issued_by"],
            "issued_at": record["issued_at"],
            "offline": int(bool(record["offline"])),
            "status": status,
            "body": json.dumps(record, ensure_ascii=False),
        }
        self.cache.db.execute(_UPSERT, [row[c] for c in COLUMNS])

    def get(self, request_id: str) -> dict[str, Any] | None:
        row = self.cache.db.execute("SELECT body FROM tickets WHERE request_id = ?", [request_id]).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def status_of(self, request_id: str) -> str | None:
        row = self.cache.db.execute("SELECT status FROM tickets WHERE request_id = ?", [request_id]).fetchone()
        return None if row is None else str(row[0])

    def last_issued(self) -> dict[str, Any] | None:
        """The ticket printed last (staff's reprint)."""
        row = self.cache.db.execute(
            "SELECT body FROM tickets WHERE status = 'issued' ORDER BY issued_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def settle_issuing(self) -> int:
        return int(self.cache.db.execute("UPDATE tickets SET status = 'issued' WHERE status = 'issuing'").rowcount)

    def counts(self) -> dict[str, int]:
        """Tickets per status (issuing, issued, void): for the technician's look."""
        rows = self.cache.db.execute("SELECT status, count(*) FROM tickets GROUP BY status").fetchall()
        return {str(status): int(n) for status, n in rows}
