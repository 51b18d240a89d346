"""The number sequence of each service and day: online numbers upward, lease blocks downward.

Each service has one daily sequence row (``ticket_sequences``). An online ticket takes the next
number; a lease takes the next ``size`` numbers at once (:mod:`central.queue.leases`). Both move
the same pointer in a write transaction, so leased blocks and online numbers never overlap and
no two kiosks of a center can issue one number; the unique constraint on (service, day, number)
is the last guard.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central import db
from central.prepared import Prepared

# Built once: building a Core statement costs more than SQLite takes to run it (measured).
_seq = db.ticket_sequences
_bp = sa.bindparam
SEQUENCE_TAKE = (
    sa.update(_seq)
    .where(_seq.c.service_id == _bp("b_service"), _seq.c.business_date == _bp("b_day"))
    .values(next_number=_seq.c.next_number + _bp("b_count", type_=sa.Integer))
    .returning(_seq.c.next_number, _seq.c.lease_floor)
)
_TAKE = Prepared(SEQUENCE_TAKE)  # every online ticket runs it (central.prepared)
SEQUENCE_START = sa.insert(_seq)
SEQUENCE_JUMP = (
    sa.update(_seq)
    .where(_seq.c.service_id == _bp("b_service"), _seq.c.business_date == _bp("b_day"))
    .values(next_number=_bp("b_next", type_=sa.Integer))
)
_FLOOR = sa.func.coalesce(_seq.c.lease_floor, _bp("b_ceiling", type_=sa.Integer) + 1)
LEASE_TAKE = (
    sa.update(_seq)
    .where(
        _seq.c.service_id == _bp("b_service"),
        _seq.c.business_date == _bp("b_day"),
        _FLOOR - _bp("b_count", type_=sa.Integer) >= _seq.c.next_number,
    )
    .values(lease_floor=_FLOOR - _bp("b_count", type_=sa.Integer))
    .returning(_seq.c.lease_floor)
)
SEQUENCE_EXISTS = sa.select(_seq.c.next_number).where(
    _seq.c.service_id == _bp("b_service"), _seq.c.business_date == _bp("b_day")
)


def take_numbers(conn: Connection, service_id: str, day: date, count: int, ceiling: int = 999) -> int:
    """The next ``count`` online numbers of the service's day, upward from 1; returns the first.

    Leased blocks sit at the top (:func:`take_lease_block`); an online number that would run into
    them (a day busier than the ceiling) jumps above the ceiling instead.
    """
    row = _TAKE.first(conn, {"b_service": service_id, "b_day": day, "b_count": count})
    if row is None:
        conn.execute(
            SEQUENCE_START, {"service_id": service_id, "business_date": day, "next_number": 1 + count}
        )
        return 1
    first = int(row.next_number) - count
    if row.lease_floor is not None and first + count - 1 >= row.lease_floor and first <= ceiling:
        first = ceiling + 1
        conn.execute(SEQUENCE_JUMP, {"b_service": service_id, "b_day": day, "b_next": first + count})
    return first


def take_lease_block(conn: Connection, service_id: str, day: date, size: int, ceiling: int) -> int | None:
    """``size`` numbers for a kiosk's lease, downward from ``ceiling``; returns the first (lowest).

    None when the block would reach the numbers already given online: the lease is refused and
    online tickets go on. One conditional UPDATE, so two kiosks leasing at once never overlap.
    """
    params = {"b_service": service_id, "b_day": day, "b_count": size, "b_ceiling": ceiling}
    floor = conn.execute(LEASE_TAKE, params).scalar_one_or_none()
    if floor is not None:
        return int(floor)
    if conn.execute(SEQUENCE_EXISTS, params).first() is not None:
        return None
    first = ceiling + 1 - size
    if first < 1:
        return None
    conn.execute(
        SEQUENCE_START,
        {"service_id": service_id, "business_date": day, "next_number": 1, "lease_floor": first},
    )
    return first
