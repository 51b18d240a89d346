"""Technician mode: who may enter (a technician PIN or a one-time code from central), what they may
do, and the audit of every action (who, when, what, result), synced through the outbox.

No Kivy: screens/technician.py calls these methods on worker threads. PINs are checked by the
staff directory over the technicians' own table, with wrong PINs kept on disk (a restart does not
lift the lock; the lock always ends). The mode ends when the technician leaves or when the
kiosk's idle timer wipes the session.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts import samples
from devices.scanner import BarcodeScanner
from kiosk.services.health import HealthService, printer_reasons
from kiosk.services.staff import StaffDirectory, StaffLocked
from offline_cache.db import CacheDB
from offline_cache.outbox import Outbox
from offline_cache.sync_state import SyncState
from offline_cache.technicians import TechnicianAudit, TechnicianFailures, TechnicianStore
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common import fleet_otp
from service_common.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")

SAMPLES = ("ticket", "appointment")
"""The receipts this build can print (statement and appeal templates are not built yet)."""
OTP_NAME = "one-time code"
__all__ = ["SAMPLES", "NotInTechnicianMode", "PrinterError", "Reachability", "StaffLocked", "TechnicianMode"]


class NotInTechnicianMode(PermissionError):
    """An action was asked for without a technician signed in (a bug in the caller)."""


@dataclass(frozen=True)
class Reachability:
    reachable: bool
    millis: int
    detail: str


class TechnicianMode:
    def __init__(
        self,
        cache: CacheDB,
        clock: Clock,
        *,
        kiosk_id: str,
        token: str,
        gateway: CentralGateway | None,
        printer: ReceiptPrinter,
        scanner: BarcodeScanner,
        health: HealthService,
        log_file: Path,
        run_sync: Callable[[], Any],
    ) -> None:
        self.clock = clock
        self.kiosk_id = kiosk_id
        self._otp_key = fleet_otp.key_from_token(token) if token else None
        self.gateway = gateway
        self.printer = printer
        self.scanner = scanner
        self.health = health
        self.log_file = log_file
        self.run_sync = run_sync
        self.directory = StaffDirectory(
            cache, clock, store=TechnicianStore(cache), failures=TechnicianFailures(cache), who="technician"
        )
        self.audit_log = TechnicianAudit(cache)
        self.outbox = Outbox(cache)
        self.sync_state = SyncState(cache)
        self.on_change: Callable[[], None] | None = None  # e.g. the sync worker's "now"
        self._who: str | None = None
        self._leaving: threading.Thread | None = None
        self._lock = threading.Lock()

    # ----- entering and leaving -----
    @property
    def who(self) -> str | None:
        return self._who

    def enter(self, code: str) -> str | None:
        """The technician's name for a right PIN or one-time code, else None; raises StaffLocked."""
        member = self.directory.sign_in(code)  # counts a wrong PIN, raises while locked
        name = member.name if member is not None else None
        detail = "pin"
        if name is None and self._otp_key is not None:
            now = self.clock.now()
            digest = fleet_otp.digest(code)
            if fleet_otp.verify(self._otp_key, self.kiosk_id, code, now) and self.audit_log.claim_code(
                uuid.uuid4().hex, now, OTP_NAME, digest
            ):
                self.directory.succeeded()
                with self._lock:
                    self._who = OTP_NAME
                log.info("technician %s: enter -> ok otp", OTP_NAME)
                return OTP_NAME
        if name is None:
            self.audit("?", "enter", "refused", "wrong PIN or code")
            return None
        with self._lock:
            self._who = name
        self.audit(name, "enter", "ok", detail)
        return name

    def end(self, reason: str) -> None:
        """Leave the mode (the technician's Leave, or the idle timer); nothing happens if not in it."""
        with self._lock:
            who, self._who = self._who, None
        if who is not None:
            # Called on the UI thread (Leave, the idle timer): the audit's fsync must not freeze the
            # screen. Not a daemon, so a restart right after still waits for the record.
            writer = threading.Thread(
                target=self.audit, args=(who, "leave", "ok", reason), name="technician-leave", daemon=False
            )
            self._leaving = writer
            writer.start()

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for the record of the last Leave (for the CLI, tests and a restart)."""
        writer = self._leaving
        if writer is not None:
            writer.join(timeout)

    def locked_until(self) -> datetime | None:
        return self.directory.locked_until()

    # ----- the audit -----
    def audit(self, who: str, action: str, result: str, detail: str = "") -> None:
        record_id = uuid.uuid4().hex
        self.audit_log.record(record_id, self.clock.now(), who, action, result, detail[:500])
        log.info("technician %s: %s -> %s %s", who, action, result, detail[:200])

    def _act(self, action: str, fn: Callable[[], T], describe: Callable[[T], tuple[str, str]]) -> T:
        """Run one action in the technician's name and audit its outcome (also when it raises)."""
        who = self._who
        if who is None:
            raise NotInTechnicianMode(action)
        try:
            value = fn()
        except Exception as exc:
            self.audit(who, action, "failed", f"{type(exc).__name__}: {exc}")
            raise
        result, detail = describe(value)
        self.audit(who, action, result, detail)
        return value

    # ----- what a technician can do -----
    def device_status(self) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            status = self.printer.status()
            scanner = self.scanner.status()
            return {
                "printer": {
                    "uri": self.printer.uri,
                    "state": status.state,
                    "paper": status.paper,
                    "cover_open": status.cover_open,
                    "reasons": printer_reasons(status),
                    "raw": status.raw_text,
                    "detail": status.detail,
                },
                "scanner": {"state": scanner.state, "detail": scanner.detail, "raw": scanner.code},
                "card_reader": self.health.card_reader(),
                "paper": self.health.paper(status).to_dict(),
            }

        return self._act("device_status", read, lambda r: ("ok", f"printer {r['printer']['raw']}"))

    def test_print(self, sample: str, lang: str, center: dict[str, Any] | None = None) -> str:
        """Print a sample receipt; returns the printer's status afterwards (PrinterError on failure)."""
        if sample not in SAMPLES:
            raise ValueError(f"unknown sample {sample!r}")

        def run() -> str:
            receipt = samples.sample(sample, lang, self.clock.now(), center)
            result = self.printer.print_receipt(receipt)
            return result.after.raw_text or result.after.detail

        return self._act(f"test_print:{sample}", run, lambda raw: ("ok", raw))

    def card_test(self) -> str:
        """No card driver in this build: says so, and the attempt is audited like any action."""
        return self._act("card_test", lambda: "not_configured", lambda r: ("unavailable", r))

    def scanner_test(self) -> dict[str, Any]:
        """The scanner's state and how many codes it has read (never their text: booking codes)."""

        def read() -> dict[str, Any]:
            status = self.scanner.status()
            return {"state": status.state, "ok": status.ok, "scans": status.scans, "raw": status.code}

        return self._act("scanner_test", read, lambda r: ("ok" if r["ok"] else "failed", str(r["state"])))

    def sync_status(self) -> dict[str, Any]:
        """The outbox, what central refused, and each sync job's last outcome (read-only: not audited)."""
        return {
            "counts": self.outbox.counts(),
            "by_kind": self.outbox.depth_by_kind(),
            "refused": self.outbox.rejected(limit=10),
            "jobs": [j.__dict__ for j in self.sync_state.all()],
            "link_up": None if self.gateway is None else self.gateway.link_up,
            "last_error": "" if self.gateway is None else self.gateway.last_error,
        }

    def sync_now(self) -> Any:
        return self._act(
            "sync_now", self.run_sync, lambda report: ("ok", str(getattr(report, "results", "")))
        )

    def central_reachability(self) -> Reachability:
        def ask() -> Reachability:
            if self.gateway is None:
                return Reachability(False, 0, "not enrolled: no central token")
            started = time.monotonic()
            try:
                self.gateway.me()
            except CentralError as exc:
                return Reachability(False, int((time.monotonic() - started) * 1000), str(exc))
            return Reachability(True, int((time.monotonic() - started) * 1000), self.gateway.base_url)

        return self._act(
            "central", ask, lambda r: ("ok" if r.reachable else "failed", f"{r.millis} ms {r.detail}")
        )

    def log_tail(self, lines: int = 40) -> list[str]:
        """The last log lines (already scrubbed of card numbers by the log filter)."""
        try:
            with self.log_file.open(encoding="utf-8", errors="replace") as handle:
                return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
        except OSError:
            return []

    def roll_replaced(self) -> None:
        def reset() -> None:
            self.health.store.roll_replaced(self.clock.now(), self._who or "?")
            if self.on_change is not None:
                self.on_change()

        self._act("roll_replaced", reset, lambda _none: ("ok", ""))

    def restart_app(self, restart: Callable[[], None]) -> None:
        """Audit, then ``restart`` (the app re-executes itself)."""
        self._act("restart_app", lambda: None, lambda _none: ("ok", ""))
        restart()

    def recent_actions(self, limit: int = 10) -> list[dict[str, Any]]:
        return self.audit_log.last(limit)
