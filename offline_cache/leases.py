"""Blocks of ticket numbers leased from central, so the kiosk can issue tickets offline.

Central reserves each block for this kiosk alone, so two kiosks never issue one number.
Taking a number is one UPDATE, atomic even with several worker threads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from offline_cache.db import CacheDB


@dataclass(frozen=True)
class LeasedNumber:
    lease_id: str
    service_id: str
    prefix: str
    number: int

    @property
    def display(self) -> str:
        return f"{self.prefix}{self.number:03d}"


class LeaseStore:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def add(self, lease: dict[str, Any]) -> None:
        """Keep a block central granted, and forget the request that asked for it (one transaction)."""
        with self.cache.transaction() as db:
            db.execute(
                'INSERT OR IGNORE INTO leases (id, service_id, prefix, business_date, "first", "last", "next", '
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [lease["id"], lease["service_id"], lease["prefix"], lease["business_date"], lease["first"],
                 lease["last"], lease["first"], lease["expires_at"]],
            )  # fmt: skip
            db.execute(
                "DELETE FROM lease_requests WHERE service_id = ? AND business_date = ?",
                [lease["service_id"], lease["business_date"]],
            )

    def request_for(self, service_id: str, business_date: date, size: int) -> tuple[str, int]:
        """The id (and size) to ask central with: the same one until central answers it.

        A lost answer must not burn a block: the retry repeats the request central may have granted.
        """
        day = business_date.isoformat()
        with self.cache.transaction() as db:
            row = db.execute(
                "SELECT request_id, size FROM lease_requests WHERE service_id = ? AND business_date = ?",
                [service_id, day],
            ).fetchone()
            if row is not None:
                return str(row[0]), int(row[1])
            request_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO lease_requests (service_id, business_date, request_id, size) VALUES (?, ?, ?, ?)",
                [service_id, day, request_id, size],
            )
            return request_id, size

    def drop_request(self, service_id: str, business_date: date) -> None:
        """Central refused the request: the next top-up asks afresh."""
        self.cache.db.execute(
            "DELETE FROM lease_requests WHERE service_id = ? AND business_date = ?",
            [service_id, business_date.isoformat()],
        )

    def total_remaining(self) -> int:
        row = self.cache.db.execute('SELECT coalesce(sum("last" - "next" + 1), 0) FROM leases').fetchone()
        return int(row[0])

    def remaining(self, service_id: str, business_date: date) -> int:
        row = self.cache.db.execute(
            "SELECT coalesce(sum(last - next + 1), 0) FROM leases "
            "WHERE service_id = ? AND business_date = ? AND next <= last",
            [service_id, business_date.isoformat()],
        ).fetchone()
        return int(row[0])

    def take(self, service_id: str, business_date: date) -> LeasedNumber | None:
        """The next unused number of today's leases for the service, or None when they are used up."""
        db = self.cache.db
        while True:
            row = db.execute(
                "SELECT id, prefix, next FROM leases WHERE service_id = ? AND business_date = ? AND next <= last "
                "ORDER BY first LIMIT 1",
                [service_id, business_date.isoformat()],
            ).fetchone()
            if row is None:
                return None
            lease_id, prefix, number = row
            claimed = db.execute(
                "UPDATE leases SET next = next + 1 WHERE id = ? AND next = ?", [lease_id, number]
            ).rowcount
            if claimed:  # another thread did not take it first
                return LeasedNumber(lease_id, service_id, prefix, number)

    def drop_before(self, business_date: date) -> None:
        """Yesterday's leases are worthless: numbering restarted at the center's midnight."""
        with self.cache.transaction() as db:
            db.execute("DELETE FROM leases WHERE business_date < ?", [business_date.isoformat()])
            db.execute("DELETE FROM lease_requests WHERE business_date < ?", [business_date.isoformat()])
