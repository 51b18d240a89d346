"""Printer errors: the hardware's own code, a short machine key, words for the visitor and the technician.

Two families, because the kiosk reacts differently: ``PrinterUnavailable`` (nothing answers: cable,
power, network, wrong port or baud rate) and ``PrinterNeedsAttention`` (the printer answers and says what a
person must fix: paper, cover). Both say whether job bytes had been sent, so the caller knows whether to
void or reprint.
"""

from __future__ import annotations

import errno as errno_codes
from collections.abc import Mapping
from typing import Literal

from service_common.i18n import N_, catalog

ErrorKey = Literal[
    "paper_out",
    "cover_open",
    "offline",
    "printer_error",
    "no_answer",
    "bad_answer",
    "timeout",
    "io_error",
    "not_found",
]
Phase = Literal["open", "before", "sending", "after", "status"]

NEEDS_ATTENTION_KEYS: frozenset[str] = frozenset({"paper_out", "cover_open", "offline", "printer_error"})
UNAVAILABLE_KEYS: frozenset[str] = frozenset({"no_answer", "bad_answer", "timeout", "io_error", "not_found"})

#: Words for the person at the kiosk: no jargon, and always who can help. English msgids, translated
#: in the gettext catalogs (assets/locale), so ``scripts/i18n.py check`` sees a missing translation.
VISITOR_MESSAGES: dict[str, str] = {
    "paper_out": N_("The printer has run out of paper. Please ask a member of staff."),
    "cover_open": N_("The printer cover is open. Please ask a member of staff."),
    "not_ready": N_("The printer is not ready. Please ask a member of staff."),
    "unavailable": N_("The printer is not available right now. Please ask a member of staff."),
}
#: Words for center staff on the kiosk: what to do with their own hands; the raw codes stay in the log.
STAFF_MESSAGES: dict[str, str] = {
    "paper_out": N_("The printer is out of paper: load a new roll, then print again."),
    "cover_open": N_("The printer cover is open: close it, then print again."),
    "not_ready": N_(
        "The printer is not ready: check the lights on its panel, or switch it off and on. "
        "The details are in the kiosk log."
    ),
    "unavailable": N_(
        "The printer does not answer: check its power and cable. The details are in the kiosk log."
    ),
}
_VISITOR_GROUP = {
    "paper_out": "paper_out",
    "cover_open": "cover_open",
    "offline": "not_ready",
    "printer_error": "not_ready",
}

#: What the technician should check first, per key.
TECHNICIAN_HINTS: dict[str, str] = {
    "paper_out": "paper roll end detected: load a new roll",
    "cover_open": "cover open: close the printer cover",
    "offline": "printer reports offline: check the panel (feed button held, recovering from an error)",
    "printer_error": "printer reports an error (DLE EOT 2 bit 6): cutter jam, head temperature or "
    "mechanism; power-cycle if it does not clear",
    "no_answer": "no answer to a status query: power, cable, port; on serial also baud rate and "
    "flow control; a driver without read-back cannot answer at all",
    "bad_answer": "the answer is not an Epson status byte: wrong baud rate/parity, another device on "
    "the port, or a printer that does not implement DLE EOT",
    "timeout": "the printer stopped accepting data in time (stalled, buffer full, flow control held)",
    "io_error": "the operating system refused the operation (see errno)",
    "not_found": "no device at that address: check the URI, the cable and that the printer is on",
}


def visitor_message(key: str, lang: str) -> str:
    """The visitor's sentence for an error key; English for an unknown language."""
    return catalog(lang).gettext(VISITOR_MESSAGES[_VISITOR_GROUP.get(key, "unavailable")])


def staff_message(key: str, lang: str) -> str:
    """Staff's sentence for an error key: what to fix, in their language, without hardware codes."""
    return catalog(lang).gettext(STAFF_MESSAGES[_VISITOR_GROUP.get(key, "unavailable")])


def errno_name(code: int | None) -> str:
    if code is None:
        return ""
    return errno_codes.errorcode.get(code, str(code))


class PrinterError(Exception):
    """A print job or status query failed; ``key`` says how, ``raw``/``errno`` what the hardware said."""

    def __init__(
        self,
        key: ErrorKey,
        detail: str,
        *,
        uri: str = "",
        raw: Mapping[int, int | None] | None = None,
        errno: int | None = None,
        phase: Phase = "status",
        job_sent: bool = False,
    ) -> None:
        super().__init__(detail)
        self.key: ErrorKey = key
        self.detail = detail
        self.uri = uri
        self.raw: dict[int, int | None] = dict(raw or {})
        self.errno = errno
        self.phase: Phase = phase
        self.job_sent = job_sent

    @property
    def code(self) -> str:
        """The hardware's own words: raw DLE EOT answers and/or the errno, e.g. ``EOT4=0x72``."""
        parts = [f"EOT{n}={'none' if b is None else f'0x{b:02X}'}" for n, b in sorted(self.raw.items())]
        if self.errno is not None:
            parts.append(f"errno={self.errno} ({errno_name(self.errno)})")
        return " ".join(parts)

    def visitor_message(self, lang: str) -> str:
        return visitor_message(self.key, lang)

    def staff_message(self, lang: str) -> str:
        return staff_message(self.key, lang)

    @property
    def technician_message(self) -> str:
        """One line for logs and the technician screen; never any receipt content."""
        where = f" on {self.uri}" if self.uri else ""
        sent = " (job bytes were sent: void or reprint)" if self.job_sent else ""
        code = f" [{self.code}]" if self.code else ""
        return (
            f"{self.key}{where} while {self.phase}: {self.detail}{code}{sent}. {TECHNICIAN_HINTS[self.key]}"
        )

    def __str__(self) -> str:
        return self.technician_message


class PrinterUnavailable(PrinterError):
    """Nothing usable answered: no answer, garbage, timeout, I/O error or no such device."""


class PrinterNeedsAttention(PrinterError):
    """The printer answered and needs a person: paper out, cover open, offline, mechanical error."""


def make_error(
    key: ErrorKey,
    detail: str,
    *,
    uri: str = "",
    raw: Mapping[int, int | None] | None = None,
    errno: int | None = None,
    phase: Phase = "status",
    job_sent: bool = False,
) -> PrinterError:
    """The right subclass for a key, so callers can ``except PrinterNeedsAttention``."""
    cls = PrinterNeedsAttention if key in NEEDS_ATTENTION_KEYS else PrinterUnavailable
    return cls(key, detail, uri=uri, raw=raw, errno=errno, phase=phase, job_sent=job_sent)


def from_os_error(exc: OSError, what: str, *, uri: str, phase: Phase, job_sent: bool = False) -> PrinterError:
    """Map an OSError (socket, tty, file, USB) to a key, keeping its errno."""
    code = exc.errno
    if isinstance(exc, TimeoutError) or code in (errno_codes.ETIMEDOUT, errno_codes.EAGAIN):
        key: ErrorKey = "timeout"
    elif code in (
        errno_codes.ENOENT,
        errno_codes.ENODEV,
        errno_codes.ENXIO,
        errno_codes.ECONNREFUSED,
        errno_codes.EHOSTUNREACH,
        errno_codes.ENETUNREACH,
        errno_codes.EHOSTDOWN,
    ):
        key = "not_found"
    else:
        key = "io_error"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return make_error(key, f"{what}: {reason}", uri=uri, errno=code, phase=phase, job_sent=job_sent)
