"""Tickets, leases and the read-only views (queue, board) on the database.

Every write is one short ``BEGIN IMMEDIATE`` transaction (:func:`central.db.write_transaction`),
run inline by ``async def`` endpoints: on SQLite that serialises writers without "database is
locked" failures and, measured, beats the threadpool (field notes).

Numbers: each service has one daily sequence row (``ticket_sequences``). An online ticket takes
the next number; a lease takes the next ``size`` numbers at once. Both move the same pointer in
the same kind of transaction, so leased blocks and online numbers never overlap and no two
kiosks of a center can issue one number; the unique constraint on (service, day, number) is the
last guard.
"""

from __future__ import annotations

import uuid
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from central import db
from central.context import Context
from central.queue import engine as rules
from central.queue.schemas import (
    Board,
    BoardCall,
    Lease,
    LeaseCreate,
    Queue,
    QueueService,
    RecentCall,
    Ticket,
    TicketCreate,
    TicketEnvelope,
)
from central.schemas import I18nText

SHOWN_CALLS = ("called", "serving", "done")
"""Statuses a board keeps showing after the call; no-shows, parked and voided tickets drop off."""


class Refusal(Exception):
    """A request the queue turns down; the API answers ``{"error": code, "message": message}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def utc_now(ctx: Context) -> datetime:
    """The injected clock's time in UTC: the API's timestamps are UTC with a ``Z``."""
    return ctx.clock.now().astimezone(UTC)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    center_id: str
    prefix: str
    active: bool
    tz: ZoneInfo


def load_service(conn: Connection, service_id: str) -> ServiceInfo | None:
    s, c = db.services, db.centers
    row = conn.execute(
        sa.select(s.c.id, s.c.center_id, s.c.prefix, s.c.active, c.c.timezone)
        .join(c, c.c.id == s.c.center_id)
        .where(s.c.id == service_id)
    ).first()
    if row is None:
        return None
    return ServiceInfo(row.id, row.center_id, row.prefix, bool(row.active), zone(row.timezone))


def center_zone(conn: Connection, center_id: str) -> ZoneInfo:
    c = db.centers
    name = conn.execute(sa.select(c.c.timezone).where(c.c.id == center_id)).scalar_one_or_none()
    if name is None:
        raise Refusal(404, "not_found", f"no center {center_id!r}")
    return zone(name)


def own_service(conn: Connection, service_id: str, center_id: str) -> ServiceInfo:
    """The service, if it exists at the caller's center and is open for tickets."""
    svc = load_service(conn, service_id)
    if svc is None:
        raise Refusal(404, "not_found", f"no service {service_id!r}")
    if svc.center_id != center_id:
        raise Refusal(403, "forbidden", f"service {service_id!r} belongs to another center")
    if not svc.active:
        raise Refusal(409, "service_inactive", f"service {service_id!r} takes no tickets")
    return svc


def take_numbers(conn: Connection, service_id: str, day: date, count: int) -> int:
    """Reserve ``count`` consecutive numbers of the service's daily sequence; returns the first."""
    seq = db.ticket_sequences
    where = sa.and_(seq.c.service_id == service_id, seq.c.business_date == day)
    after = conn.execute(
        sa.update(seq).where(where).values(next_number=seq.c.next_number + count).returning(seq.c.next_number)
    ).scalar_one_or_none()
    if after is not None:
        return int(after) - count
    conn.execute(sa.insert(seq).values(service_id=service_id, business_date=day, next_number=1 + count))
    return 1


# ----- estimates -----


def open_counters(conn: Connection, center_id: str, now: datetime) -> Tally[str]:
    """Open counters per service: counters whose staff session is alive, by the services chosen."""
    c, ss = db.counters, db.staff_sessions
    rows = conn.execute(
        sa.select(c.c.serving)
        .join(ss, ss.c.token_hash == c.c.opened_session)
        .where(c.c.center_id == center_id, c.c.active.is_(True), ss.c.expires_at > now)
    ).all()
    return Tally(service for row in rows for service in (row.serving or []))


def recent_durations(conn: Connection, service_id: str, day: date, limit: int) -> list[float]:
    """Seconds from start to finish of the latest finished tickets of the service that day."""
    t = db.tickets
    rows = conn.execute(
        sa.select(t.c.started_at, t.c.finished_at)
        .where(
            t.c.queue_service_id == service_id,
            t.c.business_date == day,
            t.c.finished_at.is_not(None),
            t.c.started_at.is_not(None),
        )
        .order_by(t.c.finished_at.desc())
        .limit(limit)
    ).all()
    return [(r.finished_at - r.started_at).total_seconds() for r in rows]


