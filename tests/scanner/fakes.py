"""A fake serial barcode scanner on a pty, and a collector for the callbacks a scanner makes.

The fake is reached through a symlink (``link``), the way a kiosk reaches a real scanner through
``/dev/serial/by-id/...``: unplugging closes the pty (its ``/dev/pts/N`` disappears, as ``ttyACM0`` does)
and removes the link; plugging in makes a new pty and points the link at it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from devices.scanner import Scan, ScannerError

WAIT = 5.0  # seconds: generous, for a loaded CI machine


def wait_for(predicate: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class Collector:
    """``on_scan``/``on_error`` for a scanner: records what arrives and on which thread."""

    def __init__(self) -> None:
        self.scans: list[Scan] = []
        self.errors: list[ScannerError] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def on_scan(self, scan: Scan) -> None:
        with self._lock:
            self.scans.append(scan)
            self.threads.add(threading.current_thread().name)

    def on_error(self, error: ScannerError) -> None:
        with self._lock:
            self.errors.append(error)
            self.threads.add(threading.current_thread().name)

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [s.text for s in self.scans]

    @property
    def keys(self) -> list[str]:
        with self._lock:
            return [e.key for e in self.errors]

    def wait_scans(self, count: int, timeout: float = WAIT) -> list[str]:
        wait_for(lambda: len(self.scans) >= count, timeout, f"{count} scan(s), have {self.texts}")
        return self.texts

    def wait_errors(self, count: int, timeout: float = WAIT) -> list[str]:
        wait_for(lambda: len(self.errors) >= count, timeout, f"{count} error(s), have {self.keys}")
        return self.keys


class PtyScanner:
    """A scanner at the far end of a pseudo-terminal, behind the symlink ``link``."""

    def __init__(self, link: Path, *, plugged: bool = True) -> None:
        self.link = link
        self.master: int | None = None
        self._slave: int | None = None
        self.path = ""
        if plugged:
            self.plug()

    def uri(self, **params: object) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"serial:{self.link}" + (f"?{query}" if query else "")

    def plug(self) -> None:
        """A new pty, and the link pointed at it (atomically, as udev replaces by-id links)."""
        self.master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.path)
        os.replace(tmp, self.link)

    def unplug(self) -> None:
        """Close both ends: the reader gets a hang-up and ``/dev/pts/N`` goes away; the link goes too."""
        master, slave, self.master, self._slave = self.master, self._slave, None, None
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
        self.link.unlink(missing_ok=True)

    def type(self, data: bytes, *, chunks: int = 1, delay: float = 0.0) -> None:
        """Send ``data`` as the scanner would, optionally in ``chunks`` pieces ``delay`` seconds apart."""
        assert self.master is not None, "unplugged"
        size = max(1, -(-len(data) // chunks))
        for i in range(0, len(data), size):
            if i and delay:
                time.sleep(delay)
            view = memoryview(data[i : i + size])
            while view:
                written = os.write(self.master, view)
                view = view[written:]

    def close(self) -> None:
        self.unplug()
