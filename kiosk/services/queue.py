"""Queue tickets: a number from central (or from this kiosk's offline lease), printed, or not at all.

A ticket counts only when it is in the visitor's hand. The printer is checked before a
number is taken; if printing fails after, the number is voided (at central, or in the
outbox when offline), so no number is ever held by nobody. Offline tickets come from
blocks central leased to this kiosk alone, so two kiosks never issue the same number,
and they reach central in the order they were issued.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts.ticket import TicketData, ticket_receipt
from kiosk.services.info import InfoService
from offline_cache.db import CacheDB
from offline_cache.leases import LeaseStore
from offline_cache.outbox import Outbox
from server_sync.client import CentralClient
from server_sync.errors import CentralError, CentralRejected, CentralUnavailable
from server_sync.outbox import OutboxSender
from service_common.clock import Clock
from service_common.i18n import pick

log = logging.getLogger(__name__)

PRIORITIES = ("none", "disability", "pregnancy", "veteran", "appointment")
LEASE_LOW_WATER = 10  # top a service's lease up when fewer numbers than this are left
LEASE_SIZE = 50


class TicketNotIssued(Exception):
    """No ticket: ``reason`` is a machine key, ``printer_error`` the device's own error if any."""

    def __init__(self, reason: str, detail: str = "", printer_error: PrinterError | None = None) -> None:
        self.reason = reason  # printer | no_numbers | unknown_service | rejected
        self.printer_error = printer_error
        super().__init__(detail or reason)


@dataclass(frozen=True)
class QueueLine:
    service_id: str
    prefix: str
    name: dict[str, str]
    waiting: int | None  # None: not known (offline)
    estimated_wait_min: int | None


@dataclass(frozen=True)
class IssuedTicket:
    request_id: str
    display: str
    service_id: str
    service_name: dict[str, str]
    issued_at: str
    people_ahead: int | None
    wait_minutes: int | None
    status_url: str
    offline: bool
    priority: str
    issued_by: str
    central_id: str | None = None
    printed_on: str = ""  # preview image of the printed paper (simulator), for the screen

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass(frozen=True)
class QueueView:
    lines: list[QueueLine]
    online: bool


