"""Appointments on the database: schedules from their tables, holds, bookings, cancel, check-in.

Every write is one short ``BEGIN IMMEDIATE`` transaction (:func:`central.db.write_transaction`):
the count of a slot's bookings and the insert of the new one happen under the one write lock,
so two kiosks holding the last place cannot both win (tests/central/test_appointments_race.py).
The rules themselves are the pure engine in :mod:`central.appointments.slots`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time as time_module
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from central import db
from central.appointments import reminders
from central.appointments import slots as engine
from central.appointments import token as signing
from central.appointments.schemas import (
    Appointment,
    AppointmentEnvelope,
    AppointmentStatus,
    CheckInResult,
    FreeSlot,
    Hold,
    HoldConfirm,
    HoldCreate,
    UpcomingAppointment,
    UpcomingList,
    Verification,
    VerificationKey,
)
from central.appointments.settings import AppointmentSettings, ReminderSettings
from central.context import Context
from central.errors import ApiError
from central.queue import engine as queue_rules
from central.queue import store
from central.queue.schemas import TicketCreate, TicketEnvelope

PHONE_KEY = "phone_hmac"
SCHEDULE_TTL_S = 10.0
"""How long a service's schedule is reused before it is read again from the database."""
CODE_DIGITS = 7
"""Random digits of a code; one Luhn check digit follows, so a mistyped digit is caught at once."""
UPCOMING_AHEAD = timedelta(hours=36)
"""How far ahead GET /appointments/upcoming lists bookings: today's and tomorrow's, for an offline day."""
CLOCK_SKEW = timedelta(minutes=2)
"""How far a kiosk's ``checked_in_at`` may be ahead of central's clock before it is refused."""


class BookingRefusal(ApiError):
    """A 409 (or 404/403) with the slot engine's reason as the code, and maybe a time to show."""

    def __init__(
        self, status: int, code: str, message: str, service_id: str | None = None, **times: datetime
    ) -> None:
        super().__init__(status, code, message)
        self.times = times
        self.service_id = service_id  # too_late: the kiosk offers a walk-in ticket for this service


# ----- small pure helpers -----


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``: every single-digit typo and most swaps are caught."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def code_ok(code: str) -> bool:
    return code.isdigit() and len(code) == CODE_DIGITS + 1 and luhn_digit(code[:-1]) == code[-1]


def new_code() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    return body + luhn_digit(body)


def normalise_phone(phone: str) -> str | None:
    """``+7 (912) 345-67-89``, ``89123456789`` and ``9123456789`` are one person: ``+79123456789``.

    A number written with ``+`` (or ``00``) is taken as international as it stands, so ``+81 3 ...``
    never becomes Russian. Without it, only Russian forms are understood (8/7 and 11 digits, or a
    10-digit mobile starting with 9); any other national number needs its country code, because
    ``0912 345 678`` could be anyone's.
    """
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    elif not text.startswith("+"):
        if len(digits) == 11 and digits[0] in "78":
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits
        else:
            return None
    return "+" + digits if 8 <= len(digits) <= 15 and not digits.startswith("0") else None


# ----- the phone key -----


# ----- loading a schedule -----


def _hhmm(text: str) -> time:
    return time.fromisoformat(text)


@dataclass(frozen=True)
class ServiceSchedule:
    service_id: str
    center_id: str
    schedule: engine.BookingSchedule


