"""A waiting ticket's place in line and its estimated wait: what the kiosk prints on the ticket.

A new ticket's place comes from the line's waiting total, kept by database triggers (migration
0013), less the few tickets ranked after it, so creating a ticket costs the same with 10 or
5,000 waiting; its estimate's figures come in the same statement. A stored ticket's live view
counts the tickets ahead of it.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central import db
from central.context import Context
from central.prepared import Prepared
from central.queue import engine as rules
from central.sql import json_list_has, seconds_between

# Built once: building a Core statement costs more than SQLite takes to run it (measured).
_t, _k, _ss = db.tickets, db.counters, db.staff_sessions
_bp = sa.bindparam


def _open_counters(*columns: Any) -> sa.Select[Any]:
    """Counters of a center whose staff session is alive."""
    return (
        sa.select(*columns)
        .select_from(_k.join(_ss, _ss.c.token_hash == _k.c.opened_session))
        .where(_k.c.center_id == _bp("center_id"), _k.c.active.is_(True), _ss.c.expires_at > _bp("now"))
    )


def _latest_finished(limit: int, *columns: Any) -> sa.Select[Any]:
    """The latest ``limit`` finished tickets of a line (a range of ix_tickets_done)."""
    return (
        sa.select(*columns)
        .where(
            _t.c.queue_service_id == _bp("service_id"),
            _t.c.business_date == _bp("day"),
            _t.c.finished_at.is_not(None),
            _t.c.started_at.is_not(None),
        )
        .order_by(_t.c.finished_at.desc())
        .limit(limit)
    )


OPEN_COUNTERS = _open_counters(_k.c.serving)


def _waiting_in_line(ahead: bool) -> sa.Select[Any]:
    """Waiting tickets of one line ranked before (``ahead``) or at and after a rank and number.

    A row-value comparison: one range scan of ix_tickets_line, which covers it. (Typed binds: inside
    a tuple they do not take the column's type, and a raw datetime would compare as differently
    formatted text.)
    """
    place = sa.tuple_(_t.c.rank_at, _t.c.number)
    mark = sa.tuple_(_bp("rank", type_=db.UTCDateTime), _bp("number", type_=sa.Integer))
    return (
        sa.select(sa.func.count())
        .select_from(_t)
        .where(
            _t.c.queue_service_id == _bp("service_id"),
            _t.c.business_date == _bp("day"),
            _t.c.status == "waiting",
            place < mark if ahead else place >= mark,
        )
    )


AHEAD = _waiting_in_line(ahead=True)
_a = db.appointments


def _booked(hi: str) -> sa.Select[Any]:
    return (
        sa.select(sa.func.count())
        .select_from(_a)
        .where(
            # A range of ix_appointments_slot (service_id, slot_start_utc, status).
            _a.c.service_id == _bp("service_id"),
            _a.c.slot_start_utc >= _bp("lo"),
            _a.c.slot_start_utc < _bp(hi),
            _a.c.status == "confirmed",
        )
    )


BOOKED = _booked("hi")
_lc = db.line_counts


@lru_cache(maxsize=8)
def _new_ticket_line(samples: int) -> Prepared:
    """Everything a new ticket's place and wait need, in one statement (one round trip).

    The line's waiting total (kept by triggers, migration 0013) and the tickets ranked at or after
    the new one, so the place costs the same with 10 or 5,000 waiting; the count and mean of the
    latest ``samples`` service times; the open counters serving the line; the bookings that could
    come first (those starting before ``hi_max``, the latest cutoff :func:`estimate` can use).

    One snapshot on PostgreSQL (READ COMMITTED), so the figures agree; on SQLite under the write
    lock. Online creators of one line also wait on each other's number (the sequence row), so
    each sees the one before; a ticket uploaded from an offline lease does not, and two landing in
    the same instant from two workers may each miss the other in its estimate (its paper was
    printed offline).
    """
    secs = seconds_between(_t.c.started_at, _t.c.finished_at).label("secs")
    latest = _latest_finished(samples, secs).subquery("latest")
    pace = (
        sa.select(sa.func.count().label("samples"), sa.func.avg(latest.c.secs).label("mean_sec"))
        .where(latest.c.secs >= 0)
        .subquery("pace")
    )
    return Prepared(
        sa.select(
            sa.select(_lc.c.waiting)
            .where(_lc.c.service_id == _bp("service_id"), _lc.c.business_date == _bp("day"))
            .scalar_subquery()
            .label("total"),
            _waiting_in_line(ahead=False).scalar_subquery().label("behind"),
            _open_counters(sa.func.count())
            .where(json_list_has(_k.c.serving, _bp("service_id")))
            .scalar_subquery()
            .label("counters"),
            _booked("hi_max").scalar_subquery().label("booked"),
            pace.c.samples,
            pace.c.mean_sec,
        ).select_from(pace)
    )


@lru_cache(maxsize=8)
def _durations_query(limit: int) -> sa.Select[Any]:
    return _latest_finished(limit, _t.c.started_at, _t.c.finished_at)


def open_counters(conn: Connection, center_id: str, now: datetime) -> Tally[str]:
    """Open counters per service: counters whose staff session is alive, by the services chosen."""
    rows = conn.execute(OPEN_COUNTERS, {"center_id": center_id, "now": now}).all()
    return Tally(service for row in rows for service in (row.serving or []))


def recent_durations(conn: Connection, service_id: str, day: date, limit: int) -> list[float]:
    """Seconds from start to finish of the latest finished tickets of the service that day."""
    rows = conn.execute(_durations_query(limit), {"service_id": service_id, "day": day}).all()
    return [(r.finished_at - r.started_at).total_seconds() for r in rows]


def booked_before(conn: Connection, ctx: Context, service_id: str, now: datetime, cutoff: datetime) -> int:
    """Bookings of the service not checked in yet, whose window is still open, starting before ``cutoff``."""
    lo = now - timedelta(minutes=ctx.settings.booking_late_min)
    params = {"service_id": service_id, "lo": lo, "hi": cutoff}
    return int(conn.execute(BOOKED, params).scalar_one()) if cutoff > lo else 0


def estimate(
    conn: Connection,
    ctx: Context,
    service_id: str,
    day: date,
    ahead: int,
    open_map: Tally[str] | Callable[[], Tally[str]],
    rank: datetime,
    now: datetime,
) -> int:
    """Minutes until a ticket ranked ``rank`` is called: the people ahead plus the booked visitors
    not checked in yet who will be called first (:func:`central.queue.engine.wait_with_bookings`).

    One indexed count of bookings; the service times and the open counters are read only when
    somebody is ahead (``open_map`` may be a function, called then).
    """
    pace: list[float] = []

    def wait_for(people: int) -> int:
        if people <= 0:
            return 0
        if not pace:
            samples = recent_durations(conn, service_id, day, ctx.settings.service_samples)
            counters = (open_map() if callable(open_map) else open_map)[service_id]
            pace.extend((rules.average_service_min(samples, ctx.settings), counters))
        return rules.estimate_wait_min(people, int(pace[1]), pace[0])

    return rules.wait_with_bookings(
        ahead,
        wait_for,
        now=now,
        rank=rank,
        appointment_bonus_min=ctx.settings.bonus("appointment"),
        booked_before=lambda cutoff: booked_before(conn, ctx, service_id, now, cutoff),
    )


def people_ahead(conn: Connection, service_id: str, day: date, rank: datetime, number: int) -> int:
    """Waiting tickets of the same line that the call order puts first (``rank_at``, then number)."""
    params = {"service_id": service_id, "day": day, "rank": rank, "number": number}
    return int(conn.execute(AHEAD, params).scalar_one())


def new_ticket_line(
    conn: Connection,
    ctx: Context,
    service_id: str,
    center_id: str,
    day: date,
    rank: datetime,
    number: int,
    now: datetime,
) -> tuple[int, int]:
    """:func:`people_ahead` and :func:`estimate` for a ticket joining the line, from one statement.

    A new ticket ranks last or nearly (a priority bonus, a booking's slot), so its place scans few
    rows however long the line: the create transaction's cost stays flat. The bookings are
    counted again only when some could come first and the cutoff falls before ``hi_max``.
    """
    settings = ctx.settings
    lo = now - timedelta(minutes=settings.booking_late_min)
    hi_max = rank + timedelta(minutes=settings.bonus("appointment"))
    params = {"service_id": service_id, "center_id": center_id, "day": day, "rank": rank,
              "number": number, "now": now, "lo": lo, "hi_max": hi_max}  # fmt: skip
    row = _new_ticket_line(settings.service_samples).one(conn, params)
    ahead = max(0, int(row.total or 0) - int(row.behind))
    pace = rules.pace_min(int(row.samples), float(row.mean_sec or 0), settings)

    def booked(cutoff: datetime) -> int:
        if cutoff >= hi_max or not row.booked:
            return int(row.booked)
        return booked_before(conn, ctx, service_id, now, cutoff)

    wait = rules.wait_with_bookings(
        ahead,
        lambda people: rules.estimate_wait_min(people, int(row.counters), pace),
        now=now,
        rank=rank,
        appointment_bonus_min=settings.bonus("appointment"),
        booked_before=booked,
    )
    return ahead, wait
