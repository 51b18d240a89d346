"""Printing into a file or a character device (``file:/dev/usb/lp0``, ``file:/var/lib/kiosk/out.bin``).

No read-back: status is always "unknown", never "OK". Writes are non-blocking with a deadline, so a device
node whose printer stopped taking data cannot hang the kiosk. A missing path under /dev is "not_found"
(an unplugged printer), never a new regular file in /dev.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import time

from devices.printer.connection import Connection
from devices.printer.errors import from_os_error, make_error
from devices.uri import DeviceURI


class WriteOnlyPort(Connection):
    """Writes to a path with a deadline; shared by ``file:`` and the USB fallback through usblp."""

    can_read = False

    def __init__(self, uri: DeviceURI, path: str) -> None:
        super().__init__(uri)
        self.path = path
        self._fd: int | None = None

    def open(self, timeout: float) -> None:
        self.close()
        flags = os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        if not self.path.startswith("/dev/"):
            flags |= os.O_CREAT
        try:
            self._fd = os.open(self.path, flags, 0o640)
        except OSError as exc:
            raise from_os_error(exc, f"open {self.path}", uri=self.name, phase="open") from None

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def write(self, data: bytes, timeout: float) -> None:
        if self._fd is None:
            raise make_error("io_error", "file is not open", uri=self.name, phase="sending")
        fd, view, deadline = self._fd, memoryview(data), time.monotonic() + timeout
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise make_error(
                    "timeout", f"{len(view)} of {len(data)} bytes not accepted within {timeout:g} s",
                    uri=self.name, phase="sending",
                )  # fmt: skip
            _, ready, _ = select.select([], [fd], [], remaining)
            if not ready:
                continue
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise from_os_error(exc, f"write {self.path}", uri=self.name, phase="sending") from None


class FileConnection(WriteOnlyPort):
    """``file:PATH``: every job is appended to the file (or sent to the device node)."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri, uri.target)
