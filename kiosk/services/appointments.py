"""Appointments at the kiosk: book (needs central), check in (works offline too), cancel or move.

Booking is two calls at central, hold then confirm, so two kiosks can never sell the last
place twice; the visitor's confirmation prints from the receipt templates with a QR code
carrying central's signed token. Check-in turns a booking into an ``appointment`` priority
ticket. Offline, the kiosk checks the token's signature with central's public key, issues the
number from its own lease and sends the check-in later through the outbox, after the ticket.
A code seen here before reprints its ticket: one booking, one number.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts.appointment import AppointmentData, appointment_receipt
from kiosk.services import booking_token
from kiosk.services.info import InfoService
from kiosk.services.queue import IssuedTicket, QueueService, TicketNotIssued, from_central
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from offline_cache.outbox import Outbox
from server_sync.client import CentralClient
from server_sync.errors import (
    CentralError,
    CentralNotFound,
    CentralRejected,
    CentralUnavailable,
    CentralUnreachable,
)
from service_common.clock import Clock
from service_common.i18n import pick
from service_common.redact import luhn_ok, mask_phone

log = logging.getLogger(__name__)

API = "/api/v1/appointments"
VERIFICATION_DOC = "appointments:verification"
LAST_BOOKED_DOC = "appointments:last_booked"
CODE_LENGTH = 8
NAME_MAX = 200  # central's limit too
DEFAULT_WINDOW = (15.0, 10.0)  # minutes early, minutes late, until central tells its own


class BookingUnavailable(Exception):
    """Central cannot be reached (or the kiosk is not enrolled): booking must wait."""


class BookingRefused(Exception):
    """Central said no; ``reason`` is its error code (slot_full, person_limit, cooldown, ...)."""

    def __init__(self, reason: str, message: str = "", until: datetime | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.until = until


class CheckInRefused(Exception):
    """No ticket for this code; ``reason`` says why in a machine key the screen turns into words.

    bad_code (check digit), not_found, other_center, too_early (``at`` = opening), too_late
    (``service_id`` to offer a walk-in ticket), not_confirmed, needs_connection (a typed code this
    kiosk cannot check offline), printer/no_numbers (from the queue), try_again (central did not
    answer in time), already_checked_in (offline: checked in elsewhere), not_booking.
    """

    def __init__(
        self, reason: str, *, at: datetime | None = None, service_id: str = "", detail: str = ""
    ) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.at = at
        self.service_id = service_id


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


@dataclass(frozen=True)
class CheckedIn:
    ticket: IssuedTicket
    slot_start: datetime
    again: bool  # this code was checked in before: the same ticket, printed again
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


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def masked_code(code: str) -> str:
    """For logs: enough to find the booking at central with a date, not enough to use it."""
    return "*" * max(0, len(code) - 3) + code[-3:]


class AppointmentService:
    def __init__(
        self,
        client: CentralClient | None,
        cache: CacheDB,
        clock: Clock,
        info: InfoService,
        queue: QueueService,
        printer: ReceiptPrinter,
        center_id: str,
    ) -> None:
        self.client = client
        self.cache = cache
        self.docs = DocumentCache(cache)
        self.outbox = Outbox(cache)
        self.clock = clock
        self.info = info
        self.queue = queue
        self.printer = printer
        self.center_id = center_id
        self.last_token = ""  # the confirmation printed last: the demo's simulated scanner reads it
        self._checkin_lock = threading.Lock()

    # ----- booking: every step needs central -----
    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        if self.client is None:
            raise BookingUnavailable("this kiosk is not enrolled with central")
        try:
            if method == "GET":
                return self.client.get(path, **params)
            return self.client.post(path, body)
        except CentralUnavailable as exc:
            raise BookingUnavailable(str(exc)) from exc
        except CentralRejected as exc:
            until = exc.details.get("until")
            raise BookingRefused(exc.code, exc.message, _when(until) if until else None) from exc

    def services(self) -> list[dict[str, Any]]:
        """The home center's services that take appointments."""
        center = self.info.home_center() or {}
        return [s for s in center.get("services", []) if s.get("bookable")]

    def online(self) -> bool:
        """Whether booking can start: central answered the last sync (a cheap, honest guess)."""
        if self.client is None:
            return False
        try:
            self.client.health()
        except CentralError:
            return False
        return True

    def days(self, service_id: str) -> list[date]:
        body = self._call("GET", f"{API}/days", service_id=service_id)
        return [date.fromisoformat(d) for d in body["days"]]

    def slots(self, service_id: str, day: date) -> list[Slot]:
        body = self._call("GET", f"{API}/slots", service_id=service_id, date=day.isoformat())
        return [
            Slot(
                _when(s["start"]).astimezone(self.clock.tz),
                _when(s["end"]).astimezone(self.clock.tz),
                s["free"],
            )
            for s in body["slots"]
        ]

    def hold(self, service_id: str, slot: Slot) -> Hold:
        """Keep the place for a few minutes while the visitor types; a new request each time."""
        body = {
            "request_id": str(uuid.uuid4()),
            "service_id": service_id,
            "slot_start": slot.start.isoformat(),
        }
        hold = self._call("POST", f"{API}/holds", body)["hold"]
        return Hold(hold["id"], service_id, slot, _when(hold["expires_at"]))

    def release(self, hold: Hold) -> None:
        """The visitor left the form: give the place back now, not in five minutes. Best effort."""
        if self.client is None:
            return
        try:
            self.client.post(f"{API}/holds/{hold.id}/release", None)
        except CentralError as exc:
            log.info("hold not released (it expires by itself): %s", exc)

    def confirm(
        self, hold: Hold, name: str, phone: str, lang: str, request_id: str, email: str = ""
    ) -> Booking:
        """Book the held place and print the confirmation. ``request_id`` stays the same on a retry."""
        name = " ".join(name.split())
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
            appointment = self._call("POST", f"{API}/holds/{hold.id}/confirm", body)["appointment"]
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
            slot_start=_when(appointment["slot_start"]).astimezone(self.clock.tz),
            slot_end=_when(appointment["slot_end"]).astimezone(self.clock.tz),
            status=appointment["status"],
            **extra,
        )

    def print_confirmation(self, booking: Booking, lang: str) -> Booking:
        """Print; a printer fault is returned with the booking, which stands either way."""
        center = self.info.home_center() or {}
        early, late = self.window()
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
        if last is not None and _when(last.body["slot_start"]) > now:
            return _when(last.body["slot_start"]).astimezone(self.clock.tz)
        self.sync()
        keys = booking_token.keys_from(self._verification())
        starts = []
        for entry in self._upcoming_entries():
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
        entries = self._upcoming_entries()
        for status in ("confirmed", "checked_in"):
            token = next(
                (str(e["token"]) for e in entries if e.get("status") == status and e.get("token")), ""
            )
            if token:
                return token
        return ""

    def manage_url(self, code: str) -> str:
        """Central's public page for this booking (its public address, not the one kiosks use)."""
        base = str(self._verification().get("manage_url") or "")
        if not base and self.client is not None:
            base = f"{self.client.base_url}/a/"
        return f"{base}{code}" if base else ""

    # ----- my booking: look up, cancel, move -----
    def lookup(self, code: str, last4: str) -> Booking:
        code = clean_code(code)
        if not code_ok(code):
            raise BookingRefused("bad_code")
        body = self._call("POST", f"{API}/{code}/lookup", {"phone_last4": last4})
        return self._booking(body["appointment"])

    def cancel(self, code: str, last4: str) -> Booking:
        body = self._call("POST", f"{API}/{code}/cancel", {"phone_last4": last4})
        log.info("appointment %s cancelled at the kiosk", masked_code(code))
        return self._booking(body["appointment"])

    def reschedule(self, code: str, last4: str, slot: Slot, lang: str, request_id: str) -> Booking:
        """The new slot is booked before the old one is let go (central does both in one step)."""
        body = {"phone_last4": last4, "request_id": request_id, "slot_start": slot.start.isoformat()}
        appointment = self._call("POST", f"{API}/{code}/reschedule", body)["appointment"]
        booking = self._booking(appointment)
        log.info("appointment %s moved to %s as %s", masked_code(code), booking.slot_start.isoformat(),
                 masked_code(booking.code))  # fmt: skip
        return self.print_confirmation(booking, lang)

    # ----- check-in -----
    def window(self) -> tuple[float, float]:
        body = self._verification()
        return (
            float(body.get("checkin_early_min", DEFAULT_WINDOW[0])),
            float(body.get("checkin_late_min", DEFAULT_WINDOW[1])),
        )

    def check_in(self, text: str, lang: str) -> CheckedIn:
        """A scanned token or a typed code → a printed appointment ticket, online or not.

        One at a time: two scans of one code racing each other must not take two numbers.
        """
        text = text.strip()
        token = text if booking_token.looks_like_token(text) else ""
        if not token and re.fullmatch(r"[\d\s-]+", text) is None:
            raise CheckInRefused("not_booking")  # a ticket's QR, a product barcode, a URL
        code = self._code_of(token) if token else clean_code(text)
        if not code_ok(code):
            raise CheckInRefused("bad_code")
        with self._checkin_lock:
            earlier = self._earlier(code)
            if earlier is not None:
                return self._print(earlier, again=True, lang=lang)
            if self.client is not None:
                result = self._check_in_online(code, token)
                if result is not None:
                    return self._checked_in_online(code, result, lang)
            return self._check_in_offline(code, token, lang)

    def _check_in_online(self, code: str, token: str) -> dict[str, Any] | None:
        """Central's answer, or None when central was never reached (then offline is safe).

        After a timeout or a 5xx central may have checked the visitor in, so the kiosk asks once
        more (the same code gets the same ticket) instead of issuing a number of its own.
        """
        assert self.client is not None
        body = {"request_id": str(uuid.uuid4())}
        for attempt in (1, 2):
            try:
                answer: dict[str, Any] = self.client.post(f"{API}/{code}/check-in", body)
                return answer
            except CentralUnreachable as exc:
                log.warning("central unreachable for a check-in (%s): checking the token here", exc)
                return None
            except CentralUnavailable as exc:
                if attempt == 2:
                    log.warning("check-in of %s not confirmed by central: %s", masked_code(code), exc)
                    raise CheckInRefused("try_again") from exc
            except CentralRejected as exc:
                raise self._refusal(exc, code, token) from exc
        return None

    def _service_of(self, code: str, token: str) -> str:
        """The booked service, for the walk-in ticket offered to a late visitor ("" if unknown)."""
        token = token or self._upcoming_token(code)
        payload = _payload(token) if token else {}
        return str(payload.get("sv", ""))

    @staticmethod
    def _code_of(token: str) -> str:
        return str(_payload(token).get("c", ""))

    def _refusal(self, exc: CentralRejected, code: str, token: str) -> CheckInRefused:
        if isinstance(exc, CentralNotFound):
            return CheckInRefused("not_found")
        if exc.code == "other_center":
            return CheckInRefused("other_center")
        if exc.code == "too_early":
            opens = exc.details.get("opens_at")
            return CheckInRefused("too_early", at=_when(opens).astimezone(self.clock.tz) if opens else None)
        if exc.code == "too_late":
            service = str(exc.details.get("service_id") or "") or self._service_of(code, token)
            return CheckInRefused("too_late", service_id=service)
        if exc.code == "not_confirmed":
            return CheckInRefused("not_confirmed")
        return CheckInRefused("rejected", detail=str(exc))

    def _checked_in_online(self, code: str, result: dict[str, Any], lang: str) -> CheckedIn:
        appointment, created = result["appointment"], result["ticket"]
        service = self.queue.service(appointment["service_id"]) or {
            "id": appointment["service_id"],
            "name": {"en": appointment["service_id"]},
        }
        ticket = from_central(created, created["request_id"], service, "kiosk")
        self._remember(code, ticket, offline=False)
        log.info("appointment %s checked in: ticket %s", masked_code(code), ticket.display)
        return self._print(ticket, again=False, lang=lang, slot_start=_when(appointment["slot_start"]))

    def _check_in_offline(self, code: str, token: str, lang: str) -> CheckedIn:
        keys = booking_token.keys_from(self._verification())
        if self._upcoming_status(code) == "checked_in":  # checked in at another kiosk or by staff
            raise CheckInRefused("already_checked_in")
        if not token:
            token = self._upcoming_token(code)
            if not token:
                raise CheckInRefused("needs_connection")
        try:
            claims = booking_token.verify(token, keys)
        except booking_token.BadToken as exc:
            log.warning("appointment token refused offline: %s", exc)
            raise CheckInRefused("not_found", detail=str(exc)) from exc
        if claims.code != code:
            raise CheckInRefused("not_found")
        if claims.center_id != self.center_id:
            raise CheckInRefused("other_center")
        now = self.clock.now()
        early, late = self.window()
        opens = claims.slot_start - timedelta(minutes=early)
        if now < opens:
            raise CheckInRefused("too_early", at=opens.astimezone(self.clock.tz))
        if now > claims.slot_start + timedelta(minutes=late):
            raise CheckInRefused("too_late", service_id=claims.service_id)
        service = self.queue.service(claims.service_id)
        if service is None:
            raise CheckInRefused("not_found", detail=f"service {claims.service_id} unknown here")
        try:
            ticket = self.queue.from_lease(str(uuid.uuid4()), service, "appointment", "kiosk", lang)
        except TicketNotIssued as exc:
            raise CheckInRefused(exc.reason, detail=str(exc)) from exc
        request_id = str(uuid.uuid4())
        checkin = {"code": code, "request_id": request_id, "ticket_request_id": ticket.request_id,
                   "checked_in_at": now.isoformat()}  # fmt: skip
        self.outbox.add(f"checkin-{request_id}", "checkin", checkin, now)  # after the ticket: sent in order
        self._remember(code, ticket, offline=True)
        log.info("appointment %s checked in offline: ticket %s", masked_code(code), ticket.display)
        return self._print(ticket, again=False, lang=lang, slot_start=claims.slot_start)

    def _print(
        self, ticket: IssuedTicket, *, again: bool, lang: str, slot_start: datetime | None = None
    ) -> CheckedIn:
        """The number stands even when the paper does not come out: the screen shows it."""
        start = slot_start or _when(ticket.issued_at)
        try:
            printed = self.queue.print_issued(ticket, lang)
        except PrinterError as exc:
            log.error("check-in ticket %s not printed: %s", ticket.display, exc.technician_message)
            self.queue.record(ticket, "issued")
            return CheckedIn(ticket, start.astimezone(self.clock.tz), again, print_error=exc)
        return CheckedIn(printed, start.astimezone(self.clock.tz), again)

    def _remember(self, code: str, ticket: IssuedTicket, *, offline: bool) -> None:
        """Code → ticket, so the same code later reprints it (the ticket row itself comes from _print)."""
        self.cache.db.table("checkins").upsert(
            {"code": code, "ticket_request_id": ticket.request_id,
             "checked_in_at": self.clock.now().isoformat(), "offline": int(offline)},
            pk="code",
        )  # fmt: skip

    def _earlier(self, code: str) -> IssuedTicket | None:
        row = self.cache.db.execute(
            "SELECT t.body FROM checkins c JOIN tickets t ON t.request_id = c.ticket_request_id WHERE c.code = ?",
            [code],
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        data["printed_on"] = ""
        return IssuedTicket(**data)

    # ----- what offline check-in needs, kept fresh by the sync worker -----
    def _verification(self) -> dict[str, Any]:
        cached = self.docs.get(VERIFICATION_DOC)
        return dict(cached.body) if cached is not None else {}

    @property
    def _upcoming_key(self) -> str:
        return f"appointments:upcoming:{self.center_id}"

    def _upcoming_entries(self) -> list[dict[str, Any]]:
        cached = self.docs.get(self._upcoming_key)
        return list((cached.body if cached is not None else {}).get("appointments", []))

    def _upcoming(self, code: str) -> dict[str, Any]:
        """This center's synced entry for the code: its token and status ({} when not listed)."""
        return next((e for e in self._upcoming_entries() if e.get("code") == code), {})

    def _upcoming_status(self, code: str) -> str:
        return str(self._upcoming(code).get("status") or "")

    def _upcoming_token(self, code: str) -> str:
        return str(self._upcoming(code).get("token") or "")

    def sync(self) -> bool:
        """Fetch central's public keys and the coming bookings' tokens for offline check-in."""
        if self.client is None:
            return False
        now = self.clock.now()
        try:
            self.docs.put(VERIFICATION_DOC, self.client.get(f"{API}/verification"), now)
            upcoming = self.client.get(f"{API}/upcoming")
        except CentralError as exc:
            log.warning("appointment check-in data not refreshed: %s", exc)
            return False
        self.docs.put(self._upcoming_key, upcoming, now)
        return True


def _payload(token: str) -> dict[str, Any]:
    """A token's claims unchecked: only to route it (which code, which service), never to trust it."""
    try:
        payload = json.loads(booking_token.b64url_decode(token.split(".")[1]))
    except (booking_token.BadToken, ValueError, IndexError):
        return {}
    return payload if isinstance(payload, dict) else {}
