"""What center staff do with bookings: the day's list per service, check-in by code, missed, cancel.

Staff see their own center only (an account without a center sees every center). A staff
cancellation needs no phone digits and does not count towards the visitor's cool-down (the
visitor did not cancel); it records who did it. "Missed" may be marked once the slot has begun,
before the sweep would do it at the end of the check-in window.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from central import db
from central.appointments import reminders
from central.appointments import slots as engine
from central.appointments.booking import AppointmentDesk
from central.appointments.records import BookingRefusal
from central.appointments.staff_schemas import (
    StaffAction,
    StaffAppointment,
    StaffAppointmentDay,
    StaffCenterOption,
    StaffCheckInResult,
    StaffServiceDay,
)
from central.queue import engine as rules
from central.schemas import I18nText
from central.staff import StaffSession


def mask_phone(phone: str | None) -> str:
    """Enough to ask "is this your number?" and no more: ``+7 *** ***-67-89``."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 4:
        return ""
    tail = f"***-{digits[-4:-2]}-{digits[-2:]}"
    return f"+7 *** {tail}" if len(digits) == 11 and digits[0] == "7" else f"+*** {tail}"


def _visible(session: StaffSession, center_id: str) -> None:
    if session.center_id is not None and session.center_id != center_id:
        raise BookingRefusal(
            403, "forbidden", f"{session.username} works at {session.center_id}, not {center_id}"
        )


def _row_query() -> sa.Select[Any]:
    a, t, bs, c = db.appointments, db.tickets, db.booking_settings, db.centers
    return (
        sa.select(a, t.c.prefix, t.c.number, bs.c.slot_minutes, c.c.timezone)
        .join(c, c.c.id == a.c.center_id)
        .outerjoin(t, t.c.id == a.c.ticket_id)
        .outerjoin(bs, bs.c.service_id == a.c.service_id)
    )


def _actions(row: Row[Any], now: datetime, desk: AppointmentDesk) -> list[StaffAction]:
    if row.status != "confirmed":
        return []
    s = desk.settings
    early, late = timedelta(minutes=s.checkin_early_min), timedelta(minutes=s.checkin_late_min)
    out: list[StaffAction] = []
    if engine.checkin_verdict(now, row.slot_start_utc, early, late) == "ok":
        out.append("check_in")
    out.append("mark_missed" if now >= row.slot_start_utc else "cancel")
    return out


def _view(row: Row[Any], now: datetime, desk: AppointmentDesk) -> StaffAppointment:
    zone = ZoneInfo(row.timezone)
    start = row.slot_start_utc.astimezone(zone)
    return StaffAppointment(
        id=row.id,
        code=row.code or "",
        service_id=row.service_id,
        slot_start=start,
        slot_end=(row.slot_start_utc + timedelta(minutes=row.slot_minutes or 0)).astimezone(zone),
        name=row.name or "",
        phone=mask_phone(row.phone),
        status=row.status,
        ticket=None if row.number is None else rules.display(row.prefix, row.number),
        cancelled_by=row.cancelled_by,
        actions=_actions(row, now, desk),
    )


