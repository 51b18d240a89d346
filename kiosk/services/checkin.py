"""Check-in: a booking's code or scanned token becomes an ``appointment`` priority ticket.

Online, central checks the visitor in and makes the ticket under the kiosk's request id. When
central is unreachable, or its answer stays unknown after asking again while the visitor waits,
the kiosk checks the token's signature with central's public key, issues the number from its own
lease under the same request id, and sends the ticket and then the check-in through the outbox:
central adopts the printed number for whatever it may have made. A code seen here before
reprints its ticket: one booking, one number.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devices.printer import PrinterError
from kiosk.services import booking_token
from kiosk.services.appointment_docs import AppointmentDocs
from kiosk.services.appointments import clean_code, code_ok, masked_code, when
from kiosk.services.queue import IssuedTicket, QueueService, TicketNotIssued, from_central
from offline_cache.checkins import CheckinStore
from offline_cache.db import CacheDB
from offline_cache.outbox import Outbox
from server_sync.errors import CentralError, CentralNotFound, CentralRejected
from server_sync.gateway import CentralGateway, may_go_offline
from service_common.clock import Clock

log = logging.getLogger(__name__)


class CheckInRefused(Exception):
    """No ticket for this code; ``reason`` says why in a machine key the screen turns into words.

    bad_code (check digit), not_found, other_center, too_early (``at`` = opening), too_late
    (``service_id`` to offer a walk-in ticket), not_confirmed, needs_connection (a typed code this
    kiosk cannot check offline), printer/no_numbers (from the queue), already_checked_in
    (offline: checked in elsewhere), not_booking.
    """

    def __init__(
        self, reason: str, *, at: datetime | None = None, service_id: str = "", detail: str = ""
    ) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.at = at
        self.service_id = service_id


@dataclass(frozen=True)
class CheckedIn:
    ticket: IssuedTicket
    slot_start: datetime
    again: bool  # this code was checked in before: the same ticket, printed again
    print_error: PrinterError | None = None


class CheckInService:
    def __init__(
        self,
        gateway: CentralGateway | None,
        cache: CacheDB,
        clock: Clock,
        docs: AppointmentDocs,
        queue: QueueService,
        center_id: str,
    ) -> None:
        self.gateway = gateway
        self.cache = cache
        self.clock = clock
        self.docs = docs
        self.queue = queue
        self.center_id = center_id
        self.outbox = Outbox(cache)
        self.checkins = CheckinStore(cache)
        self._lock = threading.Lock()

    def check_in(self, text: str, lang: str) -> CheckedIn:
        """A scanned token or a typed code → a printed appointment ticket, online or not.

        One at a time: two scans of one code racing each other must not take two numbers.
        """
        text = text.strip()
        token = text if booking_token.looks_like_token(text) else ""
        if not token and re.fullmatch(r"[\d\s-]+", text) is None:
            raise CheckInRefused("not_booking")  # a ticket's QR, a product barcode, a URL
        code = code_of(token) if token else clean_code(text)
        if not code_ok(code):
            raise CheckInRefused("bad_code")
        with self._lock:
            earlier = self._earlier(code)
            if earlier is not None:
                return self._print(earlier, again=True, lang=lang)
            request_id = str(uuid.uuid4())  # central names the ticket it makes after it
            if self.gateway is not None:
                try:
                    result = self.gateway.check_in(code, {"request_id": request_id}, patient=True)
                except CentralError as exc:
                    if isinstance(exc, CentralRejected) or not may_go_offline(exc):
                        raise self._refusal(exc, code, token) from exc
                    log.warning("check-in of %s not confirmed by central (%s, %s): checking the token here",
                                masked_code(code), exc.outcome, exc)  # fmt: skip
                else:
                    return self._checked_in_online(code, result, lang)
            return self._check_in_offline(code, token, lang, request_id)

    def _service_of(self, code: str, token: str) -> str:
        """The booked service, for the walk-in ticket offered to a late visitor ("" if unknown)."""
        token = token or self.docs.upcoming_token(code)
        payload = claims_unchecked(token) if token else {}
        return str(payload.get("sv", ""))

    def _refusal(self, exc: CentralError, code: str, token: str) -> CheckInRefused:
        if isinstance(exc, CentralNotFound):
            return CheckInRefused("not_found")
        if not isinstance(exc, CentralRejected):
            return CheckInRefused("rejected", detail=str(exc))
        if exc.code == "other_center":
            return CheckInRefused("other_center")
        if exc.code == "too_early":
            opens = exc.details.get("opens_at")
            return CheckInRefused("too_early", at=when(opens).astimezone(self.clock.tz) if opens else None)
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
        with self.cache.transaction():
            self.queue.record(ticket, "issuing")
            self.checkins.remember(code, ticket.request_id, self.clock.now(), offline=False)
        log.info("appointment %s checked in: ticket %s", masked_code(code), ticket.display)
        return self._print(ticket, again=False, lang=lang, slot_start=when(appointment["slot_start"]))

    def _check_in_offline(self, code: str, token: str, lang: str, request_id: str) -> CheckedIn:
        if self.docs.upcoming_status(code) == "checked_in":  # checked in at another kiosk or by staff
            raise CheckInRefused("already_checked_in")
        token = token or self.docs.upcoming_token(code)
        if not token:
            raise CheckInRefused("needs_connection")
        try:
            claims = booking_token.verify(token, booking_token.keys_from(self.docs.verification()))
        except booking_token.BadToken as exc:
            log.warning("appointment token refused offline: %s", exc)
            raise CheckInRefused("not_found", detail=str(exc)) from exc
        if claims.code != code:
            raise CheckInRefused("not_found")
        if claims.center_id != self.center_id:
            raise CheckInRefused("other_center")
        now = self.clock.now()
        early, late = self.docs.window()
        opens = claims.slot_start - timedelta(minutes=early)
        if now < opens:
            raise CheckInRefused("too_early", at=opens.astimezone(self.clock.tz))
        if now > claims.slot_start + timedelta(minutes=late):
            raise CheckInRefused("too_late", service_id=claims.service_id)
        service = self.queue.service(claims.service_id)
        if service is None:
            raise CheckInRefused("not_found", detail=f"service {claims.service_id} unknown here")
        checkin = {"code": code, "request_id": request_id, "ticket_request_id": request_id,
                   "checked_in_at": now.isoformat()}  # fmt: skip
        try:
            # The number, the ticket, both outbox records and the code's memory: all or nothing.
            with self.cache.transaction():
                ticket = self.queue.from_lease(request_id, service, "appointment", "kiosk", lang)
                self.outbox.add(f"checkin-{request_id}", "checkin", checkin, now)  # after its ticket
                self.checkins.remember(code, request_id, now, offline=True)
        except TicketNotIssued as exc:
            raise CheckInRefused(exc.reason, detail=str(exc)) from exc
        log.info("appointment %s checked in offline: ticket %s", masked_code(code), ticket.display)
        return self._print(ticket, again=False, lang=lang, slot_start=claims.slot_start)

    def _print(
        self, ticket: IssuedTicket, *, again: bool, lang: str, slot_start: datetime | None = None
    ) -> CheckedIn:
        """The number stands even when the paper does not come out: the screen shows it."""
        start = slot_start or when(ticket.issued_at)
        try:
            printed = self.queue.print_issued(ticket, lang)
        except PrinterError as exc:
            log.error("check-in ticket %s not printed: %s", ticket.display, exc.technician_message)
            self.queue.record(ticket, "issued")
            return CheckedIn(ticket, start.astimezone(self.clock.tz), again, print_error=exc)
        return CheckedIn(printed, start.astimezone(self.clock.tz), again)

    def _earlier(self, code: str) -> IssuedTicket | None:
        request_id = self.checkins.ticket_of(code)
        record = self.queue.tickets.get(request_id) if request_id else None
        return None if record is None else IssuedTicket(**{**record, "printed_on": ""})


def claims_unchecked(token: str) -> dict[str, Any]:
    """A token's claims unchecked: only to route it (which code, which service), never to trust it."""
    try:
        payload = json.loads(booking_token.b64url_decode(token.split(".")[1]))
    except (booking_token.BadToken, ValueError, IndexError):
        return {}
    return payload if isinstance(payload, dict) else {}


def code_of(token: str) -> str:
    return str(claims_unchecked(token).get("c", ""))
