"""Staff actions at a counter: open, call next, recall, start, finish, no-show, transfer, park, unpark.

Each action is one ``BEGIN IMMEDIATE`` transaction, so two counters calling at once never get
the same ticket. A counter holds at most one current ticket (called or serving): "call next"
is refused while it has one, so no visitor is silently dropped. Who may act: the staff session
that opened the counter; a supervisor may also take over a counter another session holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from central import db
from central.context import Context
from central.queue import engine as rules
from central.queue.schemas import CenterRef, Counter, CounterList, CounterState, ServiceRef
from central.queue.store import (
    Refusal,
    center_zone,
    load_ticket,
    ticket_query,
    to_ticket,
    utc_now,
)
from central.queue.views import queue_view
from central.schemas import I18nText
from central.staff import StaffSession

CURRENT = ("called", "serving")


def _counter_rows(conn: Connection, now: datetime, *where: sa.ColumnElement[bool]) -> list[Row[Any]]:
    c, ss = db.counters, db.staff_sessions
    alive = sa.and_(ss.c.token_hash == c.c.opened_session, ss.c.expires_at > now)
    return list(
        conn.execute(
            sa.select(c, ss.c.token_hash.label("live_session"))
            .outerjoin(ss, alive)
            .where(c.c.active.is_(True), *where)
            .order_by(c.c.center_id, c.c.sort_order, c.c.name)
        ).all()
    )


def _services_of(conn: Connection, ids: list[str]) -> dict[str, list[str]]:
    cs, s = db.counter_services, db.services
    out: dict[str, list[str]] = {cid: [] for cid in ids}
    rows = conn.execute(
        sa.select(cs.c.counter_id, cs.c.service_id)
        .join(s, s.c.id == cs.c.service_id)
        .where(cs.c.counter_id.in_(ids))
        .order_by(s.c.sort_order, s.c.prefix)
    )
    for row in rows:
        out[row.counter_id].append(row.service_id)
    return out


def _counter(row: Row[Any], services: list[str]) -> Counter:
    is_open = row.live_session is not None
    return Counter(
        id=row.id,
        center_id=row.center_id,
        name=row.name,
        services=services,
        open=is_open,
        opened_by=row.opened_by if is_open else None,
        serving=list(row.serving or []) if is_open else [],
    )


def held_by(ctx: Context, session: StaffSession) -> str | None:
    """The counter this session has open, if any."""
    c = db.counters
    with ctx.engine.connect() as conn:
        found = conn.execute(sa.select(c.c.id).where(c.c.opened_session == session.token_hash)).scalar()
    return None if found is None else str(found)


def _visible(session: StaffSession, center_id: str) -> None:
    if session.center_id is not None and session.center_id != center_id:
        raise Refusal(403, "forbidden", f"{session.username} works at {session.center_id}, not {center_id}")


def list_counters(ctx: Context, session: StaffSession) -> CounterList:
    """The counters, centers and services this staff member may work with (for the console's picker)."""
    c, s = db.centers, db.services
    now = utc_now(ctx)
    with ctx.engine.connect() as conn:
        center_q = sa.select(c.c.id, c.c.name).order_by(c.c.sort_order, c.c.id)
        if session.center_id is not None:
            center_q = center_q.where(c.c.id == session.center_id)
        centers = conn.execute(center_q).all()
        ids = [row.id for row in centers]
        services = conn.execute(
            sa.select(s.c.id, s.c.center_id, s.c.prefix, s.c.name)
            .where(s.c.center_id.in_(ids), s.c.active.is_(True))
            .order_by(s.c.center_id, s.c.sort_order, s.c.prefix)
        ).all()
        rows = _counter_rows(conn, now, db.counters.c.center_id.in_(ids))
        links = _services_of(conn, [row.id for row in rows])
    return CounterList(
        centers=[CenterRef(id=row.id, name=I18nText.model_validate(row.name)) for row in centers],
        services=[
            ServiceRef(id=r.id, center_id=r.center_id, prefix=r.prefix, name=I18nText.model_validate(r.name))
            for r in services
        ],
        counters=[_counter(row, links[row.id]) for row in rows],
    )


def _load_counter(conn: Connection, session: StaffSession, counter_id: str, now: datetime) -> Row[Any]:
    rows = _counter_rows(conn, now, db.counters.c.id == counter_id)
    if not rows:
        raise Refusal(404, "not_found", f"no counter {counter_id!r}")
    _visible(session, rows[0].center_id)
    return rows[0]


def _held(conn: Connection, session: StaffSession, counter_id: str, now: datetime) -> Row[Any]:
    row = _load_counter(conn, session, counter_id, now)
    if row.live_session != session.token_hash:
        raise Refusal(
            409, "counter_not_open", f"open counter {row.name} first (it is not open in this session)"
        )
    return row


def _current(conn: Connection, counter_id: str) -> Row[Any] | None:
    t = db.tickets
    return conn.execute(
        ticket_query()
        .where(t.c.counter_id == counter_id, t.c.status.in_(CURRENT))
        .order_by(t.c.called_at.desc())
    ).first()


def state(ctx: Context, session: StaffSession, counter_id: str, result: str = "ok") -> CounterState:
    now = utc_now(ctx)
    t = db.tickets
    with ctx.engine.connect() as conn:
        row = _load_counter(conn, session, counter_id, now)
        services = _services_of(conn, [row.id])[row.id]
        current = _current(conn, row.id)
        parked = conn.execute(
            ticket_query().where(t.c.counter_id == row.id, t.c.status == "parked").order_by(t.c.called_at)
        ).all()
        return CounterState(
            counter=_counter(row, services),
            current=None if current is None else to_ticket(conn, ctx, current, now),
            parked=[to_ticket(conn, ctx, p, now) for p in parked],
            queue=queue_view(conn, ctx, row.center_id, now),
            result=result,
        )


def open_counter(ctx: Context, session: StaffSession, counter_id: str, services: list[str]) -> CounterState:
    """Start working at a counter for the chosen services; a session holds one counter at a time."""
    c = db.counters
    now = utc_now(ctx)
    with db.write_transaction(ctx.engine) as conn:
        row = _load_counter(conn, session, counter_id, now)
        allowed = _services_of(conn, [row.id])[row.id]
        wrong = [sid for sid in services if sid not in allowed]
        if wrong:
            raise Refusal(422, "invalid_request", f"counter {row.name} does not serve {', '.join(wrong)}")
        held_by_other = row.live_session is not None and row.live_session != session.token_hash
        if held_by_other and session.role != "supervisor":
            raise Refusal(409, "counter_taken", f"counter {row.name} is open by {row.opened_by}")
        conn.execute(
            sa.update(c)
            .where(c.c.opened_session == session.token_hash, c.c.id != row.id)
            .values(opened_session=None, opened_by=None, opened_at=None, serving=None)
        )
        chosen = [sid for sid in allowed if sid in services]  # display order, no duplicates
        conn.execute(
            sa.update(c)
            .where(c.c.id == row.id)
            .values(
                opened_session=session.token_hash, opened_by=session.username, opened_at=now, serving=chosen
            )
        )
    return state(ctx, session, counter_id, "opened")


def close_counter(ctx: Context, session: StaffSession, counter_id: str) -> CounterState:
    c = db.counters
    now = utc_now(ctx)
    with db.write_transaction(ctx.engine) as conn:
        _held(conn, session, counter_id, now)
        conn.execute(
            sa.update(c)
            .where(c.c.id == counter_id)
            .values(opened_session=None, opened_by=None, opened_at=None, serving=None)
        )
    return state(ctx, session, counter_id, "closed")


# ----- actions on tickets -----

Action = Callable[[Connection, Row[Any], datetime], str]


def act(ctx: Context, session: StaffSession, counter_id: str, action: Action) -> CounterState:
    """Run one action in one write transaction, then answer with the counter's new state."""
    now = utc_now(ctx)
    with db.write_transaction(ctx.engine) as conn:
        result = action(conn, _held(conn, session, counter_id, now), now)
    return state(ctx, session, counter_id, result)


def _set(conn: Connection, ticket_id: str, **values: Any) -> None:
    t = db.tickets
    conn.execute(sa.update(t).where(t.c.id == ticket_id).values(**values))


def _need_current(conn: Connection, counter: Row[Any], *statuses: str) -> Row[Any]:
    current = _current(conn, counter.id)
    if current is None:
        raise Refusal(409, "no_current_ticket", f"counter {counter.name} has no current ticket")
    if current.status not in statuses:
        raise Refusal(
            409, "wrong_status", f"the current ticket is {current.status}, expected {' or '.join(statuses)}"
        )
    return current


def call_next(conn: Connection, counter: Row[Any], now: datetime) -> str:
    """Call the waiting ticket first in the priority order among the services this counter serves."""
    if _current(conn, counter.id) is not None:
        raise Refusal(409, "counter_busy", "finish, park, transfer or no-show the current ticket first")
    t = db.tickets
    day = rules.business_date(now, center_zone(conn, counter.center_id))
    picked = conn.execute(
        sa.select(t.c.id)
        .where(
            t.c.queue_service_id.in_(counter.serving or []), t.c.business_date == day, t.c.status == "waiting"
        )
        .order_by(t.c.rank_at, t.c.number)
        .limit(1)
    ).scalar_one_or_none()
    if picked is None:
        return "empty"
    _set(conn, picked, status="called", called_at=now, counter_id=counter.id, call_count=t.c.call_count + 1)
    return "called"


def recall(conn: Connection, counter: Row[Any], now: datetime) -> str:
    """Call the same ticket again: the board shows it as a new call."""
    current = _need_current(conn, counter, "called")
    _set(conn, current.id, called_at=now, call_count=db.tickets.c.call_count + 1)
    return "recalled"


def start(conn: Connection, counter: Row[Any], now: datetime) -> str:
    current = _need_current(conn, counter, "called")
    _set(conn, current.id, status="serving", started_at=now)
    return "started"


def finish(conn: Connection, counter: Row[Any], now: datetime) -> str:
    """Done; only tickets that were started give a service-time sample for the estimates."""
    current = _need_current(conn, counter, "called", "serving")
    _set(conn, current.id, status="done", finished_at=now)
    return "finished"


def no_show(conn: Connection, counter: Row[Any], now: datetime) -> str:
    current = _need_current(conn, counter, "called")
    _set(conn, current.id, status="no_show")
    return "no_show"


def park(conn: Connection, counter: Row[Any], now: datetime) -> str:
    """Set the ticket aside at this counter (the visitor fetches a document); unpark calls it back."""
    current = _need_current(conn, counter, "called", "serving")
    _set(conn, current.id, status="parked")
    return "parked"


def transfer(service_id: str) -> Action:
    def run(conn: Connection, counter: Row[Any], now: datetime) -> str:
        """Back to waiting in another service's line, keeping its number and its original queue time.

        Keeping ``queued_at`` means a visitor who already waited is not sent to the back again.
        """
        current = _need_current(conn, counter, "called", "serving")
        s = db.services
        target = conn.execute(
            sa.select(s.c.id).where(
                s.c.id == service_id, s.c.center_id == counter.center_id, s.c.active.is_(True)
            )
        ).first()
        if target is None:
            raise Refusal(
                422, "invalid_request", f"{service_id!r} is not an open service of {counter.center_id}"
            )
        _set(
            conn,
            current.id,
            status="waiting",
            queue_service_id=service_id,
            counter_id=None,
            started_at=None,
        )
        return "transferred"

    return run


def unpark(ticket_id: str) -> Action:
    def run(conn: Connection, counter: Row[Any], now: datetime) -> str:
        """Call a ticket parked at this counter back to it (it shows on the board again)."""
        if _current(conn, counter.id) is not None:
            raise Refusal(409, "counter_busy", "finish, park, transfer or no-show the current ticket first")
        ticket = load_ticket(conn, ticket_id)
        if ticket.status != "parked" or ticket.counter_id != counter.id:
            raise Refusal(409, "wrong_status", f"ticket {ticket_id} is not parked at counter {counter.name}")
        _set(conn, ticket_id, status="called", called_at=now, call_count=db.tickets.c.call_count + 1)
        return "called"

    return run
