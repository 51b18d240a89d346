"""Leases: blocks of numbers a kiosk reserves so it can keep issuing tickets while central is unreachable.

A lease takes ``size`` numbers of the service's daily sequence from the top, downward from the
ceiling, while online tickets count up from 1 (:func:`central.queue.numbering.take_lease_block`), so
leased blocks and online numbers never overlap, two kiosks never hold the same number, and the
day still starts at 001. It is valid until the center's next local midnight.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from central import db
from central.context import Context
from central.queue import engine as rules
from central.queue.numbering import take_lease_block
from central.queue.schemas import Lease, LeaseCreate
from central.queue.store import Refusal, load_service, own_service, utc_now


def _lease(row: Row[Any], prefix: str) -> Lease:
    return Lease(
        id=row.id,
        service_id=row.service_id,
        prefix=prefix,
        business_date=row.business_date,
        first=row.first,
        last=row.last,
        expires_at=row.expires_at,
    )


def create_lease(ctx: Context, kiosk_id: str, center_id: str, req: LeaseCreate) -> tuple[bool, Lease]:
    """Reserve a block of today's numbers for offline issuing, valid until the center's midnight."""
    ls = db.leases
    now = utc_now(ctx)
    with db.write_transaction(ctx.engine) as conn:
        seen = conn.execute(sa.select(ls).where(ls.c.request_id == req.request_id)).first()
        if seen is not None:
            if (
                seen.kiosk_id != kiosk_id
                or seen.service_id != req.service_id
                or seen.last - seen.first + 1 != req.size
            ):
                raise Refusal(
                    409, "idempotency_conflict", "request_id was used for a different lease request"
                )
            svc = load_service(conn, seen.service_id)
            assert svc is not None
            return False, _lease(seen, svc.prefix)
        svc = own_service(conn, req.service_id, center_id)
        day = rules.business_date(now, svc.tz)
        first = take_lease_block(conn, svc.id, day, req.size, ctx.settings.lease_ceiling)
        if first is None:
            raise Refusal(409, "numbers_exhausted", f"no block of {req.size} numbers left for {svc.id} today")
        values = {
            "id": uuid.uuid4().hex,
            "request_id": req.request_id,
            "kiosk_id": kiosk_id,
            "center_id": svc.center_id,
            "service_id": svc.id,
            "business_date": day,
            "first": first,
            "last": first + req.size - 1,
            "created_at": now,
            "expires_at": rules.day_end(day, svc.tz),
        }
        conn.execute(sa.insert(ls).values(**values))
        row = conn.execute(sa.select(ls).where(ls.c.id == values["id"])).one()
        return True, _lease(row, svc.prefix)
