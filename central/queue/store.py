"""Tickets on the database (create, adopt a leased number, void), and the service lookup leases and
views share. The number sequence is in :mod:`central.queue.numbering`, the place in line and the
wait in :mod:`central.queue.estimates`.

Every write is one short ``BEGIN IMMEDIATE`` transaction (:func:`central.db.write_transaction`),
run inline by ``async def`` endpoints: on SQLite that serialises writers without "database is
locked" failures and, measured, beats the threadpool (field notes). Ticket creations that
arrive together share one such transaction (group commit, :mod:`central.queue.writer`).
"""

from __future__ import annotations

import logging
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
from central.prepared import Prepared
from central.queue import engine as rules
from central.queue.estimates import estimate, new_ticket_line, open_counters, people_ahead
from central.queue.numbering import take_numbers
from central.queue.schemas import (
    Ticket,
    TicketCreate,
    TicketEnvelope,
)

log = logging.getLogger(__name__)


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


# Statements of the hot paths (ticket creation, the board) are built once: building a Core
# statement costs about 40 us a time, more than SQLite takes to run it (measured).
_t, _s, _c = db.tickets, db.services, db.centers
_bp = sa.bindparam
SEEN_TICKET = sa.select(_t.c.kiosk_id, _t.c.service_id, _t.c.response).where(
    _t.c.request_id == _bp("request_id")
)
SERVICE = (
    sa.select(_s.c.id, _s.c.center_id, _s.c.prefix, _s.c.active, _c.c.timezone)
    .join(_c, _c.c.id == _s.c.center_id)
    .where(_s.c.id == _bp("service_id"))
)
SERVICE_AND_SEEN = Prepared(
    sa.select(
        _s.c.id,
        _s.c.center_id,
        _s.c.prefix,
        _s.c.active,
        _c.c.timezone,
        _t.c.id.label("seen_id"),
        _t.c.kiosk_id.label("seen_kiosk_id"),
        _t.c.service_id.label("seen_service_id"),
        _t.c.response.label("seen_response"),
    )
    .select_from(_s.join(_c, _c.c.id == _s.c.center_id).outerjoin(_t, _t.c.request_id == _bp("request_id")))
    .where(_s.c.id == _bp("service_id"))
)
"""A new ticket's service and the ticket already made for its request_id, if any: one statement."""
CENTER_ZONE = sa.select(_c.c.timezone).where(_c.c.id == _bp("center_id"))
INSERT_TICKET = Prepared(sa.insert(_t))


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    center_id: str
    prefix: str
    active: bool
    tz: ZoneInfo


def load_service(conn: Connection, service_id: str) -> ServiceInfo | None:
    row = conn.execute(SERVICE, {"service_id": service_id}).first()
    return None if row is None else _service_info(row, service_id)


def _service_info(row: Any, service_id: str) -> ServiceInfo:
    if row is None:
        raise Refusal(404, "not_found", f"no service {service_id!r}")
    return ServiceInfo(row.id, row.center_id, row.prefix, bool(row.active), zone(row.timezone))


def center_zone(conn: Connection, center_id: str) -> ZoneInfo:
    name = conn.execute(CENTER_ZONE, {"center_id": center_id}).scalar_one_or_none()
    if name is None:
        raise Refusal(404, "not_found", f"no center {center_id!r}")
    return zone(name)


def own_service(conn: Connection, service_id: str, center_id: str) -> ServiceInfo:
    """The service, if it exists at the caller's center and is open for tickets."""
    row = conn.execute(SERVICE, {"service_id": service_id}).first()
    return _open_for_tickets(_service_info(row, service_id), center_id)


def _open_for_tickets(svc: ServiceInfo, center_id: str) -> ServiceInfo:
    if svc.center_id != center_id:
        raise Refusal(403, "forbidden", f"service {svc.id!r} belongs to another center")
    if not svc.active:
        raise Refusal(409, "service_inactive", f"service {svc.id!r} takes no tickets")
    return svc


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
        counters = open_map if open_map is not None else lambda: open_counters(conn, row.center_id, now)
        wait = estimate(conn, ctx, row.queue_service_id, row.business_date, ahead, counters, row.rank_at, now)
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
    conn: Connection, kiosk_id: str | None, svc: ServiceInfo, req: TicketCreate, now: datetime
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


@dataclass(frozen=True)
class NewTicket:
    """One creation request as the API received it."""

    kiosk_id: str | None
    """None: issued by staff at central (an appointment checked in at the counter)."""
    center_id: str
    request: TicketCreate