def estimate(
    conn: Connection, ctx: Context, service_id: str, day: date, ahead: int, open_map: Tally[str]
) -> int:
    if ahead <= 0:
        return 0
    samples = recent_durations(conn, service_id, day, ctx.settings.service_samples)
    average = rules.average_service_min(samples, ctx.settings)
    return rules.estimate_wait_min(ahead, open_map[service_id], average)


def people_ahead(conn: Connection, service_id: str, day: date, rank: datetime, number: int) -> int:
    """Waiting tickets of the same line that the call order puts first (``rank_at``, then number)."""
    t = db.tickets
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(t)
            .where(
                t.c.queue_service_id == service_id,
                t.c.business_date == day,
                t.c.status == "waiting",
                sa.or_(t.c.rank_at < rank, sa.and_(t.c.rank_at == rank, t.c.number < number)),
            )
        ).scalar_one()
    )


# ----- tickets -----


def ticket_query() -> sa.Select[Any]:
    t, c = db.tickets, db.counters
    return sa.select(t, c.c.name.label("counter_name")).outerjoin(c, c.c.id == t.c.counter_id)


def to_ticket(
    conn: Connection, ctx: Context, row: Row[Any], now: datetime, open_map: Tally[str] | None = None
) -> Ticket:
    """The live view of a stored ticket: its place and estimate are counted now."""
    ahead = wait = 0
    if row.status == "waiting":
        ahead = people_ahead(conn, row.queue_service_id, row.business_date, row.rank_at, row.number)
        if open_map is None:
            open_map = open_counters(conn, row.center_id, now)
        wait = estimate(conn, ctx, row.queue_service_id, row.business_date, ahead, open_map)
    return Ticket(
        id=row.id,
        request_id=row.request_id,
        center_id=row.center_id,
        service_id=row.queue_service_id,
        prefix=row.prefix,
        number=row.number,
        display=rules.display(row.prefix, row.number),
        priority=row.priority,
        status=row.status,
        business_date=row.business_date,
        issued_at=row.issued_at,
        called_at=row.called_at,
        counter=row.counter_name,
        people_ahead=ahead,
        estimated_wait_min=wait,
        language=row.language,
        issued_by=row.issued_by,
        lease_id=row.lease_id,
        status_url=ctx.links.status_url(ctx.engine, row.id),
    )


def load_ticket(conn: Connection, ticket_id: str) -> Row[Any]:
    row = conn.execute(ticket_query().where(db.tickets.c.id == ticket_id)).first()
    if row is None:
        raise Refusal(404, "not_found", f"no ticket {ticket_id!r}")
    return row


def _check_lease(
    conn: Connection, kiosk_id: str, svc: ServiceInfo, req: TicketCreate, now: datetime
) -> tuple[datetime, date]:
    """An offline number must come from this kiosk's lease for this service, issued before it expired.

    A ticket issued while the lease was valid is accepted even when the link comes back later
    (it belongs to its own business day). A kiosk clock ahead of central is clamped to now.
    """
    assert req.number is not None
    if req.lease_id is None:
        raise Refusal(409, "lease_conflict", "a ticket with a number needs the lease_id it came from")
    ls = db.leases
    lease = conn.execute(sa.select(ls).where(ls.c.id == req.lease_id)).first()
    if lease is None or lease.kiosk_id != kiosk_id or lease.service_id != svc.id:
        raise Refusal(409, "lease_conflict", f"lease {req.lease_id!r} is not this kiosk's lease for {svc.id}")
    if not lease.first <= req.number <= lease.last:
        raise Refusal(
            409, "lease_conflict", f"number {req.number} is outside lease {lease.first}..{lease.last}"
        )
    issued = min((req.issued_at or now).astimezone(UTC), now)
    if issued >= lease.expires_at:
        raise Refusal(409, "lease_conflict", f"lease {lease.id} expired at {lease.expires_at.isoformat()}")
    t = db.tickets
    taken = conn.execute(
        sa.select(t.c.id).where(
            t.c.service_id == svc.id, t.c.business_date == lease.business_date, t.c.number == req.number
        )
    ).first()
    if taken is not None:
        raise Refusal(409, "lease_conflict", f"number {req.number} of {svc.id} is already a ticket")
    return issued, lease.business_date


