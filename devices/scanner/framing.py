"""From a byte stream to codes: end-of-code suffix, inter-character timeout, size limit, decoding, AIM ids.

Why a timeout: a scanner sends one code in one burst. Bytes left without a suffix after a pause (line
noise, a half-sent code at unplug, a scanner configured without a suffix) must be thrown away, or they would
be glued to the front of the next visitor's code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from devices.uri import DeviceURIError

Suffix = Literal["auto", "CR", "LF", "CRLF", "TAB"]
SUFFIXES: dict[str, bytes] = {
    "auto": rb"\r\n|\r|\n",  # what most scanners send out of the box; an LF after CR ends an empty line
    "CR": rb"\r",
    "LF": rb"\n",
    "CRLF": rb"\r\n",
    "TAB": rb"\t",
}
_STRIP = b"\r\n\x02\x03"  # a stray CR/LF of another suffix style; STX/ETX framing some scanners add

# Control characters a code may legitimately hold: TAB, EOT and FS/GS/RS/US (GS1 and ISO/IEC 15434 use
# GS as FNC1 and RS/EOT as envelope). Anything else in C0, DEL or C1 means line noise or a wrong baud rate.
_ALLOWED_CONTROLS = frozenset("\t\x04\x1c\x1d\x1e\x1f")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: AIM symbology identifiers (ISO/IEC 15424): ``]`` + code letter + modifier, sent before the data.
AIM_NAMES: dict[str, str] = {
    "A": "Code39",
    "C": "Code128",
    "d": "DataMatrix",
    "E": "EAN/UPC",
    "e": "GS1 DataBar",
    "F": "Codabar",
    "G": "Code93",
    "I": "ITF",
    "L": "PDF417",
    "Q": "QR",
    "z": "Aztec",
}
_AIM_EXACT = {"E0": "EAN-13", "E4": "EAN-8", "C1": "GS1-128", "d2": "GS1 DataMatrix", "Q3": "GS1 QR"}
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")


def parse_suffix(value: str) -> Suffix:
    name = value.upper() if value.lower() != "auto" else "auto"
    if name not in SUFFIXES:
        raise DeviceURIError(f"suffix={value!r}: expected CR, LF, CRLF, TAB or auto")
    return name  # type: ignore[return-value]


@dataclass(frozen=True)
class Line:
    """The bytes of one code, suffix removed, and when its suffix arrived (monotonic)."""

    data: bytes
    at: float


@dataclass(frozen=True)
class Dropped:
    """Bytes thrown away: ``overflow`` (too long without a suffix) or ``partial`` (a pause, no suffix)."""

    reason: Literal["overflow", "partial"]
    data: bytes  # the first bytes only, at most max_bytes
    length: int


Event = Line | Dropped


class LineFramer:
    """Cuts a byte stream into codes. Not thread-safe: one reader thread feeds it."""

    def __init__(self, suffix: Suffix = "auto", *, char_timeout: float = 0.3, max_bytes: int = 4096) -> None:
        self.suffix = suffix
        self._split = re.compile(SUFFIXES[suffix])
        self.char_timeout = char_timeout
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._last = 0.0
        self._skipping = 0  # bytes discarded since an overflow, until the next suffix

    def feed(self, data: bytes, now: float) -> list[Event]:
        """Add bytes that arrived at ``now``; returns the codes they completed and anything dropped."""
        events: list[Event] = []
        expired = self.expire(now)
        if expired is not None:
            events.append(expired)
        if not data:
            return events
        self._last = now
        self._buf += data
        while True:
            match = self._split.search(self._buf)
            if match is None:
                break
            head = bytes(self._buf[: match.start()])
            del self._buf[: match.end()]
            if self._skipping:
                self._skipping = 0  # the tail of an oversized code: its suffix ends the discarding
                continue
            payload = head.strip(_STRIP)
            if len(payload) > self.max_bytes:  # arrived in one read, suffix and all
                events.append(Dropped("overflow", payload[: self.max_bytes], len(payload)))
            elif payload:
                events.append(Line(payload, now))
        if len(self._buf) > self.max_bytes or (self._skipping and self._buf):
            if not self._skipping:
                events.append(Dropped("overflow", bytes(self._buf[: self.max_bytes]), len(self._buf)))
            self._skipping += len(self._buf)
            self._buf.clear()
            # A CRLF suffix split across reads could leave its CR here; it is gone with the rest.
        return events

    def expire(self, now: float) -> Dropped | None:
        """Drop a partial code once no byte came for ``char_timeout``; call it after every empty read."""
        if now - self._last < self.char_timeout:
            return None
        if self._skipping:
            self._skipping = 0
            return None
        if not self._buf:
            return None
        data = bytes(self._buf)
        self._buf.clear()
        if not data.strip(_STRIP):
            return None  # just the LF of a CRLF when only CR was configured
        return Dropped("partial", data, len(data))

    @property
    def pending(self) -> int:
        return len(self._buf)


def decode(data: bytes) -> str:
    """UTF-8, which scanners send for QR codes made today; latin-1 for older ones that cannot."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def bad_controls(text: str) -> int:
    """How many control characters no barcode payload carries (noise, wrong baud rate)."""
    return sum(1 for ch in _CONTROL.findall(text) if ch not in _ALLOWED_CONTROLS)


def split_aim(text: str) -> tuple[str | None, str]:
    """``]Q1https://...`` -> ("QR", "https://..."); text without an AIM id comes back unchanged."""
    if not _AIM.match(text):
        return None, text
    ident = text[1:3]
    name = _AIM_EXACT.get(ident) or AIM_NAMES.get(ident[0]) or f"]{ident}"
    return name, text[3:]
