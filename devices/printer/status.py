"""Printer status from Epson real-time queries (DLE EOT 1, 2, 4), parsed strictly.

Why strictly: python-escpos reads a silent printer as "paper OK". Here a missing answer is ``no_answer``
and a byte without Epson's fixed bits (bits 1 and 4 set, bits 0 and 7 clear) is ``bad_answer``: both mean
"we do not know", which must never look like a healthy printer.

DLE EOT 1 (printer): bit 3 offline.  DLE EOT 2 (offline cause): bit 2 cover open, bit 3 feed button,
bit 5 stopped by paper end, bit 6 error.  DLE EOT 4 (roll paper sensor): bits 2-3 near end, bits 5-6 out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from devices.printer.errors import ErrorKey, Phase, PrinterError, errno_name, make_error

State = Literal["ok", "needs_attention", "unavailable", "unknown"]
Paper = Literal["ok", "near_end", "out", "unknown"]

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 4)  # printer status, offline cause, roll paper sensor
FIXED_MASK, FIXED_VALUE = 0x93, 0x12


def query_bytes(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def well_formed(answer: int) -> bool:
    """Epson status bytes always have bits 1 and 4 set and bits 0 and 7 clear."""
    return answer & FIXED_MASK == FIXED_VALUE


@dataclass(frozen=True)
class PrinterStatus:
    """One reading of the printer. ``state`` is what the kiosk acts on; the rest is for the technician."""

    state: State
    online: bool | None = None
    paper: Paper = "unknown"
    cover_open: bool | None = None
    problems: tuple[ErrorKey, ...] = ()
    raw: Mapping[int, int | None] = field(default_factory=dict)
    detail: str = ""
    errno: int | None = None  # when the operating system, not the printer, answered

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    @property
    def key(self) -> ErrorKey | None:
        """The first problem, the one to report."""
        return self.problems[0] if self.problems else None

    @property
    def raw_text(self) -> str:
        """The hardware's own words, as PrinterError.code writes them: ``EOT1=0x1A ...`` or an errno."""
        parts = [f"EOT{n}={'none' if b is None else f'0x{b:02X}'}" for n, b in sorted(self.raw.items())]
        if self.errno is not None:
            parts.append(f"errno={self.errno} ({errno_name(self.errno)})")
        return " ".join(parts)

    def error(self, *, uri: str = "", phase: Phase = "status", job_sent: bool = False) -> PrinterError | None:
        """The exception this reading stands for, or None when printing may go ahead."""
        if self.key is None:
            return None
        return make_error(
            self.key,
            self.detail or self.key,
            uri=uri,
            raw=self.raw,
            errno=self.errno,
            phase=phase,
            job_sent=job_sent,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "online": self.online,
            "paper": self.paper,
            "cover_open": self.cover_open,
            "problems": list(self.problems),
            "raw": {str(n): (None if b is None else f"0x{b:02X}") for n, b in sorted(self.raw.items())},
            "detail": self.detail,
            "errno": self.errno,
        }


def unknown(detail: str) -> PrinterStatus:
    """For drivers that cannot read back (file, USB without an IN endpoint): explicitly not "OK"."""
    return PrinterStatus(state="unknown", detail=detail)


def unavailable(
    key: ErrorKey, detail: str, raw: Mapping[int, int | None] | None = None, errno: int | None = None
) -> PrinterStatus:
    return PrinterStatus(
        state="unavailable", problems=(key,), raw=dict(raw or {}), detail=detail, errno=errno
    )


def parse(answers: Mapping[int, int | None]) -> PrinterStatus:
    """Turn the answers to DLE EOT 1/2/4 (None where nothing came back) into a status.

    A query that was not asked is simply absent; one that was asked and got nothing is None.
    """
    raw = dict(answers)
    for n, b in sorted(raw.items()):
        if b is None:
            return unavailable("no_answer", f"no answer to DLE EOT {n}", raw)
        if not well_formed(b):
            return unavailable(
                "bad_answer", f"DLE EOT {n} answered 0x{b:02X} (not an Epson status byte)", raw
            )
    s1, s2, s4 = raw.get(1), raw.get(2), raw.get(4)
    online = None if s1 is None else not s1 & 0x08
    cover = None if s2 is None else bool(s2 & 0x04)
    paper: Paper = "unknown"
    if s4 is not None:
        paper = "out" if s4 & 0x60 else "near_end" if s4 & 0x0C else "ok"
    if s2 is not None and s2 & 0x20:
        paper = "out"  # printing stopped by paper end: believe it even if the sensor byte looks fine
    problems: list[ErrorKey] = []
    notes: list[str] = []
    if paper == "out":
        problems.append("paper_out")
        notes.append("paper out")
    if cover:
        problems.append("cover_open")
        notes.append("cover open")
    if s2 is not None and s2 & 0x40 and not problems:
        problems.append("printer_error")
        notes.append("error occurred")
    if online is False and not problems:
        problems.append("offline")
        notes.append("feeding by button" if s2 is not None and s2 & 0x08 else "offline")
    if paper == "near_end":
        notes.append("paper near end")
    return PrinterStatus(
        state="needs_attention" if problems else "ok",
        online=online,
        paper=paper,
        cover_open=cover,
        problems=tuple(problems),
        raw=raw,
        detail=", ".join(notes) or "ready",
    )
