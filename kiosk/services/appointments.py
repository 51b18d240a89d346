"""Appointments at the kiosk: book (needs central), cancel or move. Check-in is :mod:`kiosk.services.checkin`.

Booking is two calls at central, hold then confirm, so two kiosks can never sell the last
place twice; the visitor's confirmation prints from the receipt templates with a QR code
carrying central's signed token.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts.appointment import AppointmentData, appointment_receipt
from kiosk.services import booking_token
from kiosk.services.appointment_docs import AppointmentDocs
from kiosk.services.info import InfoService
from kiosk.services.queue import QueueService
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from server_sync.errors import CentralError, CentralRejected, CentralUnavailable
from server_sync.gateway import CentralGateway
from service_common.clock import Clock
from service_common.i18n import pick
from service_common.redact import luhn_ok, mask_card_numbers, mask_phone

log = logging.getLogger(__name__)

T = TypeVar("T")
LAST_BOOKED_DOC = "appointments:last_booked"
CODE_LENGTH = 8
NAME_MAX = 200  # central's limit too


class BookingUnavailable(Exception):
    """Central cannot be reached (or the kiosk is not enrolled): booking must wait."""


class BookingRefused(Exception):
    """Central said no; ``reason`` is its error code (slot_full, person_limit, cooldown, ...)."""

    def __init__(self, reason: str, message: str = "", until: datetime | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.until = until


@dataclass(frozen=True)
class Slot:
    start: datetime  # in the center's zone
    end: datetime
    free: int


@dataclass(frozen=True)
class Hold:
    id: str
    service_id: str
    slot: Slot
    expires_at: datetime


@dataclass(frozen=True)
class Booking:
    """A confirmed appointment as the visitor takes it away."""

    code: str
    token: str
    service_id: str
    service_name: dict[str, str]
    slot_start: datetime
    slot_end: datetime
    status: str
    name: str = ""
    phone_masked: str = ""
    printed_on: str = ""  # the simulator's preview of the printed confirmation
    print_error: PrinterError | None = None


def clean_code(text: str) -> str:
    """Digits only: visitors type "1234 5678" or "1234-5678"."""
    return re.sub(r"\D", "", text)


def code_ok(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isdigit() and luhn_ok(code)


def phone_ok(phone: str) -> bool:
    """Loose, like central: 10 to 15 digits once "+", spaces and dashes are gone."""
    return 10 <= len(clean_code(phone)) <= 15


def email_ok(email: str) -> bool:
    """Loose, like central: one "@", no spaces, a dot after the "@"."""
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) is not None and len(email) <= 254


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def masked_code(code: str) -> str:
    """For logs: enough to find the booking at central with a date, not enough to use it."""
    return "*" * max(0, len(code) - 3) + code[-3:]


class AppointmentService:
    def __init__(
        self,
        gateway: CentralGateway | None,
        cache: CacheDB,
        clock: Clock,
        info: InfoService,
        queue: QueueService,
        printer: ReceiptPrinter,
        docs: AppointmentDocs,
    ) -> None:
        self.gateway = gateway
        self.cache = cache
        self.docs = DocumentCache(cache)
        self.booking_docs = docs
        self.clock = clock
        self.info = info
        self.queue = queue
        self.printer = printer
        self.last_token = ""  # the confirmation printed last: the demo's simulated scanner reads it

    # ----- booking: every step needs central -----
    def _call(self, call: Callable[[CentralGateway], T]) -> T:
        if self.gateway is None:
            raise BookingUnavailable("this kiosk is not enrolled with central")
        try:
            return call(self.gateway)
        except CentralUnavailable as exc:
            raise BookingUnavailable(str(exc)) from exc
        except CentralRejected as exc:
            until = exc.details.get("until")
            raise BookingRefused(exc.code, exc.message, when(until) if until else None) from exc

    def services(self) -> list[dict[str, Any]]:
        """The home center's services that take appointments."""
        center = self.info.home_center() or {}
        return [s for s in center.get("services", []) if s.get("bookable")]

    def online(self) -> bool:
        """Whether booking can start: central answered the last sync (a cheap, honest guess)."""
        if self.gateway is None:
            return False
        try:
            self.gateway.health()
        except CentralError:
            return False
        return True

    def days(self, service_id: str) -> list[date]:
        return self._call(lambda g: g.appointment_days(service_id))

    def slots(self, service_id: str, day: date) -> list[Slot]:
        slots = self._call(lambda g: g.appointment_slots(service_id, day))
        return [
            Slot(
                when(s["start"]).astimezone(self.clock.tz),
                when(s["end"]).astimezone(self.clock.tz),
                s["free"],
            )
            for s in slots
        ]

    def hold(self, service_id: str, slot: Slot) -> Hold:
        """Keep the place for a few minutes while the visitor types; a new request each time."""
        request_id = str(uuid.uuid4())
        hold = self._call(lambda g: g.hold(request_id, service_id, slot.start))
        return Hold(hold["id"], service_id, slot, when(hold["expires_at"]))

    def release(self, hold: Hold) -> None:
        """The visitor left the form: give the place back now, not in five minutes. Best effort."""
        if self.gateway is None:
            return
        try:
            self.gateway.release_hold(hold.id)
        except CentralError as exc:
            log.info("hold not released (it expires by itself): %s", exc)

    def confirm(
        self, hold: Hold, name: str, phone: str, lang: str, request_id: str, email: str = ""
    ) -> Booking:
        """Book the held place and print the confirmation. ``request_id`` stays the same on a retry."""
        name = mask_card_numbers(
            " ".join(name.split())
        )  # a card number typed as a name is never sent or printed
        if not name or len(name) > NAME_MAX:
            raise BookingRefused("invalid_name")
        if not phone_ok(phone):
            raise BookingRefused("invalid_phone")
        email = email.strip()
        if email and not email_ok(email):
            raise BookingRefused("invalid_email")
        body: dict[str, Any] = {"request_id": request_id, "name": name, "phone": phone, "language": lang}
        if email:
            body["email"] = email
        try:
            appointment = self._call(lambda g: g.confirm_hold(hold.id, body))
        except BookingRefused as exc:
            if exc.reason == "not_found":  # released or swept: for the visitor, the hold has run out
                raise BookingRefused("hold_expired", str(exc)) from exc
            raise
        booking = self._booking(appointment, name=name, phone_masked=mask_phone(phone))
        log.info("appointment %s booked for %s at %s", masked_code(booking.code), booking.service_id,
                 booking.slot_start.isoformat())  # fmt: skip
        return self.print_confirmation(booking, lang)

    def _booking(self, appointment: dict[str, Any], **extra: Any) -> Booking:
        service = self.queue.service(appointment["service_id"]) or {}
        return Booking(
            code=appointment["code"],
            token=appointment.get("token") or "",
            service_id=appointment["service_id"],
            service_name=service.get("name") or {"en": appointment["service_id"]},
            slot_start=when(appointment["slot_start"]).astimezone(self.clock.tz),
            slot_end=when(appointment["slot_end"]).astimezone(self.clock.tz),
            status=appointment["status"],
            **extra,
        )

    def print_confirmation(self, booking: Booking, lang: str) -> Booking:
        """Print; a printer fault is returned with the booking, which stands either way."""
        center = self.info.home_center() or {}
        early, late = self.booking_docs.window()
        data = AppointmentData(
            code=booking.code,
            token=booking.token or booking.code,
            service=pick(booking.service_name, lang),
            center_name=pick(center.get("name"), lang),
            center_address=pick(center.get("address"), lang),
            slot_start=booking.slot_start,
            slot_end=booking.slot_end,
            name=booking.name,
            phone_masked=booking.phone_masked,
            manage_url=self.manage_url(booking.code),
            checkin_early_min=int(early),
            checkin_late_min=int(late),
            issued_at=self.clock.now(),
        )
        try:
            self.printer.print_receipt(appointment_receipt(data, lang))
        except PrinterError as exc:
            log.error("confirmation of %s not printed: %s", masked_code(booking.code), exc.technician_message)
            return replace(booking, print_error=exc)
        self.last_token = booking.token
        # Only a time, no name or code: the demo's "jump to my booking" after the session is wiped.
        self.docs.put(LAST_BOOKED_DOC, {"slot_start": booking.slot_start.isoformat()}, self.clock.now())
        return replace(booking, printed_on=self.printer.last_preview())

    def next_booking_start(self) -> datetime | None:
        """Where the demo jumps: the booking made here last, else the earliest still to come here."""
        now = self.clock.now()
        last = self.docs.get(LAST_BOOKED_DOC)
        if last is not None and when(last.body["slot_start"]) > now:
            return when(last.body["slot_start"]).astimezone(self.clock.tz)
        self.booking_docs.sync()
        keys = booking_token.keys_from(self.booking_docs.verification())
        starts = []
        for entry in self.booking_docs.upcoming_entries():
            try:
                claims = booking_token.verify(str(entry.get("token", "")), keys)
            except booking_token.BadToken:
                continue
            if entry.get("status") == "confirmed" and claims.slot_start > now:
                starts.append(claims.slot_start)
        return min(starts).astimezone(self.clock.tz) if starts else None

    def demo_token(self) -> str:
        """What the demo's simulated scanner reads: the last confirmation, else the next booking here,
        else one already checked in (scanning it shows its ticket again); "" when there is none."""
        if self.last_token:
            return self.last_token
        entries = self.booking_docs.upcoming_entries()
        for status in ("confirmed", "checked_in"):
            token = next(
                (str(e["token"]) for e in entries if e.get("status") == status and e.get("token")), ""
            )
            if token:
                return token
        return ""

    def manage_url(self, code: str) -> str:
        """Central's public page for this booking (its public address, not the one kiosks use)."""
        base = str(self.booking_docs.verification().get("manage_url") or "")
        if not base and self.gateway is not None:
            base = self.gateway.booking_page_url()
        return f"{base}{code}" if base else ""

    # ----- my booking: look up, cancel, move -----
    def lookup(self, code: str, last4: str) -> Booking:
        code = clean_code(code)
        if not code_ok(code):
            raise BookingRefused("bad_code")
        return self._booking(self._call(lambda g: g.lookup_appointment(code, last4)))

    def cancel(self, code: str, last4: str) -> Booking:
        appointment = self._call(lambda g: g.cancel_appointment(code, last4))
        log.info("appointment %s cancelled at the kiosk", masked_code(code))
        return self._booking(appointment)

    def reschedule(self, code: str, last4: str, slot: Slot, lang: str, request_id: str) -> Booking:
        """The new slot is booked before the old one is let go (central does both in one step)."""
        appointment = self._call(lambda g: g.reschedule_appointment(code, last4, request_id, slot.start))
        booking = self._booking(appointment)
        log.info("appointment %s moved to %s as %s", masked_code(code), booking.slot_start.isoformat(),
                 masked_code(booking.code))  # fmt: skip
        return self.print_confirmation(booking, lang)