def load_schedule(conn: Connection, service_id: str, *, lock: bool = False) -> ServiceSchedule:
    """The service's booking schedule built from its rows; 404 when it takes no appointments.

    ``lock`` takes the service's settings row FOR UPDATE: on PostgreSQL that serialises the
    count-then-insert of concurrent bookings of one service, as BEGIN IMMEDIATE does on SQLite
    (where SQLAlchemy leaves FOR UPDATE out).
    """
    bs, sv, ce = db.booking_settings, db.services, db.centers
    if lock:
        conn.execute(sa.select(bs.c.service_id).where(bs.c.service_id == service_id).with_for_update())
    row = conn.execute(
        sa.select(bs, sv.c.center_id, ce.c.timezone)
        .join(sv, sv.c.id == bs.c.service_id)
        .join(ce, ce.c.id == sv.c.center_id)
        .where(bs.c.service_id == service_id, sv.c.active)
    ).first()
    if row is None:
        raise BookingRefusal(404, "not_found", f"service {service_id!r} takes no appointments")
    windows: dict[int, list[engine.Window]] = {}
    breaks: dict[int, list[engine.Window]] = {}
    for table, into in ((db.booking_schedules, windows), (db.booking_breaks, breaks)):
        for w in conn.execute(sa.select(table).where(table.c.service_id == service_id)):
            into.setdefault(w.weekday, []).append((_hhmm(w.start), _hhmm(w.end)))
    ex = db.schedule_exceptions
    exceptions: dict[date, list[engine.Window] | None] = {}
    for e in conn.execute(sa.select(ex).where(ex.c.center_id == row.center_id)):
        exceptions[e.date] = None if e.closed else [(_hhmm(a), _hhmm(b)) for a, b in (e.windows or [])]
    schedule = engine.BookingSchedule(
        windows=windows,
        breaks=breaks,
        slot_minutes=row.slot_minutes,
        capacity=row.capacity,
        buffer_minutes=row.buffer_minutes,
        min_notice=timedelta(minutes=row.min_notice_min),
        horizon=row.horizon_days,
        holidays=row.holiday_country or None,
        tz=row.timezone,
        exceptions=exceptions,
    )
    return ServiceSchedule(service_id, row.center_id, schedule)


def _taking_place(now: datetime) -> sa.ColumnElement[bool]:
    """Rows that occupy a place: bookings, check-ins, and holds not yet expired."""
    a = db.appointments
    return sa.or_(
        a.c.status.in_(("confirmed", "checked_in")),
        sa.and_(a.c.status == "held", a.c.hold_expires_at > now),
    )


def booking_counts(
    conn: Connection, service_id: str, lo: datetime, hi: datetime, now: datetime
) -> dict[datetime, int]:
    a = db.appointments
    rows = conn.execute(
        sa.select(a.c.slot_start_utc, sa.func.count())
        .where(
            a.c.service_id == service_id,
            a.c.slot_start_utc >= lo,
            a.c.slot_start_utc < hi,
            _taking_place(now),
        )
        .group_by(a.c.slot_start_utc)
    )
    return {start: int(n) for start, n in rows}


def count_in_slot(conn: Connection, service_id: str, start: datetime, now: datetime) -> int:
    a = db.appointments
    n = conn.execute(
        sa.select(sa.func.count()).where(
            a.c.service_id == service_id, a.c.slot_start_utc == start.astimezone(UTC), _taking_place(now)
        )
    ).scalar_one()
    return int(n)


def _day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for any zone's local days ``first``..``last``."""
    lo = datetime.combine(first - timedelta(days=1), time(), UTC)
    return lo, datetime.combine(last + timedelta(days=2), time(), UTC)


def _refuse(reason: str) -> BookingRefusal:
    code = "slot_full" if reason == "full" else reason
    return BookingRefusal(409, code, f"the slot cannot be booked: {reason}")


