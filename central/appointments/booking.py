"""Appointments on the database: holds, bookings, cancel and move; check-in is :mod:`central.appointments.checkin`.

Every write is one short ``BEGIN IMMEDIATE`` transaction (:func:`central.db.write_transaction`):
the count of a slot's bookings and the insert of the new one happen under the one write lock,
so two kiosks holding the last place cannot both win (tests/central/test_appointments_race.py).
The rules themselves are the pure engine in :mod:`central.appointments.slots`.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time as time_module
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from central import db
from central.appointments import checkin, reminders
from central.appointments import slots as engine
from central.appointments import statements as sql
from central.appointments import token as signing
from central.appointments.records import (
    PHONE_KEY,
    SCHEDULE_TTL_S,
    UPCOMING_AHEAD,
    BookingRefusal,
    ServiceSchedule,
    _appointment,
    _day_range,
    _Fake,
    _refuse,
    booking_counts,
    code_ok,
    count_in_slot,
    load_schedule,
    new_code,
    normalise_phone,
)
from central.appointments.schemas import (
    Appointment,
    AppointmentEnvelope,
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
from central.queue import store


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
            conn.execute(sql.LOCK_SETTINGS, {"service_id": service_id})
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
        with db.write_transaction(self.ctx.engine) as conn:
            seen = conn.execute(sql.BY_REQUEST, {"request_id": body.request_id}).first()
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
                sql.INSERT,
                {
                    "id": hold.id,
                    "request_id": body.request_id,
                    "center_id": svc.center_id,
                    "service_id": svc.service_id,
                    "slot_start_utc": start,
                    "status": "held",
                    "hold_expires_at": hold.expires_at,
                    "created_at": now,
                },
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
        with db.write_transaction(self.ctx.engine) as conn:
            seen = conn.execute(sql.BY_CONFIRM_REQUEST, {"request_id": body.request_id}).first()
            if seen is not None:
                if seen.id != hold_id:
                    raise BookingRefusal(409, "idempotency_conflict", "request_id was used for another hold")
                return False, str(seen.response).encode("utf-8")
            row = conn.execute(sql.BY_ID, {"id": hold_id}).first()
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
                sql.UPDATE_BY_ID,
                {
                    "b_id": hold_id,
                    "status": "confirmed",
                    "hold_expires_at": None,
                    "code": code,
                    "confirm_request_id": body.request_id,
                    "name": body.name,
                    "phone": phone,
                    "phone_hash": phone_hash,
                    "language": body.language,
                    "email": body.email,
                    "response": payload,
                },
            )
            reminders.schedule(conn, hold_id, row.slot_start_utc, body.email, now, self.reminder_settings)
        return True, payload.encode("utf-8")

    def _check_person(self, conn: Connection, phone_hash: str, now: datetime) -> None:
        s = self.settings
        cancelled = list(conn.execute(sql.CANCELLED_AT, {"phone_hash": phone_hash}).scalars())
        until = engine.cooldown_until(
            cancelled,
            now,
            s.max_cancellations,
            timedelta(days=s.cancellation_window_days),
            timedelta(days=s.cooldown_days),
        )
        if until is not None:
            raise BookingRefusal(409, "cooldown", "too many cancellations lately", until=until)
        active = conn.execute(sql.ACTIVE_FOR_PHONE, {"phone_hash": phone_hash, "now": now}).scalar_one()
        if not engine.person_limit_ok(int(active), s.max_active_per_person):
            raise BookingRefusal(409, "person_limit", "this phone already has the most bookings allowed")

    @staticmethod
    def _unused_code(conn: Connection) -> str:
        while True:
            code = new_code()
            if conn.execute(sql.CODE_TAKEN, {"code": code}).first() is None:
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
            seen = conn.execute(sql.BY_REQUEST, {"request_id": request_id}).first()
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

    check_in = checkin.check_in  # a booking becomes a ticket: see that module

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