class QueueService:
    def __init__(
        self,
        client: CentralClient | None,
        cache: CacheDB,
        printer: ReceiptPrinter,
        clock: Clock,
        info: InfoService,
        center_id: str,
    ) -> None:
        self.client = client
        self.cache = cache
        self.leases = LeaseStore(cache)
        self.outbox = Outbox(cache)
        self.sender = OutboxSender(self.outbox, clock)
        self.printer = printer
        self.clock = clock
        self.info = info
        self.center_id = center_id

    # ----- what the ticket screen shows -----
    def lines(self) -> QueueView:
        """Every service with its waiting count and estimate; from the center list when offline."""
        if self.client is not None:
            try:
                queue = self.client.get("/api/v1/queue", center_id=self.center_id)
            except CentralError as exc:
                log.warning("queue state unavailable (%s): offline list", exc)
            else:
                self.info.docs.put(f"queue:{self.center_id}", queue, self.clock.now())
                return QueueView([_line(s) for s in queue["services"]], online=True)
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
        self._printer_ready()
        request_id = str(uuid.uuid4())
        ticket = self._number(request_id, service, priority, issued_by, lang)
        try:
            ticket = self.print_issued(ticket, lang)
        except PrinterError as exc:
            log.error("ticket %s not printed, voiding: %s", ticket.display, exc.technician_message)
            self._void(ticket, f"printer: {exc.key}")
            raise TicketNotIssued("printer", exc.technician_message, exc) from exc
        log.info("ticket %s issued%s by %s", ticket.display, " offline" if ticket.offline else "", issued_by)
        return ticket

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
        row = self.cache.db.execute(
            "SELECT body FROM tickets WHERE status = 'issued' ORDER BY issued_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        ticket = IssuedTicket(**json.loads(row[0]))
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
        """Refuse before a number is taken when the printer already cannot print."""
        error = self.printer.status().error(uri=self.printer.uri, phase="before")
        if error is not None:
            raise TicketNotIssued("printer", error.technician_message, error)

    def _number(
        self, request_id: str, service: dict[str, Any], priority: str, issued_by: str, lang: str
    ) -> IssuedTicket:
        body = {"request_id": request_id, "service_id": service["id"], "priority": priority,
                "issued_by": issued_by, "language": lang}  # fmt: skip
        if self.client is not None:
            try:
                created = self.client.post("/api/v1/tickets", body)["ticket"]
            except CentralUnavailable as exc:
                log.warning("central unreachable for a ticket (%s): issuing from the lease", exc)
            except CentralRejected as exc:
                raise TicketNotIssued("rejected", str(exc)) from exc
            else:
                return from_central(created, request_id, service, issued_by)
        return self.from_lease(request_id, service, priority, issued_by, lang)

    def from_lease(
        self, request_id: str, service: dict[str, Any], priority: str, issued_by: str, lang: str
    ) -> IssuedTicket:
        """A number from this kiosk's own lease, queued in the outbox for central."""
        now = self.clock.now()
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
        return ticket

    def _void(self, ticket: IssuedTicket, reason: str) -> None:
        now = self.clock.now()
        self.record(ticket, "void")
        if ticket.offline:
            record = self.outbox.get(ticket.request_id)
            if record is not None:
                self.outbox.update_payload(ticket.request_id, {**record.payload, "status": "void"})
            return
        try:
            assert self.client is not None
            self.client.post(f"/api/v1/tickets/{ticket.central_id}/void", {"reason": reason})
        except CentralError as exc:
            log.warning("void of %s deferred to the outbox: %s", ticket.display, exc)
            self.outbox.add(f"void-{ticket.request_id}", "ticket_void",
                            {"ticket_id": ticket.central_id, "reason": reason}, now)  # fmt: skip

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
        self.cache.db.table("tickets").upsert(
            {
                "request_id": ticket.request_id,
                "central_id": ticket.central_id,
                "service_id": ticket.service_id,
                "display": ticket.display,
                "priority": ticket.priority,
                "issued_by": ticket.issued_by,
                "issued_at": ticket.issued_at,
                "offline": int(ticket.offline),
                "status": status,
                "body": ticket.to_json(),
            },
            pk="request_id",
        )

    # ----- the sync worker's job -----
    def sync(self) -> bool:
        """Send the outbox (offline tickets, voids, check-ins) in order, then top up the leases. True: all done."""
        if self.client is None:
            return False
        if not self.sender.send(self.client):
            return False  # something waits for central: leases can wait too
        return self.top_up_leases()

    def top_up_leases(self) -> bool:
        if self.client is None:
            return False
        today = self.clock.now().date()
        self.leases.drop_before(today)
        center = self.info.home_center() or {}
        for service in center.get("services", []):
            if self.leases.remaining(service["id"], today) >= LEASE_LOW_WATER:
                continue
            try:
                lease = self.client.post(
                    "/api/v1/leases",
                    {"request_id": str(uuid.uuid4()), "service_id": service["id"], "size": LEASE_SIZE},
                )["lease"]
            except CentralError as exc:
                log.warning("lease for %s not renewed: %s", service["id"], exc)
                return False
            self.leases.add(lease)
            log.info("leased %s%03d-%03d", lease["prefix"], lease["first"], lease["last"])
        return True


def from_central(
    created: dict[str, Any], request_id: str, service: dict[str, Any], issued_by: str
) -> IssuedTicket:
    """A ticket as central made it (POST /tickets, or a check-in)."""
    return IssuedTicket(
        request_id=request_id,
        display=created["display"],
        service_id=service["id"],
        service_name=service["name"],
        issued_at=created["issued_at"],
        people_ahead=created["people_ahead"],
        wait_minutes=created["estimated_wait_min"],
        status_url=created["status_url"],
        offline=False,
        priority=created.get("priority", "none"),
        issued_by=issued_by,
        central_id=created["id"],
    )


def _line(entry: dict[str, Any]) -> QueueLine:
    return QueueLine(
        service_id=entry["service_id"],
        prefix=entry["prefix"],
        name=entry["name"],
        waiting=entry["waiting"],
        estimated_wait_min=entry["estimated_wait_min"],
    )