def _create_in(
    conn: Connection, ctx: Context, item: NewTicket, now: datetime, *, queued_at: datetime | None = None
) -> tuple[bool, str]:
    """Create one ticket in the caller's write transaction, or find the one made for its request_id.

    Every refusal is raised before anything is written, so a refused item leaves the
    transaction as it found it (the group commit relies on that). ``queued_at`` puts the ticket
    in line at another time than its issue (a checked-in booking: its slot's start).
    """
    req, kiosk_id = item.request, item.kiosk_id
    row = SERVICE_AND_SEEN.first(conn, {"request_id": req.request_id, "service_id": req.service_id})
    seen: tuple[str | None, str, str] | None = None  # (kiosk_id, service_id, response) of its first ticket
    if row is None:  # no such service: a request_id seen with another one still conflicts first
        first = conn.execute(SEEN_TICKET, {"request_id": req.request_id}).first()
        seen = None if first is None else (first.kiosk_id, first.service_id, first.response)
    elif row.seen_id is not None:
        seen = (row.seen_kiosk_id, row.seen_service_id, row.seen_response)
    if seen is not None:
        if seen[:2] != (kiosk_id, req.service_id):
            raise Refusal(409, "idempotency_conflict", "request_id was used for a different ticket request")
        if req.number is not None:
            adopted = _adopt_lease_number(conn, ctx, item, now)
            if adopted is not None:
                return False, adopted
        return False, str(seen[2])
    svc = _open_for_tickets(_service_info(row, req.service_id), item.center_id)
    if req.number is None:
        issued, day, lease_id = now, rules.business_date(now, svc.tz), None
        number = take_numbers(conn, svc.id, day, 1, ctx.settings.lease_ceiling)
    else:
        issued, day = _check_lease(conn, kiosk_id, svc, req, now)
        number, lease_id = req.number, req.lease_id
    ticket_id = uuid.uuid4().hex
    queued_at = queued_at or issued
    rank = rules.rank_at(queued_at, req.priority, ctx.settings)
    ahead = wait = 0
    if req.status == "waiting":
        ahead, wait = new_ticket_line(conn, ctx, svc.id, svc.center_id, day, rank, number, now)
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
    INSERT_TICKET.execute(
        conn,
        {
            "id": ticket_id,
            "request_id": req.request_id,
            "kiosk_id": kiosk_id,
            "center_id": svc.center_id,
            "service_id": svc.id,
            "queue_service_id": svc.id,
            "business_date": day,
            "number": number,
            "prefix": svc.prefix,
            "priority": req.priority,
            "issued_by": req.issued_by,
            "language": req.language,
            "lease_id": lease_id,
            "status": req.status,
            "issued_at": issued,
            "received_at": now,
            "queued_at": queued_at,
            "rank_at": rank,
            "call_count": 0,
            "response": body,
        },
    )
    return True, body


def _adopt_lease_number(conn: Connection, ctx: Context, item: NewTicket, now: datetime) -> str | None:
    """The kiosk printed a leased number for a request whose ticket central had already made.

    That happens when central's answer was lost on the way back: the kiosk asked again while the
    visitor waited, then issued from its lease under the same request id. The visitor holds the
    leased number, so the ticket takes it (and keeps its place in line); a ticket already called
    under its old number, which nobody held, waits again. The stored answer becomes the adopted
    ticket, so every later replay of the request id answers the number on the paper. None: the
    ticket already carries a leased number (a plain replay).
    """
    req, t = item.request, db.tickets
    row = conn.execute(sa.select(t).where(t.c.request_id == req.request_id)).one()
    if row.lease_id is not None:
        return None
    svc = own_service(conn, req.service_id, item.center_id)
    _check_lease(conn, item.kiosk_id, svc, req, now)
    values: dict[str, Any] = {"number": req.number, "lease_id": req.lease_id}
    if row.started_at is None and row.status in ("called", "no_show"):
        values.update(status="waiting", called_at=None, counter_id=None)
    if req.status == "void" and row.status in ("waiting", "called", "no_show") and row.started_at is None:
        values.update(status="void", void_reason="printing failed at the kiosk")
    conn.execute(sa.update(t).where(t.c.id == row.id).values(**values))
    ticket = to_ticket(conn, ctx, load_ticket(conn, row.id), now)
    body = TicketEnvelope(ticket=ticket).model_dump_json()
    conn.execute(sa.update(t).where(t.c.id == row.id).values(response=body))
    log.info("ticket %s takes the number %s the kiosk printed for request %s",
             rules.display(row.prefix, row.number), ticket.display, req.request_id)  # fmt: skip
    return body


create_in = _create_in
"""For callers that make a ticket inside their own write transaction (appointment check-in)."""


def create_tickets(ctx: Context, items: list[NewTicket]) -> list[tuple[bool, bytes] | Refusal]:
    """Create several tickets in one ``BEGIN IMMEDIATE`` transaction: one commit, one fsync.

    This is the group commit behind the API (see :mod:`central.queue.writer`). Each answer is
    (created, body) or the item's Refusal. Anything else (a unique constraint a check missed,
    a database error) rolls the whole group back and is raised; the caller then retries the
    items one by one, so one bad request cannot fail its neighbours.
    """
    now = utc_now(ctx)
    ctx.links.key(ctx.engine)  # made (once) before the write lock: making it needs a write of its own
    out: list[tuple[bool, bytes] | Refusal | None] = [None] * len(items)
    # By service (arrival order within one): on PostgreSQL each line's rows are locked as its first
    # ticket is made, and two workers' groups taking two lines in opposite orders would deadlock.
    order = sorted(range(len(items)), key=lambda i: items[i].request.service_id)
    with db.write_transaction(ctx.engine) as conn:
        for i in order:
            try:
                created, body = _create_in(conn, ctx, items[i], now)
            except Refusal as refusal:
                out[i] = refusal
                continue
            out[i] = (created, body.encode("utf-8"))
    return [answer for answer in out if answer is not None]


RACE_RETRIES = 3


def create_ticket(
    ctx: Context, kiosk_id: str | None, center_id: str, req: TicketCreate
) -> tuple[bool, bytes]:
    """Create the ticket, or replay the stored body when ``request_id`` was seen before.

    Returns (created, body). The body is kept with the ticket so a retry gets exactly the bytes
    of the first answer, even if the ticket has been called since.
    """
    for attempt in range(1, RACE_RETRIES + 1):
        try:
            (result,) = create_tickets(ctx, [NewTicket(kiosk_id, center_id, req)])
            break
        except IntegrityError as exc:
            # On PostgreSQL (READ COMMITTED) a concurrent retry of the same request can pass the
            # "seen before?" check and lose at the unique index; run again, and it is a replay.
            if attempt == RACE_RETRIES:
                raise Refusal(
                    409, "lease_conflict", "that number of this service is already a ticket"
                ) from exc
    if isinstance(result, Refusal):
        raise result
    return result


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
