"""What a queue ticket is on the kiosk: as central made it or the lease gave it, and why one was not issued."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from devices.printer import PrinterError


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
    print_error: str = ""  # the printer's error key when the paper did not come out: shown on screen only

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass(frozen=True)
class QueueView:
    lines: list[QueueLine]
    online: bool


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


def queue_line(entry: dict[str, Any]) -> QueueLine:
    return QueueLine(
        service_id=entry["service_id"],
        prefix=entry["prefix"],
        name=entry["name"],
        waiting=entry["waiting"],
        estimated_wait_min=entry["estimated_wait_min"],
    )