def create_ticket(ctx: Context, kiosk_id: str, center_id: str, req: TicketCreate) -> tuple[bool, bytes]:
    """Create the ticket, or replay the stored body when ``request_id`` was seen before.

    Returns (created, body). The body is kept with the ticket so a retry gets exactly the bytes
    of the first answer, even if the ticket has been called since.
    """
    t = db.tickets
    now = utc_now(ctx)
    ctx.links.key(ctx.engine)  # made (once) before the write lock: making it needs a write of its own
    try:
        with db.write_transaction(ctx.engine) as conn:
            seen = conn.execute(
                sa.select(t.c.kiosk_id, t.c.service_id, t.c.response).where(t.c.request_id == req.request_id)
            ).first()
            if seen is not None:
                if seen.kiosk_id != kiosk_id or seen.service_id != req.service_id:
                    raise Refusal(
                        409, "idempotency_conflict", "request_id was used for a different ticket request"
                    )
                return False, str(seen.response).encode("utf-8")
            svc = own_service(conn, req.service_id, center_id)
            if req.number is None:
                issued, day, lease_id = now, rules.business_date(now, svc.tz), None
                number = take_numbers(conn, svc.id, day, 1)
            else:
                issued, day = _check_lease(conn, kiosk_id, svc, req, now)
                number, lease_id = req.number, req.lease_id
            ticket_id = uuid.uuid4().hex
            rank = rules.rank_at(issued, req.priority, ctx.settings)
            ahead = wait = 0
            if req.status == "waiting":
                ahead = people_ahead(conn, svc.id, day, rank, number)
                wait = estimate(conn, ctx, svc.id, day, ahead, open_counters(conn, svc.center_id, now))
            ticket = Ticket(
                id=ticket_id,
                request_id=req.request_id,
                center_id=svc.center_id,
                service_id=svc.id,
                prefix=svc.prefix,
                number=number,
                display=rules.display(svc.prefix, number),
                priority=req.priority,
                status=req.status,
                business_date=day,
                issued_at=issued,
                called_at=None,
                counter=None,
                people_ahead=ahead,
                estimated_wait_min=wait,
                language=req.language,
                issued_by=req.issued_by,
                lease_id=lease_id,
                status_url=ctx.links.status_url(ctx.engine, ticket_id),
            )
            body = TicketEnvelope(ticket=ticket).model_dump_json()
            conn.execute(
                sa.insert(t).values(
                    id=ticket_id,
                    request_id=req.request_id,
                    kiosk_id=kiosk_id,
                    center_id=svc.center_id,
                    service_id=svc.id,
                    queue_service_id=svc.id,
                    business_date=day,
                    number=number,
                    prefix=svc.prefix,
                    priority=req.priority,
                    issued_by=req.issued_by,
                    language=req.language,
                    lease_id=lease_id,
                    status=req.status,
                    issued_at=issued,
                    received_at=now,
                    queued_at=issued,
                    rank_at=rank,
                    call_count=0,
                    response=body,
                )
            )
    except IntegrityError as exc:  # the unique constraints: a bug or a race the checks above missed
        raise Refusal(409, "lease_conflict", "that number of this service is already a ticket") from exc
    return True, body.encode("utf-8")


def get_ticket(ctx: Context, ticket_id: str) -> Ticket:
    with ctx.engine.connect() as conn:
        return to_ticket(conn, ctx, load_ticket(conn, ticket_id), utc_now(ctx))


def void_ticket(ctx: Context, center_id: str, ticket_id: str, reason: str) -> Ticket:
    """Void a waiting ticket whose printing failed; voiding it again changes nothing."""
    t = db.tickets
    now = utc_now(ctx)
    ctx.links.key(ctx.engine)
    with db.write_transaction(ctx.engine) as conn:
        row = load_ticket(conn, ticket_id)
        if row.center_id != center_id:
            raise Refusal(403, "forbidden", "the ticket belongs to another center")
        if row.status not in ("waiting", "void"):
            raise Refusal(
                409, "not_waiting", f"the ticket is {row.status}, only waiting tickets can be voided"
            )
        if row.status == "waiting":
            conn.execute(sa.update(t).where(t.c.id == ticket_id).values(status="void", void_reason=reason))
            row = load_ticket(conn, ticket_id)
        return to_ticket(conn, ctx, row, now)


# ----- leases -----


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
        first = take_numbers(conn, svc.id, day, req.size)
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


# ----- views -----


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
    return Queue(
        center_id=center_id,
        business_date=day,
        services=[
            QueueService(
                service_id=row.id,
                prefix=row.prefix,
                name=I18nText.model_validate(row.name),
                waiting=waiting[row.id],
                estimated_wait_min=estimate(conn, ctx, row.id, day, waiting[row.id], open_map),
                open_counters=open_map[row.id],
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
