"""The transport under a receipt printer: open, write with a deadline, read with a deadline, close.

Why not python-escpos's printer classes: their network default is a 60 s timeout, their serial writes have
no write timeout (a stalled printer blocks the kiosk forever) and their reads cannot tell "no answer" from
"paper OK". Connections here never block longer than the timeout they are given and raise ``PrinterError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from devices.uri import DeviceURI


class Connection(ABC):
    """One printer link; opened for each job or status reading and closed after it."""

    #: Whether the printer can answer status queries over this link. When False, status is "unknown".
    can_read: bool = True

    def __init__(self, uri: DeviceURI) -> None:
        self.uri = uri

    @property
    def name(self) -> str:
        return str(self.uri)

    @abstractmethod
    def open(self, timeout: float) -> None:
        """Connect; raises PrinterError (not_found, timeout, io_error) within ``timeout``."""

    @abstractmethod
    def close(self) -> None:
        """Release the device; never raises."""

    @abstractmethod
    def write(self, data: bytes, timeout: float) -> None:
        """Send all of ``data`` within ``timeout`` seconds or raise PrinterError("timeout")."""

    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes; ``b""`` when nothing arrived within ``timeout``."""
        return b""

    def discard_input(self) -> None:  # noqa: B027  (optional: links that cannot read have nothing to drop)
        """Drop stale bytes (late or unsolicited answers) before a new query."""

    def begin_job(self) -> None:  # noqa: B027  (a hook: only the simulator needs job boundaries)
        """Called before a job's bytes are written."""

    def end_job(self) -> None:  # noqa: B027
        """Called after a job's bytes were all written."""

    def min_bytes_per_second(self) -> float:
        """The slowest rate a healthy link drains at: stretches the write deadline of large jobs."""
        return 50_000.0
