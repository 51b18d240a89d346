"""Commands from central, pulled with the heartbeat: acknowledge, run once, report the result.

Expiry is central's to judge (it hands out no expired command): the kiosk's clock may be off, and
a command is run the moment its heartbeat's answer arrives.

A command id is kept on disk when it arrives, so a command handed out twice (a lost answer) runs
once. Restart and reboot report after the fact: the id is marked ``running`` and the first
heartbeat of the new process reports it done, with the new uptime, so "done" means the kiosk
really came back; a reboot the system refuses is reported failed at once. No Kivy: the app
gives the screenshot and restart functions (:attr:`screenshot`, :attr:`restart`).
"""

from __future__ import annotations

import logging
import subprocess
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts import samples
from offline_cache.fleet import FleetStore
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

Outcome = tuple[bool, dict[str, Any]]
AFTER_RESTART = ("restart_app", "reboot")


def system_reboot() -> None:
    """Ask systemd to reboot; raises with the reason when it will not."""
    done = subprocess.run(["systemctl", "reboot"], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"systemctl reboot: exit {done.returncode}: {done.stderr.strip()[:200]}")


class CommandRunner:
    def __init__(
        self,
        gateway: CentralGateway | None,
        store: FleetStore,
        clock: Clock,
        printer: ReceiptPrinter,
        log_file: Path,
        *,
        lang: str,
        uptime: Callable[[], int],
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.clock = clock
        self.printer = printer
        self.log_file = log_file
        self.lang = lang
        self.uptime = uptime
        self.screenshot: Callable[[], bytes] | None = None  # the app's masked window capture
        self.restart: Callable[[], None] | None = None  # the app's re-exec
        self.reboot: Callable[[], None] = system_reboot
        self._resumed = False
        self.apply_config: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # FleetConfig.apply

    def handle(self, commands: list[dict[str, Any]]) -> None:
        """Run what the heartbeat brought (on the sync worker's thread)."""
        if self.gateway is None:
            return
        if not self._resumed:
            self._resume()
        for command in commands:
            self._one(command)

    def _resume(self) -> None:
        """Report the restarts and reboots that brought this process up."""
        assert self.gateway is not None
        for item in self.store.commands(limit=50):
            if item["status"] != "running" or item["kind"] not in AFTER_RESTART:
                continue
            back = {"uptime_s": self.uptime(), "back_at": self.clock.now().isoformat()}
            self._finish(item["id"], True, back)
        self._resumed = True

    def _one(self, command: dict[str, Any]) -> None:
        assert self.gateway is not None
        command_id, kind = str(command["id"]), str(command["kind"])
        expires = datetime.fromisoformat(str(command["expires_at"]))
        now = self.clock.now()
        fresh = self.store.command_received(
            command_id, kind, command.get("params") or {}, expires.isoformat(), now
        )
        if not fresh and not self._unreported(command_id):
            return
        try:
            self.gateway.ack_command(command_id)
        except CentralError as exc:
            log.warning("command %s: acknowledgement not delivered: %s", command_id, exc)
        log.info("command %s from central: %s", command_id, kind)
        try:
            ok, result = self._run(command_id, kind, command.get("params") or {})
        except Exception as exc:  # a command's failure is its result, never the sync worker's
            log.exception("command %s (%s) failed", command_id, kind)
            ok, result = False, {"error": f"{type(exc).__name__}: {exc}"[:300]}
        if ok and kind in AFTER_RESTART:
            return  # reported by the next process
        self._finish(command_id, ok, result)

    def _unreported(self, command_id: str) -> bool:
        return any(c["id"] == command_id and c["status"] == "received" for c in self.store.commands(limit=50))

    def _finish(self, command_id: str, ok: bool, result: dict[str, Any]) -> None:
        """Recorded with its report in the outbox, then reported at once; if that fails the outbox
        sends it again (a repeated report changes nothing at central)."""
        self.store.command_done(command_id, ok, result, self.clock.now())
        assert self.gateway is not None
        try:
            self.gateway.command_result(command_id, ok, result)
        except CentralError as exc:
            log.warning("command %s: result left to the outbox: %s", command_id, exc)
            return
        self.store.result_reported(command_id, self.clock.now())

    def _run(self, command_id: str, kind: str, params: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        assert self.gateway is not None
        if kind == "test_print":
            sample = str(params.get("sample", "ticket"))
            try:
                result = self.printer.print_receipt(samples.sample(sample, self.lang, self.clock.now()))
            except PrinterError as exc:
                return False, {"error": exc.technician_message}
            return True, {"printer": result.after.raw_text or result.after.detail, "bytes": result.bytes_sent}
        if kind == "screenshot":
            if self.screenshot is None:
                return False, {"error": "no window to capture (the app is not running)"}
            png = self.screenshot()
            self.gateway.command_upload(command_id, "image/png", png)
            return True, {"bytes": len(png), "masked": "text inputs"}
        if kind == "upload_logs":
            lines = int(params.get("lines", 200))
            try:
                with self.log_file.open(encoding="utf-8", errors="replace") as handle:
                    text = "".join(deque(handle, maxlen=max(1, min(lines, 5000))))
            except OSError as exc:
                return False, {"error": f"cannot read the log: {exc.strerror or exc}"}
            self.gateway.command_upload(command_id, "text/plain", text.encode("utf-8"))
            return True, {"lines": text.count("\n")}
        if kind in AFTER_RESTART:
            self.store.command_finished(command_id, "running", {}, self.clock.now())
            if kind == "restart_app":
                if self.restart is None:
                    return False, {"error": "no app to restart in this process"}
                self.restart()
            else:
                self.reboot()
            return True, {}
        if kind == "apply_config" and self.apply_config is not None:
            try:
                return True, self.apply_config(params)
            except ValueError as exc:  # ConfigRefused: refused documents are failed commands
                return False, {"error": str(exc)}
        return False, {"error": f"{kind} is not supported by this kiosk version"}
