"""Blocks of ticket numbers leased from central, so the kiosk can issue tickets offline.

Central reserves each block for this kiosk alone, so two kiosks never issue one number.
Taking a number is one UPDATE, atomic even with several worker threads.
"""

from __future__ import annotations

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
        self.cache.db.table("leases").insert(
            {
                "id": lease["id"],
                "service_id": lease["service_id"],
                "prefix": lease["prefix"],
                "business_date": lease["business_date"],
                "first": lease["first"],
                "last": lease["last"],
                "next": lease["first"],
                "expires_at": lease["expires_at"],
            },
            pk="id",
            ignore=True,
        )

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
        self.cache.db.execute("DELETE FROM leases WHERE business_date < ?", [business_date.isoformat()])
