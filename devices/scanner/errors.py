"""Scanner errors: the hardware's own code, a short machine key, words for the visitor and the technician.

Two families, because the kiosk reacts differently: the scanner is *unavailable* (``not_found``,
``disconnected``, ``io_error``: hide the "scan your code" prompt, tell staff) or one reading was
*unreadable* (``overflow``, ``bad_data``: ask the visitor to scan again).

Scanned codes may carry booking numbers, so no message here ever contains the scanned bytes; ``raw`` keeps
at most ``RAW_KEEP`` of them for a debugger or a test, and must never be logged.
"""

from __future__ import annotations

import errno as errno_codes
import os
from typing import Literal

from service_common.i18n import N_, catalog

ErrorKey = Literal["not_found", "disconnected", "io_error", "overflow", "bad_data"]

UNAVAILABLE_KEYS: frozenset[str] = frozenset({"not_found", "disconnected", "io_error"})
UNREADABLE_KEYS: frozenset[str] = frozenset({"overflow", "bad_data"})
RAW_KEEP = 64

#: Words for the person at the kiosk: no jargon, and what to do next (translated in assets/locale).
VISITOR_MESSAGES: dict[str, str] = {
    "unavailable": N_("The scanner is not available right now. Please ask a member of staff."),
    "unreadable": N_(
        "The code could not be read. Please hold it in front of the scanner again and keep it still."
    ),
}

#: What the technician should check first, per key.
TECHNICIAN_HINTS: dict[str, str] = {
    "not_found": "no device at that path: check the URI, the USB cable and that the scanner is in USB serial "
    "(CDC) mode for serial: or keyboard mode for wedge:; prefer stable names from /dev/serial/by-id or "
    "/dev/input/by-id; the driver retries every few seconds by itself",
    "disconnected": "the device went away while in use (unplugged, USB reset, power); the driver reconnects "
    "by itself when it comes back",
    "io_error": "the operating system refused (see errno): EACCES means add the kiosk user to group "
    "dialout (serial) or input (wedge); EBUSY/EAGAIN means another program holds the device (is the "
    "kiosk already running?)",
    "overflow": "too many bytes arrived without the end-of-code suffix: make the scanner's suffix setting "
    "(CR, LF, CRLF or TAB) match suffix= in the URI, or raise max_bytes",
    "bad_data": "bytes that are not a readable code: a line cut off by a pause (no suffix sent, or the "
    "scanner's suffix differs from suffix=), or control characters (wrong baudrate/parity)",
}


def visitor_message(key: str, lang: str) -> str:
    """The visitor's sentence for an error key; English for an unknown language."""
    return catalog(lang).gettext(VISITOR_MESSAGES["unreadable" if key in UNREADABLE_KEYS else "unavailable"])


def errno_name(code: int | None) -> str:
    if code is None:
        return ""
    return errno_codes.errorcode.get(code, str(code))


def _printable_ascii(byte: int) -> bool:
    return 0x20 <= byte < 0x7F


class ScannerError(Exception):
    """A scanner problem; ``key`` says what, ``errno``/``raw`` what the operating system or device said."""

    def __init__(
        self,
        key: ErrorKey,
        detail: str,
        *,
        source: str = "",
        errno: int | None = None,
        raw: bytes = b"",
        length: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.key: ErrorKey = key
        self.detail = detail
        self.source = source
        self.errno = errno
        self.raw = bytes(raw[:RAW_KEEP])  # may hold part of a visitor's code: never log it
        self.length = len(raw) if length is None else length
        self._unprintable = sum(not _printable_ascii(b) for b in raw)

    @property
    def unavailable(self) -> bool:
        """True when the scanner itself is gone or refused; False when only one reading failed."""
        return self.key in UNAVAILABLE_KEYS

    @property
    def code(self) -> str:
        """The hardware's own words without the content: the errno, or how many bytes and how many odd."""
        parts: list[str] = []
        if self.errno is not None:
            parts.append(f"errno={self.errno} ({errno_name(self.errno)})")
        if self.length:
            parts.append(f"{self.length} bytes, {self._unprintable} not printable ASCII")
        return " ".join(parts)

    def visitor_message(self, lang: str) -> str:
        return visitor_message(self.key, lang)

    @property
    def technician_message(self) -> str:
        """One line for logs and the technician screen; never any scanned content."""
        where = f" on {self.source}" if self.source else ""
        code = f" [{self.code}]" if self.code else ""
        return f"{self.key}{where}: {self.detail}{code}. {TECHNICIAN_HINTS[self.key]}"

    def __str__(self) -> str:
        return self.technician_message


def from_os_error(exc: OSError, what: str, *, source: str, lost: bool = False) -> ScannerError:
    """Map an OSError (tty, input device; pyserial wraps them) to a key, keeping its errno.

    ``lost``: the device was open and working, so a missing device means it was unplugged.
    """
    code = exc.errno if isinstance(exc.errno, int) else None
    if code is None and isinstance(exc.__context__, OSError) and isinstance(exc.__context__.errno, int):
        code = exc.__context__.errno  # pyserial re-raises read errors without their errno
    if lost:
        key: ErrorKey = "disconnected"
    elif code in (errno_codes.ENOENT, errno_codes.ENODEV, errno_codes.ENXIO):
        key = "not_found"
    else:
        key = "io_error"
    reason = os.strerror(code) if code is not None else str(exc) or type(exc).__name__
    return ScannerError(key, f"{what}: {reason}", source=source, errno=code)
