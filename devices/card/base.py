"""The card reader interface: events, the data read from a card, PIN results and errors.

Threading: ``on_event`` runs on the reader's own thread (the kiosk wraps it with its ``post`` so screens act
on the UI thread). ``read_card`` and ``verify_pin`` block on the card: callers run them on a worker.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NoReturn

# The demo key lives in service_common so central's demo core bank makes the same tokens.
from service_common.card_token import DEMO_TOKEN_KEY as DEMO_TOKEN_KEY
from service_common.card_token import card_token

# --- events -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted:
    reader: str
    atr: str  # hex, upper case


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class ReaderLost:
    """The reader (or pcscd itself) went away; a card session in it is over."""

    reader: str


@dataclass(frozen=True)
class ReaderBack:
    reader: str


CardEvent = CardInserted | CardRemoved | ReaderLost | ReaderBack
OnCardEvent = Callable[[CardEvent], None]


# --- errors -------------------------------------------------------------------------------------------------

ErrorKey = Literal[
    "no_reader",
    "no_card",
    "removed",
    "mag_stripe_only",
    "unreadable",
    "not_supported",
    "busy",
    "reader_error",
]


class CardError(Exception):
    """A card could not be read. ``code`` is the card's or the hardware's own (``6A82``, ``0x80100069``);
    ``key`` picks the visitor's plain message. Never carries card data or a PIN."""

    key: ErrorKey = "unreadable"

    def __init__(self, code: str = "", message: str = "") -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.key}: {self.message or self.key}{code}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message))


class NoReaderError(CardError):
    key: ErrorKey = "no_reader"


class NoCardError(CardError):
    key: ErrorKey = "no_card"


class CardRemovedError(CardError):
    key: ErrorKey = "removed"


class MagStripeOnlyError(CardError):
    key: ErrorKey = "mag_stripe_only"


class UnreadableCardError(CardError):
    key: ErrorKey = "unreadable"


class NotSupportedError(CardError):
    """The card does not offer what was asked (e.g. offline plaintext PIN)."""

    key: ErrorKey = "not_supported"


class ReaderBusyError(CardError):
    key: ErrorKey = "busy"


class ReaderError(CardError):
    key: ErrorKey = "reader_error"


# --- what is read -------------------------------------------------------------------------------------------


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits (PCI DSS), the middle as ``*``."""
    if len(pan) < 11:
        return "*" * len(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


@dataclass(eq=False)
class CardData:
    """One card as read. The full number stays in ``_pan`` (never in repr/str/pickle/logs); ``wipe`` clears
    it once the session ends. ``token`` is what the kiosk sends instead of the number."""

    pan_masked: str
    expiry: str  # YYYY-MM
    label: str
    aid: str  # hex
    name: str = field(default="", repr=False)  # the cardholder's name: personal data, kept out of logs
    lang_pref: list[str] = field(default_factory=list)
    pin_cvm: bool = False

    def __post_init__(self) -> None:
        # Not a dataclass field, so dataclasses.asdict/astuple/fields never reach it either.
        self._pan = bytearray()

    @classmethod
    def from_pan(cls, pan: str, **fields: Any) -> CardData:
        data = cls(pan_masked=mask_pan(pan), **fields)
        data._pan = bytearray(pan.encode("ascii"))
        return data

    def token(self, key: bytes) -> str:
        """HMAC-SHA256 of the card number, hex: how central knows the card without its number."""
        if not self._pan:
            raise ValueError("card data wiped")
        return card_token(key, self._pan)

    @property
    def wiped(self) -> bool:
        return not self._pan

    def wipe(self) -> None:
        for i in range(len(self._pan)):
            self._pan[i] = 0
        self._pan.clear()

    def public(self) -> dict[str, Any]:
        """What may be shown or printed: never the full number."""
        return {
            "pan_masked": self.pan_masked,
            "expiry": self.expiry,
            "label": self.label,
            "aid": self.aid,
            "name": self.name,
            "lang_pref": list(self.lang_pref),
            "pin_cvm": self.pin_cvm,
        }

    def __reduce__(self) -> NoReturn:
        raise TypeError("CardData holds a card number and is never pickled")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("CardData holds a card number and is never copied")


def preferred_language(lang_pref: list[str], available: list[str] | tuple[str, ...]) -> str | None:
    """The first of the card's ISO 639-1 codes (5F2D, in the card's order) that the kiosk speaks, as the
    kiosk's own tag (``zh`` → ``zh-Hant``); None when none matches."""
    for code in lang_pref:
        for tag in available:
            if tag.lower().split("-")[0] == code.lower():
                return tag
    return None


