"""Check-in at central: a booking becomes an ``appointment`` priority ticket, online or synced from a
kiosk's offline check-in, judged at the moment of check-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from central import db
from central.appointments import slots as engine
from central.appointments.records import CLOCK_SKEW, BookingRefusal, _appointment
from central.appointments.schemas import (
    CheckInResult,
)
from central.queue import engine as queue_rules
from central.queue import store
from central.queue.schemas import TicketCreate, TicketEnvelope

if TYPE_CHECKING:
    from central.appointments.booking import AppointmentDesk


def check_in(
    desk: AppointmentDesk,
    code: str,
    kiosk_id: str | None,
    center_id: str,
    *,
    request_id: str | None = None,
    ticket_request_id: str | None = None,
    checked_in_at: datetime | None = None,
    issued_by: str = "kiosk",
) -> CheckInResult:
    """Turn a booking into an ``appointment`` priority ticket; the same code again gets that ticket.

    Online, central issues the ticket. Offline, the kiosk already issued it from its lease and
    synced it (``ticket_request_id``); it is attached here, and the window is judged at
    ``checked_in_at`` (else the ticket's issue time), so a late sync still counts, even after the
    sweeper marked the booking missed. A second ticket for a booking already checked in (two
    kiosks, or online then offline) is voided if still waiting; the first one keeps the place.
    Either way the ticket joins the line at the slot's start (:func:`queue_ticket_at`).
    """
    now, seed = desk.now(), desk.signing_seed()
    if checked_in_at is not None and checked_in_at.astimezone(UTC) > now + CLOCK_SKEW:
        raise BookingRefusal(422, "invalid_request", "checked_in_at is in the future")
    s = desk.settings
    desk.ctx.links.key(desk.ctx.engine)  # made before the write lock, as store.create_tickets does
    with db.write_transaction(desk.ctx.engine) as conn:
        row = desk._by_code(conn, code, None)
        if row.center_id != center_id:
            raise BookingRefusal(403, "other_center", "the appointment is at another center")
        sched = desk.schedule(conn, row.service_id).schedule
        offline = (
            None if ticket_request_id is None else _offline_ticket(conn, row, ticket_request_id, kiosk_id)
        )
        if row.status == "checked_in" and row.ticket_id is not None:
            if offline is not None and offline.id != row.ticket_id and offline.status == "waiting":
                conn.execute(
                    sa.update(db.tickets)
                    .where(db.tickets.c.id == offline.id)
                    .values(status="void", void_reason=f"duplicate check-in of appointment {row.code}")
                )
            ticket = store.to_ticket(conn, desk.ctx, store.load_ticket(conn, row.ticket_id), now)
            return CheckInResult(appointment=_appointment(row, sched, seed=seed), ticket=ticket)
        if row.status not in ("confirmed", "missed"):
            raise BookingRefusal(409, "not_confirmed", f"the appointment is {row.status}")
        if offline is not None and offline.status != "waiting":
            raise BookingRefusal(409, "ticket_conflict", f"the offline ticket is {offline.status}")
        at = checked_in_at or (offline.issued_at if offline is not None else now)
        at = min(at.astimezone(UTC), now)
        early, late = timedelta(minutes=s.checkin_early_min), timedelta(minutes=s.checkin_late_min)
        verdict = engine.checkin_verdict(at, row.slot_start_utc, early, late)
        if row.status == "missed" and verdict != "ok":  # the sweep got there first: still "too late"
            raise BookingRefusal(409, "too_late", "the check-in window has closed", service_id=row.service_id)
        if verdict == "too_early":
            opens, _ = engine.checkin_window(row.slot_start_utc, early, late)
            raise BookingRefusal(409, "too_early", "check-in is not open yet", opens_at=opens)
        if verdict == "ok":
            ticket_request = request_id if kiosk_id is not None and request_id else f"appointment:{row.id}"
            return _issue(desk, conn, row, sched, kiosk_id, center_id, now, seed, offline, issued_by,
                               ticket_request)  # fmt: skip
        a = db.appointments
        conn.execute(sa.update(a).where(a.c.id == row.id).values(status="missed"))
    # Raised after the commit, so the refusal does not roll back the "missed" mark.
    raise BookingRefusal(409, "too_late", "the check-in window has closed", service_id=row.service_id)


def _issue(
    desk: AppointmentDesk,
    conn: Connection,
    row: Row[Any],
    sched: engine.BookingSchedule,
    kiosk_id: str | None,
    center_id: str,
    now: datetime,
    seed: bytes,
    offline: Row[Any] | None,
    issued_by: str = "kiosk",
    ticket_request: str | None = None,
) -> CheckInResult:
    """The ticket of a check-in, made (or, offline, attached) in the caller's write transaction.

    A kiosk's check-in names the ticket after its own request id (``ticket_request``), so the
    same visitor's number from the kiosk's lease, sent later under that id, is adopted by it.
    """
    a, t = db.appointments, db.tickets
    queued_at = queue_ticket_at(row.slot_start_utc)
    if offline is None:
        request = TicketCreate(
            request_id=ticket_request or f"appointment:{row.id}",
            service_id=row.service_id,
            priority="appointment",
            language=row.language or "ru",
            issued_by=issued_by,
        )
        item = store.NewTicket(kiosk_id, center_id, request)
        _created, body = store.create_in(conn, desk.ctx, item, now, queued_at=queued_at)
        ticket_id = TicketEnvelope.model_validate_json(body).ticket.id
    else:
        ticket_id = offline.id
        rank = queue_rules.rank_at(queued_at, "appointment", desk.ctx.settings)
        conn.execute(sa.update(t).where(t.c.id == ticket_id).values(queued_at=queued_at, rank_at=rank))
    conn.execute(sa.update(a).where(a.c.id == row.id).values(status="checked_in", ticket_id=ticket_id))
    ticket = store.to_ticket(conn, desk.ctx, store.load_ticket(conn, ticket_id), now)
    return CheckInResult(appointment=_appointment(row, sched, status="checked_in", seed=seed), ticket=ticket)


def queue_ticket_at(slot_start: datetime) -> datetime:
    """A checked-in booking joins the line at its booked time, early or late (within the window).

    With the appointment bonus its place is ``slot - bonus``: a late visitor keeps it, an early one
    waits from the slot time, and a walk-in who came more than the bonus before the slot is still
    called first (the bonus cap, central.queue.engine).
    """
    return slot_start.astimezone(UTC)


def _offline_ticket(conn: Connection, row: Row[Any], request_id: str, kiosk_id: str | None) -> Row[Any]:
    """The ticket the kiosk issued offline for this booking; 409 ticket_not_synced until it has arrived."""
    t, a = db.tickets, db.appointments
    ticket = conn.execute(sa.select(t).where(t.c.request_id == request_id)).first()
    if ticket is None:
        raise BookingRefusal(409, "ticket_not_synced", "the offline ticket has not reached central yet")
    if ticket.kiosk_id != kiosk_id or ticket.service_id != row.service_id or ticket.priority != "appointment":
        raise BookingRefusal(
            409, "ticket_conflict", "the ticket is not this kiosk's appointment ticket for this service"
        )
    other = conn.execute(sa.select(a.c.id).where(a.c.ticket_id == ticket.id, a.c.id != row.id)).first()
    if other is not None:
        raise BookingRefusal(409, "ticket_conflict", "the ticket belongs to another appointment")
    return ticket
