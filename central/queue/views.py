"""Read-only views of the queue: what the kiosk's ticket screen, the counters and the hall board show."""

from __future__ import annotations

from collections import Counter as Tally
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central import db
from central.context import Context
from central.queue import engine as rules
from central.queue.estimates import estimate, open_counters
from central.queue.schemas import Board, BoardCall, Queue, QueueService, RecentCall
from central.queue.store import Refusal, center_zone, utc_now, zone
from central.schemas import I18nText

SHOWN_CALLS = ("called", "serving", "done")
"""Statuses a board keeps showing after the call; no-shows, parked and voided tickets drop off."""


def recent_calls(conn: Connection, center_id: str, day: date, limit: int) -> list[Any]:
    t, c = db.tickets, db.counters
    return list(
        conn.execute(
            sa.select(t.c.id, t.c.prefix, t.c.number, t.c.called_at, t.c.call_count, t.c.status, c.c.name)
            .join(c, c.c.id == t.c.counter_id)
            .where(
                t.c.center_id == center_id,
                t.c.business_date == day,
                t.c.called_at.is_not(None),
                t.c.status.in_(SHOWN_CALLS),
            )
            .order_by(t.c.called_at.desc())
            .limit(limit)
        ).all()
    )


def waiting_by_service(conn: Connection, service_ids: list[str], day: date) -> Tally[str]:
    t = db.tickets
    rows = conn.execute(
        sa.select(t.c.queue_service_id, sa.func.count())
        .where(t.c.queue_service_id.in_(service_ids), t.c.business_date == day, t.c.status == "waiting")
        .group_by(t.c.queue_service_id)
    ).all()
    return Tally({row[0]: int(row[1]) for row in rows})


_VOLUMES: dict[tuple[int, str, date], dict[str, int]] = {}


def daily_volumes(conn: Connection, center_id: str, day: date, default: int) -> dict[str, int]:
    """Tickets per business day per service over the 7 days before ``day`` that had any.

    Counted once per center and day (the past does not change), so the queue view stays cheap.
    """
    key = (id(conn.engine), center_id, day)
    cached = _VOLUMES.get(key)
    if cached is None:
        t = db.tickets
        rows = conn.execute(
            sa.select(t.c.service_id, sa.func.count(), sa.func.count(sa.distinct(t.c.business_date)))
            .where(t.c.center_id == center_id, t.c.business_date < day,
                   t.c.business_date >= day - timedelta(days=7), t.c.status != "void")
            .group_by(t.c.service_id)
        ).all()  # fmt: skip
        cached = {r[0]: max(1, round(r[1] / r[2])) for r in rows if r[2]}
        if len(_VOLUMES) > 256:
            _VOLUMES.clear()
        _VOLUMES[key] = cached
    return defaultdict(lambda: default, cached)


def queue_view(conn: Connection, ctx: Context, center_id: str, now: datetime) -> Queue:
    """Waiting counts and estimates per service, and the latest calls, for one center today."""
    day = rules.business_date(now, center_zone(conn, center_id))
    s = db.services
    services = conn.execute(
        sa.select(s.c.id, s.c.prefix, s.c.name)
        .where(s.c.center_id == center_id, s.c.active.is_(True))
        .order_by(s.c.sort_order, s.c.prefix)
    ).all()
    waiting = waiting_by_service(conn, [row.id for row in services], day)
    open_map = open_counters(conn, center_id, now)
    volumes = daily_volumes(conn, center_id, day, ctx.settings.default_daily_volume)
    return Queue(
        center_id=center_id,
        business_date=day,
        services=[
            QueueService(
                service_id=row.id,
                prefix=row.prefix,
                name=I18nText.model_validate(row.name),
                waiting=waiting[row.id],
                # For a walk-in taking a ticket now: its rank is now, booked visitors included.
                estimated_wait_min=estimate(conn, ctx, row.id, day, waiting[row.id], open_map, now, now),
                open_counters=open_map[row.id],
                daily_volume=volumes[row.id],
            )
            for row in services
        ],
        recent_calls=[
            RecentCall(display=rules.display(r.prefix, r.number), counter=r.name, called_at=r.called_at)
            for r in recent_calls(conn, center_id, day, ctx.settings.board_calls)
        ],
    )


def board(ctx: Context, center_id: str) -> Board:
    """What the hall screen shows: three cheap indexed queries, polled twice a second per screen."""
    now = utc_now(ctx)
    c, s, t = db.centers, db.services, db.tickets
    with ctx.engine.connect() as conn:
        center = conn.execute(sa.select(c.c.name, c.c.timezone).where(c.c.id == center_id)).first()
        if center is None:
            raise Refusal(404, "not_found", f"no center {center_id!r}")
        day = rules.business_date(now, zone(center.timezone))
        waiting = conn.execute(
            sa.select(sa.func.count())
            .select_from(t)
            .where(
                t.c.queue_service_id.in_(sa.select(s.c.id).where(s.c.center_id == center_id)),
                t.c.business_date == day,
                t.c.status == "waiting",
            )
        ).scalar_one()
        calls = recent_calls(conn, center_id, day, ctx.settings.board_calls)
    return Board(
        center_id=center_id,
        name=I18nText.model_validate(center.name),
        timezone=center.timezone,
        time=now,
        business_date=day,
        waiting=int(waiting),
        calls=[
            BoardCall(
                call_id=f"{r.id}.{r.call_count}",
                display=rules.display(r.prefix, r.number),
                counter=r.name,
                called_at=r.called_at,
                status=r.status,
            )
            for r in calls
        ],
    )
