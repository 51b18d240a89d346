"""The statements of a hold and a confirm, built once.

Building a Core statement costs more than SQLite takes to run it: a booking is two requests
of a few statements each, and building them on every call was a fifth of central's time per
booking (``bench/appointments``). Values come as bind parameters.
"""

from __future__ import annotations

import sqlalchemy as sa

from central import db

_a, _bs, _c = db.appointments, db.booking_settings, db.appointment_cancellations
_bp = sa.bindparam

TAKING_PLACE = sa.or_(
    _a.c.status.in_(("confirmed", "checked_in")),
    sa.and_(_a.c.status == "held", _a.c.hold_expires_at > _bp("now", type_=db.UTCDateTime)),
)
"""Rows that occupy a place: bookings, check-ins, and holds not yet expired at ``now``."""

LOCK_SETTINGS = sa.select(_bs.c.service_id).where(_bs.c.service_id == _bp("service_id")).with_for_update()
"""PostgreSQL: serialises the count-then-insert of one service's bookings (SQLite: BEGIN IMMEDIATE)."""

COUNT_IN_SLOT = sa.select(sa.func.count()).where(
    _a.c.service_id == _bp("service_id"),
    _a.c.slot_start_utc == _bp("start", type_=db.UTCDateTime),
    TAKING_PLACE,
)
COUNTS_BY_SLOT = (
    sa.select(_a.c.slot_start_utc, sa.func.count())
    .where(
        _a.c.service_id == _bp("service_id"),
        _a.c.slot_start_utc >= _bp("lo", type_=db.UTCDateTime),
        _a.c.slot_start_utc < _bp("hi", type_=db.UTCDateTime),
        TAKING_PLACE,
    )
    .group_by(_a.c.slot_start_utc)
)
"""Places taken per slot of a range: what the free slots and days are computed from."""
BY_REQUEST = sa.select(_a).where(_a.c.request_id == _bp("request_id"))
BY_CONFIRM_REQUEST = sa.select(_a).where(_a.c.confirm_request_id == _bp("request_id"))
BY_ID = sa.select(_a).where(_a.c.id == _bp("id"))
CODE_TAKEN = sa.select(_a.c.id).where(_a.c.code == _bp("code"))
INSERT = sa.insert(_a)
UPDATE_BY_ID = sa.update(_a).where(_a.c.id == _bp("b_id"))
"""The columns to set are the keys of the parameters (all but ``b_id``)."""

CANCELLED_AT = sa.select(_c.c.at).where(_c.c.phone_hash == _bp("phone_hash"))
ACTIVE_FOR_PHONE = sa.select(sa.func.count()).where(
    _a.c.phone_hash == _bp("phone_hash"),
    _a.c.status == "confirmed",
    _a.c.slot_start_utc > _bp("now", type_=db.UTCDateTime),
)