@dataclass(frozen=True)
class PinResult:
    ok: bool
    tries_left: int | None
    blocked: bool


# --- readers ------------------------------------------------------------------------------------------------

ReaderState = Literal["empty", "card", "mute", "in_use", "unavailable"]


@dataclass(frozen=True)
class ReaderInfo:
    """One slot as the reader reports it, for ``kiosk devices list``."""

    name: str
    state: ReaderState
    atr: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "atr": self.atr}


@dataclass(frozen=True)
class CardReaderStatus:
    """``ok``: a reader is there (a card may or may not be). ``code`` is PC/SC's own for the technician."""

    ok: bool
    source: str
    readers: tuple[ReaderInfo, ...] = ()
    key: ErrorKey | None = None
    code: str = ""
    detail: str = ""
    running: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "readers": [r.to_dict() for r in self.readers],
            "key": self.key,
            "code": self.code,
            "detail": self.detail,
            "running": self.running,
        }


def _local_now() -> datetime:
    """The machine's local time: what a terminal with no clock of ours would give the card."""
    return datetime.now().astimezone()


class CardReader(ABC):
    """A card reader: ``start`` watches readers and cards until ``stop``; ``read_card`` reads the card in it.

    After ``read_card`` the card stays connected for ``verify_pin`` until it is removed or ``release`` is
    called; a new ``read_card`` starts over.
    """

    source: str = ""

    def __init__(self) -> None:
        self._on_event: OnCardEvent | None = None
        self._lock = threading.RLock()  # one card conversation at a time
        # The terminal's date and time the card is given (EMV 9A/9F21): the kiosk's clock once set.
        self.now: Callable[[], datetime] = _local_now

    @property
    def running(self) -> bool:
        return self._on_event is not None

    def start(self, on_event: OnCardEvent) -> None:
        self._on_event = on_event

    def stop(self) -> None:
        self._on_event = None

    def _emit(self, event: CardEvent) -> None:
        callback = self._on_event
        if callback is None:
            return
        try:
            callback(event)
        except Exception:  # a broken listener must not kill the reader thread
            import logging

            logging.getLogger("devices.card").exception(
                "card event listener failed on %s", type(event).__name__
            )

    @abstractmethod
    def readers(self) -> list[ReaderInfo]:
        """The slots there are now; [] when none (never raises for a missing service)."""

    @abstractmethod
    def status(self) -> CardReaderStatus:
        """Never raises for device trouble."""

    @abstractmethod
    def read_card(self, reader: str | None = None) -> CardData:
        """Read the card in ``reader`` (a name substring; default: the configured one, else the first with a
        card). Blocking; raises ``CardError`` subclasses."""

    @abstractmethod
    def verify_pin(self, pin: str) -> PinResult:
        """VERIFY with a plaintext PIN block on the card last read. Raises ``CardError`` (``not_supported``
        when the card's CVM list does not allow offline plaintext PIN)."""

    @abstractmethod
    def pin_tries_left(self) -> int | None:
        """GET DATA 9F17 on the card last read; None when the card does not say."""

    @abstractmethod
    def release(self) -> None:
        """Forget the card conversation (the session ended); the card may stay in the slot."""