@dataclass
class AppointmentDesk:
    """The appointments side of one central process: settings and the phone HMAC key."""

    ctx: Context
    settings: AppointmentSettings = field(default_factory=AppointmentSettings)
    reminder_settings: ReminderSettings = field(default_factory=ReminderSettings)
    _key: bytes | None = field(default=None, repr=False)
    _seed: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _schedules: dict[str, tuple[float, ServiceSchedule]] = field(default_factory=dict, repr=False)

    def now(self) -> datetime:
        return store.utc_now(self.ctx)

    def schedule(self, conn: Connection, service_id: str, *, lock: bool = False) -> ServiceSchedule:
        """The service's schedule, rebuilt from its five tables at most every ``SCHEDULE_TTL_S``.

        Rebuilding it on every hold and confirm was a third of central's time per booking. A
        schedule edited in the database is seen within that many seconds. With ``lock`` the
        settings row is still locked FOR UPDATE (PostgreSQL) on every call.
        """
        if lock:
            bs = db.booking_settings
            conn.execute(sa.select(bs.c.service_id).where(bs.c.service_id == service_id).with_for_update())
        now = time_module.monotonic()
        hit = self._schedules.get(service_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        built = load_schedule(conn, service_id)
        self._schedules[service_id] = (now + SCHEDULE_TTL_S, built)
        return built

    def phone_key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = db.load_or_create_secret(self.ctx.engine, PHONE_KEY)
        return self._key

    def phone_hash(self, phone: str) -> str:
        return hmac.new(self.phone_key(), phone.encode("ascii"), hashlib.sha256).hexdigest()

    def signing_seed(self) -> bytes:
        """The Ed25519 seed of the booking tokens; like the phone key, get it before a write lock."""
        if self._seed is None:
            with self._lock:
                if self._seed is None:
                    self._seed = db.load_or_create_secret(self.ctx.engine, signing.SECRET_NAME)
        return self._seed

    def verification(self) -> Verification:
        public = signing.public_key(self.signing_seed())
        s = self.settings
        return Verification(
            keys=[
                VerificationKey(
                    id=signing.key_id(public), algorithm="Ed25519", public_key=signing.b64url(public)
                )
            ],
            checkin_early_min=s.checkin_early_min,
            checkin_late_min=s.checkin_late_min,
            manage_url=f"{self.ctx.links.public_url}/a/",
        )

    def upcoming(self, center_id: str) -> UpcomingList:
        """The center's bookings a kiosk may have to check in offline: window open now or within 36 h."""
        now, seed = self.now(), self.signing_seed()
        a = db.appointments
        lo = now - timedelta(minutes=self.settings.checkin_late_min)
        out: list[UpcomingAppointment] = []
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(
                sa.select(a)
                .where(
                    # By service: a range of ix_appointments_slot per service of the center.
                    a.c.service_id.in_(
                        sa.select(db.services.c.id).where(db.services.c.center_id == center_id)
                    ),
                    a.c.slot_start_utc >= lo,
                    a.c.slot_start_utc < now + UPCOMING_AHEAD,
                    a.c.status.in_(("confirmed", "checked_in")),
                )
                .order_by(a.c.slot_start_utc, a.c.code)
            ).all()
            schedules: dict[str, engine.BookingSchedule] = {}
            for row in rows:
                if row.service_id not in schedules:
                    schedules[row.service_id] = self.schedule(conn, row.service_id).schedule
                appt = _appointment(row, schedules[row.service_id], seed=seed)
                assert appt.token is not None
                out.append(UpcomingAppointment(code=appt.code, token=appt.token, status=row.status))
        return UpcomingList(center_id=center_id, appointments=out)

    # ----- reading -----

    def days(self, service_id: str, first: date | None, last: date | None) -> list[date]:
        now = self.now()
        with self.ctx.engine.connect() as conn:
            svc = self.schedule(conn, service_id)
            sched = svc.schedule
            first = first or now.astimezone(sched.zone).date()
            last = last or (now + sched.horizon_delta).astimezone(sched.zone).date()
            if last < first or (last - first).days > 92:
                raise BookingRefusal(
                    422, "invalid_request", "to must be on or after from, at most 92 days on"
                )
            counts = booking_counts(conn, service_id, *_day_range(first, last), now)
        return engine.days_with_free_slots(sched, first, last, counts, now)

    def free_slots(self, service_id: str, day: date) -> list[FreeSlot]:
        now = self.now()
        with self.ctx.engine.connect() as conn:
            sched = self.schedule(conn, service_id).schedule
            counts = booking_counts(conn, service_id, *_day_range(day, day), now)
        return [
            FreeSlot(start=s.start, end=s.end, free=s.free)
            for s in engine.free_slots(sched, day, day, counts, now)
        ]

    # ----- holding and confirming -----

    def hold(self, body: HoldCreate, center_id: str | None = None) -> tuple[bool, Hold]:
        """Hold one place for a few minutes; the count and the insert share one write lock.

        ``center_id``: the calling kiosk's center; a kiosk books only its own center's services.
        """
        now = self.now()
        start = body.slot_start.astimezone(UTC)
        a = db.appointments
        with db.write_transaction(self.ctx.engine) as conn:
            seen = conn.execute(sa.select(a).where(a.c.request_id == body.request_id)).first()
            if seen is not None:
                if seen.service_id != body.service_id or seen.slot_start_utc != start:
                    raise BookingRefusal(409, "idempotency_conflict", "request_id was used for another hold")
                return False, Hold(id=seen.id, expires_at=seen.hold_expires_at or seen.created_at)
            svc = self.schedule(conn, body.service_id, lock=True)
            if center_id is not None and svc.center_id != center_id:
                raise BookingRefusal(403, "other_center", "the service is at another center")
            verdict = engine.can_book(
                svc.schedule, start, count_in_slot(conn, svc.service_id, start, now), now
            )
            if verdict.reason is not None:
                raise _refuse(verdict.reason)
            hold = Hold(id=uuid.uuid4().hex, expires_at=now + timedelta(minutes=self.settings.hold_minutes))
            conn.execute(
                sa.insert(a).values(
                    id=hold.id,
                    request_id=body.request_id,
                    center_id=svc.center_id,
                    service_id=svc.service_id,
                    slot_start_utc=start,
                    status="held",
                    hold_expires_at=hold.expires_at,
                    created_at=now,
                )
            )
        return True, hold

    def release(self, hold_id: str, center_id: str | None = None) -> bool:
        """Give a held place back at once (the visitor left the form); a booking is never touched,
        nor another center's hold."""
        a = db.appointments
        where = [a.c.id == hold_id, a.c.status == "held"]
        if center_id is not None:
            where.append(a.c.center_id == center_id)
        with db.write_transaction(self.ctx.engine) as conn:
            gone = conn.execute(sa.delete(a).where(*where)).rowcount
        return bool(gone)

    def confirm(self, hold_id: str, body: HoldConfirm, center_id: str | None = None) -> tuple[bool, bytes]:
        """Turn a live hold into a booking; a retried request_id gets the first answer's bytes."""
        now = self.now()
        phone = normalise_phone(body.phone)
        if phone is None:
            raise BookingRefusal(422, "invalid_phone", "the phone number has too few or too many digits")
        phone_hash = self.phone_hash(phone)  # key made before the write lock (it may write)
        seed = self.signing_seed()
        a = db.appointments
        with db.write_transaction(self.ctx.engine) as conn:
            seen = conn.execute(sa.select(a).where(a.c.confirm_request_id == body.request_id)).first()
            if seen is not None:
                if seen.id != hold_id:
                    raise BookingRefusal(409, "idempotency_conflict", "request_id was used for another hold")
                return False, str(seen.response).encode("utf-8")
            row = conn.execute(sa.select(a).where(a.c.id == hold_id)).first()
            if row is None:
                raise BookingRefusal(404, "not_found", "no such hold")
            if center_id is not None and row.center_id != center_id:
                raise BookingRefusal(403, "other_center", "the hold is at another center")
            if row.status != "held":
                raise BookingRefusal(409, "not_held", f"the hold is already {row.status}")
            if row.hold_expires_at is None or row.hold_expires_at <= now:
                raise BookingRefusal(409, "hold_expired", "the hold has expired; hold the slot again")
            self._check_person(conn, phone_hash, now)
            sched = self.schedule(conn, row.service_id).schedule
            code = self._unused_code(conn)
            appt = _appointment(row, sched, status="confirmed", code=code, seed=seed)
            payload = AppointmentEnvelope(appointment=appt).model_dump_json()
            conn.execute(
                sa.update(a)
                .where(a.c.id == hold_id)
                .values(
                    status="confirmed",
                    hold_expires_at=None,
                    code=code,
                    confirm_request_id=body.request_id,
                    name=body.name,
                    phone=phone,
                    phone_hash=phone_hash,
                    language=body.language,
                    email=body.email,
                    response=payload,
                )
            )
            reminders.schedule(conn, hold_id, row.slot_start_utc, body.email, now, self.reminder_settings)
        return True, payload.encode("utf-8")

    def _check_person(self, conn: Connection, phone_hash: str, now: datetime) -> None:
        s = self.settings
        c = db.appointment_cancellations
        cancelled = list(conn.execute(sa.select(c.c.at).where(c.c.phone_hash == phone_hash)).scalars())
        until = engine.cooldown_until(
            cancelled,
            now,
            s.max_cancellations,
            timedelta(days=s.cancellation_window_days),
            timedelta(days=s.cooldown_days),
        )
        if until is not None:
            raise BookingRefusal(409, "cooldown", "too many cancellations lately", until=until)
        a = db.appointments
        active = conn.execute(
            sa.select(sa.func.count()).where(
                a.c.phone_hash == phone_hash, a.c.status == "confirmed", a.c.slot_start_utc > now
            )
        ).scalar_one()
        if not engine.person_limit_ok(int(active), s.max_active_per_person):
            raise BookingRefusal(409, "person_limit", "this phone already has the most bookings allowed")

    @staticmethod
    def _unused_code(conn: Connection) -> str:
        a = db.appointments
        while True:
            code = new_code()
            if conn.execute(sa.select(a.c.id).where(a.c.code == code)).first() is None:
                return code

    # ----- by code -----

    @staticmethod
    def _by_code(conn: Connection, code: str, last4: str | None) -> Row[Any]:
        """The appointment for a code; a wrong phone reads as "no such code" so codes cannot be probed."""
        a = db.appointments
        row = conn.execute(sa.select(a).where(a.c.code == code)).first() if code_ok(code) else None
        if row is None or (last4 is not None and not hmac.compare_digest(str(row.phone or "")[-4:], last4)):
            raise BookingRefusal(404, "not_found", "no appointment with this code and phone")
        return row

    def find(self, code: str, last4: str) -> Appointment:
        """The booking for "my booking" at a kiosk: code and the phone's last four digits."""
        with self.ctx.engine.connect() as conn:
            row = self._by_code(conn, code, last4)
            return _appointment(row, self.schedule(conn, row.service_id).schedule)

    def cancel(self, code: str, last4: str, by: str = "visitor") -> Appointment:
        """Cancel a booking and note it for the cool-down; cancelling twice changes nothing."""
        now = self.now()
        a = db.appointments
        with db.write_transaction(self.ctx.engine) as conn:
            row = self._by_code(conn, code, last4)
            sched = self.schedule(conn, row.service_id).schedule
            if row.status == "cancelled":
                return _appointment(row, sched)
            if row.status != "confirmed":
                raise BookingRefusal(409, "not_cancellable", f"the appointment is {row.status}")
            conn.execute(
                sa.update(a)
                .where(a.c.id == row.id)
                .values(status="cancelled", cancelled_by=by, cancelled_at=now)
            )
            reminders.cancel_pending(conn, row.id)
            conn.execute(sa.insert(db.appointment_cancellations).values(phone_hash=row.phone_hash, at=now))
            return _appointment(row, sched, status="cancelled")

    def reschedule(self, code: str, last4: str, request_id: str, slot_start: datetime) -> tuple[bool, bytes]:
        """Book the new slot, then release the old one, in one transaction: never left with neither."""
        now, seed = self.now(), self.signing_seed()
        start = slot_start.astimezone(UTC)
        a = db.appointments
        with db.write_transaction(self.ctx.engine) as conn:
            seen = conn.execute(sa.select(a).where(a.c.request_id == request_id)).first()
            if seen is not None:
                if seen.response is None:
                    raise BookingRefusal(409, "idempotency_conflict", "request_id was used for a hold")
                return False, str(seen.response).encode("utf-8")
            old = self._by_code(conn, code, last4)
            if old.status != "confirmed":
                raise BookingRefusal(409, "not_reschedulable", f"the appointment is {old.status}")
            svc = self.schedule(conn, old.service_id, lock=True)
            taken = count_in_slot(conn, svc.service_id, start, now)
            if start == old.slot_start_utc:
                taken -= 1  # its own place is about to be released
            verdict = engine.can_book(svc.schedule, start, taken, now)
            if verdict.reason is not None:
                raise _refuse(verdict.reason)
            new_id, new = uuid.uuid4().hex, self._unused_code(conn)
            values: dict[str, Any] = {
                k: old._mapping[k]
                for k in ("center_id", "service_id", "name", "phone", "phone_hash", "language", "email")
            }
            values.update(
                id=new_id,
                code=new,
                request_id=request_id,
                slot_start_utc=start,
                status="confirmed",
                created_at=now,
            )
            appt = _appointment(_Fake(values), svc.schedule, seed=seed)
            payload = AppointmentEnvelope(appointment=appt).model_dump_json()
            conn.execute(sa.insert(a).values(**values, response=payload))
            conn.execute(
                sa.update(a)
                .where(a.c.id == old.id)
                .values(status="cancelled", cancelled_by=f"rescheduled:{new}", cancelled_at=now)
            )
            reminders.cancel_pending(conn, old.id)
            reminders.schedule(conn, new_id, start, old.email, now, self.reminder_settings)
        return True, payload.encode("utf-8")

    # ----- check-in -----

    def check_in(
        self,
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
        now, seed = self.now(), self.signing_seed()
        if checked_in_at is not None and checked_in_at.astimezone(UTC) > now + CLOCK_SKEW:
            raise BookingRefusal(422, "invalid_request", "checked_in_at is in the future")
        s = self.settings
        self.ctx.links.key(self.ctx.engine)  # made before the write lock, as store.create_tickets does
        with db.write_transaction(self.ctx.engine) as conn:
            row = self._by_code(conn, code, None)
            if row.center_id != center_id:
                raise BookingRefusal(403, "other_center", "the appointment is at another center")
            sched = self.schedule(conn, row.service_id).schedule
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
                ticket = store.to_ticket(conn, self.ctx, store.load_ticket(conn, row.ticket_id), now)
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
                raise BookingRefusal(
                    409, "too_late", "the check-in window has closed", service_id=row.service_id
                )
            if verdict == "too_early":
                opens, _ = engine.checkin_window(row.slot_start_utc, early, late)
                raise BookingRefusal(409, "too_early", "check-in is not open yet", opens_at=opens)
            if verdict == "ok":
                ticket_request = (
                    request_id if kiosk_id is not None and request_id else f"appointment:{row.id}"
                )
                return self._issue(conn, row, sched, kiosk_id, center_id, now, seed, offline, issued_by,
                                   ticket_request)  # fmt: skip
            a = db.appointments
            conn.execute(sa.update(a).where(a.c.id == row.id).values(status="missed"))
        # Raised after the commit, so the refusal does not roll back the "missed" mark.
        raise BookingRefusal(409, "too_late", "the check-in window has closed", service_id=row.service_id)

    def _issue(
        self,
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
            _created, body = store.create_in(conn, self.ctx, item, now, queued_at=queued_at)
            ticket_id = TicketEnvelope.model_validate_json(body).ticket.id
        else:
            ticket_id = offline.id
            rank = queue_rules.rank_at(queued_at, "appointment", self.ctx.settings)
            conn.execute(sa.update(t).where(t.c.id == ticket_id).values(queued_at=queued_at, rank_at=rank))
        conn.execute(sa.update(a).where(a.c.id == row.id).values(status="checked_in", ticket_id=ticket_id))
        ticket = store.to_ticket(conn, self.ctx, store.load_ticket(conn, ticket_id), now)
        return CheckInResult(
            appointment=_appointment(row, sched, status="checked_in", seed=seed), ticket=ticket
        )

    def mark_missed(self, appointment_id: str | None = None) -> int:
        """Mark bookings whose check-in window has closed as missed (one, or all); returns how many.

        Missed bookings show staff who did not come; a sweep may call this with no id.
        """
        late = timedelta(minutes=self.settings.checkin_late_min)
        a = db.appointments
        where = [a.c.status == "confirmed", a.c.slot_start_utc < self.now() - late]
        if appointment_id is not None:
            where.append(a.c.id == appointment_id)
        with db.write_transaction(self.ctx.engine) as conn:
            return int(conn.execute(sa.update(a).where(*where).values(status="missed")).rowcount)


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


class _Fake:
    """Row-like access to a dict of values, so a row about to be inserted renders like a stored one."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


def _appointment(
    row: Any,
    sched: engine.BookingSchedule,
    *,
    status: AppointmentStatus | None = None,
    code: str | None = None,
    seed: bytes | None = None,
) -> Appointment:
    """The API view of a row; with ``seed``, a confirmed or checked-in booking carries its signed token."""
    start = row.slot_start_utc.astimezone(sched.zone)
    end = (row.slot_start_utc + sched.slot_length).astimezone(sched.zone)
    code, status = code or row.code, status or row.status
    token = None
    if seed is not None and status in ("confirmed", "checked_in"):
        token = signing.sign(
            seed,
            code=code,
            center_id=row.center_id,
            service_id=row.service_id,
            slot_start=start,
            slot_end=end,
        )
    return Appointment(
        id=row.id,
        code=code,
        center_id=row.center_id,
        service_id=row.service_id,
        slot_start=start,
        slot_end=end,
        status=status,
        token=token,
    )