def day(
    desk: AppointmentDesk, session: StaffSession, center_id: str | None, when: date | None
) -> StaffAppointmentDay:
    """The bookings of one local date at one center, grouped by its bookable services."""
    now = desk.now()
    c, s, bs, a = db.centers, db.services, db.booking_settings, db.appointments
    with desk.ctx.engine.connect() as conn:
        query = sa.select(c.c.id, c.c.name, c.c.timezone).order_by(c.c.sort_order, c.c.id)
        if session.center_id is not None:
            query = query.where(c.c.id == session.center_id)
        centers = conn.execute(query).all()
        if not centers:
            raise BookingRefusal(404, "not_found", "no center to show")
        center_id = center_id or centers[0].id
        _visible(session, center_id)
        center = next((row for row in centers if row.id == center_id), None)
        if center is None:
            raise BookingRefusal(404, "not_found", f"no center {center_id!r}")
        zone = ZoneInfo(center.timezone)
        today = now.astimezone(zone).date()
        when = when or today
        lo = datetime.combine(when, time(), zone).astimezone(UTC)
        hi = datetime.combine(when + timedelta(days=1), time(), zone).astimezone(UTC)
        services = conn.execute(
            sa.select(s.c.id, s.c.name)
            .join(bs, bs.c.service_id == s.c.id)
            .where(s.c.center_id == center_id, s.c.active)
            .order_by(s.c.sort_order, s.c.prefix)
        ).all()
        rows = conn.execute(
            _row_query()
            .where(
                a.c.service_id.in_([svc.id for svc in services]),
                a.c.slot_start_utc >= lo,
                a.c.slot_start_utc < hi,
                a.c.status != "held",
            )
            .order_by(a.c.slot_start_utc, a.c.code)
        ).all()
    by_service: dict[str, list[StaffAppointment]] = {svc.id: [] for svc in services}
    for row in rows:
        by_service[row.service_id].append(_view(row, now, desk))
    return StaffAppointmentDay(
        center_id=center_id,
        date=when,
        today=today,
        centers=[StaffCenterOption(id=row.id, name=I18nText.model_validate(row.name)) for row in centers],
        services=[
            StaffServiceDay(
                service_id=svc.id, name=I18nText.model_validate(svc.name), appointments=by_service[svc.id]
            )
            for svc in services
        ],
    )


def _load(conn: Connection, session: StaffSession, appointment_id: str) -> Row[Any]:
    row = conn.execute(_row_query().where(db.appointments.c.id == appointment_id)).first()
    if row is None or row.status == "held":
        raise BookingRefusal(404, "not_found", "no such appointment")
    _visible(session, row.center_id)
    return row


def get(desk: AppointmentDesk, session: StaffSession, appointment_id: str) -> StaffAppointment:
    with desk.ctx.engine.connect() as conn:
        return _view(_load(conn, session, appointment_id), desk.now(), desk)


def check_in(desk: AppointmentDesk, session: StaffSession, code: str) -> StaffCheckInResult:
    """The visitor's code typed at the counter: the same ``appointment`` ticket a kiosk would issue."""
    a = db.appointments
    with desk.ctx.engine.connect() as conn:
        found = conn.execute(sa.select(a.c.id, a.c.center_id).where(a.c.code == code)).first()
    if found is None:
        raise BookingRefusal(404, "not_found", "no appointment with this code")
    _visible(session, found.center_id)
    result = desk.check_in(code, None, found.center_id, issued_by=f"staff:{session.username}")
    return StaffCheckInResult(appointment=get(desk, session, found.id), ticket=result.ticket)


def mark_missed(desk: AppointmentDesk, session: StaffSession, appointment_id: str) -> StaffAppointment:
    now = desk.now()
    a = db.appointments
    with db.write_transaction(desk.ctx.engine) as conn:
        row = _load(conn, session, appointment_id)
        if row.status == "confirmed":
            if now < row.slot_start_utc:
                raise BookingRefusal(
                    409, "not_started", "a booking can be marked missed once its slot has begun"
                )
            conn.execute(sa.update(a).where(a.c.id == row.id).values(status="missed"))
            reminders.cancel_pending(conn, row.id)
        elif row.status != "missed":
            raise BookingRefusal(409, "not_confirmed", f"the appointment is {row.status}")
        return _view(_load(conn, session, appointment_id), now, desk)


def cancel(desk: AppointmentDesk, session: StaffSession, appointment_id: str) -> StaffAppointment:
    """Cancel for the visitor (who phoned, say): frees the place, no cool-down, records who did it."""
    now = desk.now()
    a = db.appointments
    with db.write_transaction(desk.ctx.engine) as conn:
        row = _load(conn, session, appointment_id)
        if row.status == "confirmed":
            by = f"staff:{session.username}"
            conn.execute(
                sa.update(a)
                .where(a.c.id == row.id)
                .values(status="cancelled", cancelled_by=by, cancelled_at=now)
            )
            reminders.cancel_pending(conn, row.id)
        elif row.status != "cancelled":
            raise BookingRefusal(409, "not_cancellable", f"the appointment is {row.status}")
        return _view(_load(conn, session, appointment_id), now, desk)
