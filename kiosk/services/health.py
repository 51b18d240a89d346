"""The kiosk's health as central's fleet page sees it: one heartbeat every sync cycle and at once
when a device changes. No Kivy: the sync worker and a watcher thread call it.

Printer states are IPP ``printer-state-reasons`` keywords (media-low, media-empty, door-open,
offline, jam), so the fleet page reads like a print server; the raw DLE EOT bytes go along.
The paper forecast combines the printer's near-end sensor with a meter of printed length that
"roll replaced" resets: "out in about N tickets".
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.printer import ReceiptPrinter
from devices.printer.status import PrinterStatus
from devices.scanner import BarcodeScanner
from offline_cache.fleet import FleetStore
from offline_cache.outbox import Outbox
from offline_cache.sync_state import SyncState
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common import __version__
from service_common.clock import Clock

log = logging.getLogger(__name__)

TICKET_MM = 80.0
"""A ticket's length before the meter has seen any (a ticket with its QR code is about 7-9 cm)."""
NEAR_END_MM = 1500.0
"""Paper left when a near-end sensor trips; Epson's sensors sit at roughly 1-2 m on an 80 m roll."""


def printer_reasons(status: PrinterStatus) -> list[str]:
    """IPP keywords for one reading; empty for a ready printer (or one that cannot report)."""
    if status.state == "unavailable":
        return ["offline"]
    reasons: list[str] = []
    if status.paper == "out":
        reasons.append("media-empty")
    elif status.paper == "near_end":
        reasons.append("media-low")
    if status.cover_open:
        reasons.append("door-open")
    if "printer_error" in status.problems:
        reasons.append("jam")
    if "offline" in status.problems:
        reasons.append("offline")
    return reasons


@dataclass(frozen=True)
class PaperForecast:
    near_end: bool
    printed_mm: float
    roll_mm: float
    tickets_left: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "near_end": self.near_end,
            "printed_mm": round(self.printed_mm, 1),
            "roll_mm": self.roll_mm,
            "tickets_left": self.tickets_left,
        }


def forecast(status: PrinterStatus, printed_mm: float, jobs: int, roll_mm: float) -> PaperForecast:
    """Tickets left: the meter's estimate, capped by what the near-end sensor implies; 0 when out."""
    per_ticket = printed_mm / jobs if jobs else TICKET_MM
    per_ticket = max(per_ticket, 10.0)
    left_mm = max(0.0, roll_mm - printed_mm)
    near_end = status.paper == "near_end"
    if near_end:
        left_mm = min(left_mm, NEAR_END_MM)
    if status.paper == "out":
        left_mm = 0.0
    return PaperForecast(near_end, printed_mm, roll_mm, int(left_mm // per_ticket))


def _memory_mb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


class HealthService:
    def __init__(
        self,
        gateway: CentralGateway | None,
        store: FleetStore,
        outbox: Outbox,
        sync_state: SyncState,
        printer: ReceiptPrinter,
        scanner: BarcodeScanner,
        clock: Clock,
        *,
        data_dir: Path,
        interval_s: float,
        roll_m: float,
        card_reader_uri: str,
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.outbox = outbox
        self.sync_state = sync_state
        self.printer = printer
        self.scanner = scanner
        self.clock = clock
        self.data_dir = data_dir
        self.interval_s = interval_s
        self.roll_mm = roll_m * 1000
        self.card_reader_uri = card_reader_uri
        self.started = time.monotonic()
        self.last_ack: dict[str, Any] | None = None
        self.on_commands: Callable[[list[dict[str, Any]]], None] | None = None  # central's command queue
        self._sent_signature: tuple[Any, ...] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        printer.on_printed.append(store.add_printed)

    # ----- what the kiosk reports -----
    def paper(self, status: PrinterStatus | None = None) -> PaperForecast:
        meter = self.store.meter()
        return forecast(status or self.printer.status(), meter.printed_mm, meter.jobs, self.roll_mm)

    def card_reader(self) -> dict[str, Any]:
        """No card driver in this build yet: a simulated reader is present, a real one is not known."""
        uri = self.card_reader_uri
        simulated = uri.startswith("sim:")
        return {
            "configured": bool(uri),
            "present": simulated,
            "raw": "simulated" if simulated else "no driver",
        }

    def scanner_state(self) -> dict[str, Any]:
        status = self.scanner.status()
        return {"configured": True, "present": status.ok, "raw": f"{status.state} {status.code}".strip()}

    def snapshot(self) -> dict[str, Any]:
        """The heartbeat body (see central/fleet/schemas.py: Heartbeat)."""
        now = self.clock.now()
        status = self.printer.status()
        last_sync = max(
            (s.last_success_at for s in self.sync_state.all() if s.last_success_at and s.job != "heartbeat"),
            default=None,
        )
        counts = self.outbox.counts()
        return {
            "heartbeat_id": uuid.uuid4().hex,
            "sent_at": now.isoformat(),
            "interval_s": max(5, min(3600, round(self.interval_s))),
            "app_version": __version__,
            "config_version": self.store.get("config_version", "local"),
            "uptime_s": int(time.monotonic() - self.started),
            "printer": {
                "reasons": printer_reasons(status),
                "raw": (status.raw_text or status.detail)[:200],
                "paper": self.paper(status).to_dict(),
            },
            "card_reader": self.card_reader(),
            "scanner": self.scanner_state(),
            "outbox_depth": counts.get("pending", 0),
            "outbox_refused": counts.get("rejected", 0),
            "last_sync_at": last_sync,
            "disk_free_mb": shutil.disk_usage(self.data_dir).free // 2**20,
            "memory_mb": _memory_mb(),
        }

    @staticmethod
    def signature(body: dict[str, Any]) -> tuple[Any, ...]:
        """What counts as "a change" worth a heartbeat at once: device states, not meters or clocks."""
        return (
            tuple(body["printer"]["reasons"]),
            body["card_reader"]["present"],
            body["scanner"]["present"],
        )

    # ----- the sync job -----
    def send(self) -> bool:
        """The ``heartbeat`` sync job: True when central took it."""
        if self.gateway is None:
            return False
        body = self.snapshot()
        try:
            self.last_ack = self.gateway.heartbeat(body)
        except CentralError as exc:
            log.warning("heartbeat not delivered: %s", exc)
            return False
        self._sent_signature = self.signature(body)
        if self.on_commands is not None:
            self.on_commands(list(self.last_ack.get("commands") or []))
        return True

    def uptime_s(self) -> int:
        return int(time.monotonic() - self.started)

    def changed(self) -> bool:
        """Whether the devices look different from the last heartbeat central took."""
        body = {
            "printer": {"reasons": printer_reasons(self.printer.status())},
            "card_reader": self.card_reader(),
            "scanner": self.scanner_state(),
        }
        return self._sent_signature is not None and self.signature(body) != self._sent_signature

    def watch(self, on_change: Callable[[], None], every_s: float = 10.0) -> None:
        """Look at the devices every ``every_s`` on a thread of its own; call ``on_change`` when they changed."""

        def loop() -> None:
            while not self._stop.wait(every_s):
                try:
                    if self.changed():
                        log.info("device state changed: heartbeat now")
                        on_change()
                except Exception:  # the watcher must outlive a device driver's bug
                    log.exception("health watch failed")

        if self._thread is None:
            self._thread = threading.Thread(target=loop, name="kiosk-health", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
