"""Queue tickets: a number from central (or from this kiosk's offline lease), printed, or not at all.

A ticket counts only when the visitor holds it, on paper or noted down. When the printer cannot
print, the number is shown on screen and counts only once the visitor confirms they noted it;
else it is voided (at central, or in the outbox when offline), so no number is ever held by nobody. Offline tickets come from
blocks central leased to this kiosk alone, so two kiosks never issue the same number,
and they reach central in the order they were issued.

Paper always matches central: a ticket request whose answer is lost is asked again with the
same request id while the visitor waits (:meth:`CentralGateway.with_patience`). If the outcome
is still unknown, the number comes from the lease under that same request id, and central,
when the outbox delivers it, gives the ticket it may have made the number on the paper.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts.ticket import TicketData, ticket_receipt
from kiosk.services.info import InfoService
from kiosk.services.tickets import (
    IssuedTicket,
    QueueLine,
    QueueView,
    TicketNotIssued,
    from_central,
    queue_line,
)
from offline_cache.db import CacheDB
from offline_cache.leases import LeaseStore
from offline_cache.outbox import Outbox
from offline_cache.tickets import TicketStore
from server_sync.errors import CentralError, CentralRejected
from server_sync.gateway import CentralGateway, may_go_offline
from service_common.clock import Clock
from service_common.i18n import pick

log = logging.getLogger(__name__)

__all__ = [  # the ticket's types live in kiosk.services.tickets; callers import them from here too
    "PRIORITIES", "IssuedTicket", "LeasePolicy", "QueueLine", "QueueService", "QueueView", "TicketNotIssued",
    "from_central",
]  # fmt: skip

PRIORITIES = ("none", "disability", "pregnancy", "veteran", "appointment")
MAX_LEASE = 200  # the most central grants in one block


@dataclass(frozen=True)
class LeasePolicy:
    """How many numbers each service keeps in hand for an outage, from its daily volume.

    Enough for ``survive_outage_h`` hours of the service's usual day (tickets a day spread over
    ``open_hours_per_day``), never fewer than ``min_lease``. Central's daily figure per service
    is used when it sends one, ``daily_volume`` otherwise.
    """

    survive_outage_h: float = 4.0
    open_hours_per_day: float = 10.0
    daily_volume: int = 200
    min_lease: int = 20

    def target(self, daily_volume: int | None) -> int:
        volume = daily_volume if daily_volume and daily_volume > 0 else self.daily_volume
        return max(self.min_lease, math.ceil(volume * self.survive_outage_h / self.open_hours_per_day))


class QueueService:
    def __init__(
        self,
        gateway: CentralGateway | None,
        cache: CacheDB,
        printer: ReceiptPrinter,
        clock: Clock,
        info: InfoService,
        center_id: str,
        lease_policy: LeasePolicy | None = None,
    ) -> None:
        self.gateway = gateway
        self.cache = cache
        self.leases = LeaseStore(cache)
        self.outbox = Outbox(cache)
        self.tickets = TicketStore(cache)
        self.lease_policy = lease_policy or LeasePolicy()
        self.printer = printer
        self.clock = clock
        self.info = info
        self.center_id = center_id

    # ----- what the ticket screen shows -----
    def lines(self) -> QueueView:
        """Every service with its waiting count and estimate; from the center list when offline."""
        if self.gateway is not None:
            try:
                queue = self.gateway.queue(self.center_id)
            except CentralError as exc:
                log.warning("queue state unavailable (%s): offline list", exc)
            else:
                self.info.docs.put(f"queue:{self.center_id}", queue, self.clock.now())
                return QueueView([queue_line(s) for s in queue["services"]], online=True)
        center = self.info.home_center() or {}
        return QueueView(
            [QueueLine(s["id"], s["prefix"], s["name"], None, None) for s in center.get("services", [])],
            online=False,
        )

    # ----- issuing -----
    def take_ticket(
        self, service_id: str, *, priority: str = "none", issued_by: str = "kiosk", lang: str = "ru"
    ) -> IssuedTicket:
        if priority not in PRIORITIES:
            raise TicketNotIssued("rejected", f"unknown priority {priority!r}")
        service = self.service(service_id)
        if service is None:
            raise TicketNotIssued("unknown_service", f"no service {service_id!r} at {self.center_id}")
        # When the printer fails a visitor gets the number on screen (it counts once they noted it,
        # confirm_noted; else abandon voids it); staff are told in their words and can load paper.
        degrade = issued_by == "kiosk"
        failed = self._printer_failure()
        if failed is not None and not degrade:
            raise TicketNotIssued("printer", failed.technician_message, failed)
        ticket = self._number(str(uuid.uuid4()), service, priority, issued_by, lang)
        if failed is None:
            try:
                printed = self.print_issued(ticket, lang)
            except PrinterError as exc:
                failed = exc
            else:
                log.info("ticket %s issued%s by %s", printed.display, " offline" if printed.offline else "",
                         issued_by)  # fmt: skip
                return printed
        if not degrade:
            log.error("ticket %s not printed, voiding: %s", ticket.display, failed.technician_message)
            self._void(ticket, f"printer: {failed.key}")
            raise TicketNotIssued("printer", failed.technician_message, failed) from failed
        log.error(
            "ticket %s not printed, shown on screen until noted: %s",
            ticket.display,
            failed.technician_message,
        )
        return replace(ticket, print_error=failed.key)

    def confirm_noted(self, ticket: IssuedTicket) -> None:
        """The visitor noted the number the printer could not print: it is theirs now."""
        self.record(ticket, "issued")
        log.info("ticket %s issued on screen only (printer: %s)", ticket.display, ticket.print_error)

    def abandon(self, ticket: IssuedTicket) -> None:
        """The visitor left without confirming a number shown on screen only: nobody holds it."""
        if self.tickets.status_of(ticket.request_id) == "issuing":
            log.info("ticket %s shown on screen but not noted: voided", ticket.display)
            self._void(ticket, f"printer: {ticket.print_error}; number not noted")

    def print_issued(self, ticket: IssuedTicket, lang: str) -> IssuedTicket:
        """Print a ticket and keep it for reprints; the result carries the simulator's preview."""
        result = self.printer.print_receipt(self._receipt(ticket, lang))
        if result.paper_near_end:
            log.warning("printer paper near end after ticket %s", ticket.display)
        preview = self.printer.last_preview()
        if preview:
            ticket = IssuedTicket(**{**asdict(ticket), "printed_on": preview})
        self.record(ticket, "issued")
        return ticket

    def reprint_last(self, lang: str = "ru") -> IssuedTicket | None:
        """Staff's reprint: the same number again, never a new one."""
        last = self.tickets.last_issued()
        if last is None:
            return None
        ticket = IssuedTicket(**{**last, "printed_on": ""})
        self._printer_ready()
        try:
            self.printer.print_receipt(self._receipt(ticket, lang))
        except PrinterError as exc:
            raise TicketNotIssued("printer", exc.technician_message, exc) from exc
        log.info("ticket %s reprinted", ticket.display)
        return ticket

    def service(self, service_id: str) -> dict[str, Any] | None:
        """The home center's service as the info cache has it (names in every language)."""
        center = self.info.home_center() or {}
        return next((s for s in center.get("services", []) if s.get("id") == service_id), None)

    def _printer_ready(self) -> None:
        """Refuse before a reprint when the printer already cannot print."""
        error = self._printer_failure()
        if error is not None:
            raise TicketNotIssued("printer", error.technician_message, error)

    def _printer_failure(self) -> PrinterError | None:
        """What already stops the printer (paper out, cover open, offline), before anything is sent."""
        return self.printer.status().error(uri=self.printer.uri, phase="before")

    def _number(
        self, request_id: str, service: dict[str, Any], priority: str, issued_by: str, lang: str
    ) -> IssuedTicket:
        body = {"request_id": request_id, "service_id": service["id"], "priority": priority,
                "issued_by": issued_by, "language": lang}  # fmt: skip
        if self.gateway is not None:
            try:
                created = self.gateway.create_ticket(body, patient=True)
            except CentralError as exc:
                if not may_go_offline(exc):
                    raise TicketNotIssued("rejected", str(exc)) from exc
                # Same request id: if central made a ticket after all, it takes the leased number.
                log.warning("ticket %s not confirmed by central (%s, %s): issuing from the lease",
                            request_id, exc.outcome, exc)  # fmt: skip
            else:
                ticket = from_central(created, request_id, service, issued_by)
                self.record(ticket, "issuing")
                return ticket
        return self.from_lease(request_id, service, priority, issued_by, lang)

    def from_lease(
        self, request_id: str, service: dict[str, Any], priority: str, issued_by: str, lang: str
    ) -> IssuedTicket:
        """A number from this kiosk's own lease, queued in the outbox for central.

        The number, the ticket row and the outbox record are one transaction (with whatever the
        caller has open, e.g. an offline check-in): a crash leaves all of them or none.
        """
        now = self.clock.now()
        with self.cache.transaction():
            return self._from_lease(request_id, service, priority, issued_by, lang, now)

    def _from_lease(
        self,
        request_id: str,
        service: dict[str, Any],
        priority: str,
        issued_by: str,
        lang: str,
        now: datetime,
    ) -> IssuedTicket:
        leased = self.leases.take(service["id"], now.date())
        if leased is None:
            raise TicketNotIssued(
                "no_numbers", f"no leased numbers left for {service['id']} and central unreachable"
            )
        ticket = IssuedTicket(
            request_id=request_id,
            display=leased.display,
            service_id=service["id"],
            service_name=service["name"],
            issued_at=now.isoformat(),
            people_ahead=None,
            wait_minutes=None,
            status_url="",
            offline=True,
            priority=priority,
            issued_by=issued_by,
        )
        payload = {"request_id": request_id, "service_id": service["id"], "priority": priority,
                   "issued_by": issued_by, "language": lang, "lease_id": leased.lease_id,
                   "number": leased.number, "issued_at": now.isoformat(), "status": "waiting"}  # fmt: skip
        self.outbox.add(request_id, "ticket", payload, now)
        self.record(ticket, "issuing")
        return ticket

    def _void(self, ticket: IssuedTicket, reason: str) -> None:
        """The number never reached paper: central must not call it."""
        now = self.clock.now()
        if ticket.offline:
            # The outbox holds a ticket back while it is "issuing", so its record is still here.
            with self.cache.transaction():
                self.record(ticket, "void")
                record = self.outbox.get(ticket.request_id)
                if record is not None:
                    self.outbox.update_payload(ticket.request_id, {**record.payload, "status": "void"})
            return
        # The void and the duty to tell central are one write: a crash in between must not leave
        # central calling a number that never reached paper.
        record_id = f"void-{ticket.request_id}"
        with self.cache.transaction():
            self.record(ticket, "void")
            self.outbox.add(record_id, "ticket_void", {"ticket_id": ticket.central_id, "reason": reason}, now)
        try:
            assert self.gateway is not None
            assert ticket.central_id is not None
            self.gateway.void_ticket(ticket.central_id, reason)
        except CentralError as exc:
            log.warning("void of %s left to the outbox: %s", ticket.display, exc)
            return
        self.outbox.mark_sent(record_id, self.clock.now())

    def settle_interrupted(self) -> int:
        """At start: tickets a crash left between numbering and printing count as issued.

        Nobody can tell whether the paper came out; a number central may call in vain is the lesser
        harm than a visitor holding a number central never heard of.
        """
        return self.tickets.settle_issuing()

    def _receipt(self, ticket: IssuedTicket, lang: str) -> Any:
        center = self.info.home_center() or {}
        issued = datetime.fromisoformat(ticket.issued_at.replace("Z", "+00:00")).astimezone(self.clock.tz)
        data = TicketData(
            number=ticket.display,
            service=pick(ticket.service_name, lang),
            center_name=pick(center.get("name"), lang),
            center_address=pick(center.get("address"), lang),
            issued_at=issued,
            people_ahead=ticket.people_ahead,
            wait_minutes=ticket.wait_minutes,
            url=ticket.status_url,
            offline=ticket.offline,
            priority=ticket.priority,
        )
        return ticket_receipt(data, lang)

    def record(self, ticket: IssuedTicket, status: str) -> None:
        """issuing (numbered, not printed yet), issued (on paper) or void."""
        self.tickets.save({**asdict(ticket), "printed_on": ""}, status)

    # ----- the sync worker's job -----
    def top_up_leases(self) -> bool:
        """Keep each service's lease at its target; True when every service has what it should.

        A request keeps its id until central answers it, so a lost answer burns no block.
        """
        if self.gateway is None:
            return False
        today = self.clock.now().date()
        self.leases.drop_before(today)
        volumes = self._daily_volumes()
        center = self.info.home_center() or {}
        for service in center.get("services", []):
            target = self.lease_policy.target(volumes.get(service["id"]))
            missing = target - self.leases.remaining(service["id"], today)
            if missing <= 0:
                continue
            size = min(MAX_LEASE, max(missing, self.lease_policy.min_lease))  # the rest on the next pass
            if not self._lease(service["id"], today, size):
                return False
        return True

    def _lease(self, service_id: str, today: date, size: int) -> bool:
        assert self.gateway is not None
        request_id, size = self.leases.request_for(service_id, today, size)
        try:
            lease = self.gateway.create_lease(request_id, service_id, size)
        except CentralRejected as exc:
            log.error("lease for %s refused: %s", service_id, exc)
            self.leases.drop_request(service_id, today)
            return False
        except CentralError as exc:
            log.warning("lease for %s not renewed: %s", service_id, exc)
            return False
        self.leases.add(lease)
        log.info("leased %s%03d-%03d", lease["prefix"], lease["first"], lease["last"])
        return True

    def _daily_volumes(self) -> dict[str, int]:
        """Tickets a day per service as central counts them (from the cached queue view)."""
        cached = self.info.docs.get(f"queue:{self.center_id}")
        services = cached.body.get("services", []) if cached is not None else []
        return {s["service_id"]: int(s["daily_volume"]) for s in services if s.get("daily_volume")}
