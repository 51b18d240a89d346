"""``sim:``: a scanner in memory for the demo's "scan" button and for tests.

``inject(text, symbology="QR")`` delivers a scan on the simulator's own reader thread, through the same
de-duplication as a real scanner (so a double-tapped demo button gives one scan, as a code held in front of
a real scanner would). ``set(connected=False)`` simulates unplugging: status ``not_found`` and one
``disconnected`` error; ``set(connected=True)`` plugs it back in, silently. ``sim:?connected=0`` starts
unplugged.
"""

from __future__ import annotations

import queue
import time

from devices.scanner.base import READ_SLICE, BarcodeScanner, OnError, OnScan, Scan, ScannerStatus, bool_param
from devices.scanner.errors import ScannerError
from devices.uri import DeviceURI

_UNPLUG, _PLUG = object(), object()


class SimulatorScanner(BarcodeScanner):
    """Thread-safe: ``inject`` and ``set`` may be called from any thread, before or after ``start``."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri, ("connected",))
        self.connected = bool_param(uri, "connected", True)
        self._inbox: queue.Queue[object] = queue.Queue()

    def inject(self, text: str, symbology: str | None = "QR") -> bool:
        """Scan ``text``. False (nothing delivered) while unplugged or not started."""
        if not self.connected or not self.running:
            return False
        self._inbox.put(Scan(text=text, symbology=symbology, at=time.monotonic(), source=self.source))
        return True

    def set(self, *, connected: bool | None = None) -> None:
        """Change the simulated hardware, e.g. ``scanner.set(connected=False)`` to pull the cable."""
        if connected is None or connected == self.connected:
            return
        self.connected = connected
        self._inbox.put(_PLUG if connected else _UNPLUG)

    def _unplugged(self) -> ScannerError:
        return ScannerError("not_found", "simulated scanner unplugged", source=self.source)

    def start(self, on_scan: OnScan, on_error: OnError) -> None:
        while True:  # a wake-up left by an earlier stop() is not news
            try:
                self._inbox.get_nowait()
            except queue.Empty:
                break
        super().start(on_scan, on_error)

    def _run(self) -> None:
        if self.connected:
            self._set_state("connected")
        else:
            error = self._unplugged()
            self._set_state("not_found", error)
            self._report(error)
        while not self._stop.is_set():
            try:
                item = self._inbox.get(timeout=READ_SLICE)
            except queue.Empty:
                continue
            if isinstance(item, Scan):
                self._deliver(item)
            elif item is _UNPLUG and self._state == "connected":
                error = ScannerError("disconnected", "simulated scanner unplugged", source=self.source)
                self._set_state("not_found", error)
                self._report(error)
            elif item is _PLUG and self._state != "connected":
                self._set_state("connected")

    def _wake(self) -> None:
        self._inbox.put(None)

    def _probe(self) -> ScannerStatus:
        if self.connected:
            return ScannerStatus(state="connected", source=self.source, detail="simulated")
        error = self._unplugged()
        return ScannerStatus(state="not_found", source=self.source, key=error.key, detail=error.detail)
