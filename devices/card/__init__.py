"""Chip card readers: read a bank card's EMV application and verify its PIN, for identification.

The kiosk gets its reader from the configured URI (``devices.card_reader``)::

    reader = open_card_reader(config.devices.card_reader)   # DeviceURIError for a bad URI; touches no device
    reader.start(on_event=lambda ev: post(lambda: screen.on_card_event(ev)))   # CardInserted/Removed, ReaderLost/Back
    card = reader.read_card()            # blocking, on a worker; CardError subclasses with the card's own code
    result = reader.verify_pin("1234")   # PinResult(ok, tries_left, blocked); the PIN is never kept or logged
    token = card.token(key)              # what goes to central instead of the number
    lang = preferred_language(card.lang_pref, config.languages)     # 5F2D: the kiosk's language, or None
    visitor_message(error.key, lang)     # a CardError in plain words
    card.wipe(); reader.release()        # when the session ends
    reader.stop()

URIs::

    pcsc:                      pcsc:auto       the first reader PC/SC knows
    pcsc:Virtual PCD 00 00     a reader whose name contains this text (case-insensitive)
    sim:                       sim:?card=visa  in memory (demo, tests); ``insert(profile)``/``remove()``

Events run on the reader's own thread. Demo cards: ``devices.card.virtual.profiles`` (PIN 1234). The full card
number exists only inside ``CardData`` (never in its repr, logs, errors or pickles).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from devices import uri as uris
from devices.card.base import (
    DEMO_TOKEN_KEY,
    CardData,
    CardError,
    CardEvent,
    CardInserted,
    CardReader,
    CardReaderStatus,
    CardRemoved,
    CardRemovedError,
    ErrorKey,
    MagStripeOnlyError,
    NoCardError,
    NoReaderError,
    NotSupportedError,
    OnCardEvent,
    PinResult,
    ReaderBack,
    ReaderBusyError,
    ReaderError,
    ReaderInfo,
    ReaderLost,
    UnreadableCardError,
    mask_pan,
    preferred_language,
)
from devices.card.errors import TECHNICIAN_HINTS, visitor_message
from devices.card.simulator import SimulatorCardReader

__all__ = [
    "DEMO_TOKEN_KEY",
    "TECHNICIAN_HINTS",
    "CardData",
    "CardError",
    "CardEvent",
    "CardInserted",
    "CardReader",
    "CardReaderStatus",
    "CardRemoved",
    "CardRemovedError",
    "ErrorKey",
    "MagStripeOnlyError",
    "NoCardError",
    "NoReaderError",
    "NotSupportedError",
    "OnCardEvent",
    "PinResult",
    "ReaderBack",
    "ReaderBusyError",
    "ReaderError",
    "ReaderInfo",
    "ReaderLost",
    "SimulatorCardReader",
    "UnreadableCardError",
    "mask_pan",
    "open_card_reader",
    "preferred_language",
    "visitor_message",
]


def open_card_reader(uri: str, now: Callable[[], datetime] | None = None) -> CardReader:
    """The reader a URI names. Raises ``DeviceURIError`` for a bad URI; opens nothing until ``start`` or
    ``read_card`` (so a reader plugged in later, or pcscd started later, simply starts working).

    ``now`` is the kiosk's clock, which dates what the card is told (the machine's local time without it).
    """
    reader = _open(uri)
    if now is not None:
        reader.now = now
    return reader


def _open(uri: str) -> CardReader:
    parsed = uris.parse(uri, uris.CARD_READER_SCHEMES)
    if parsed.scheme == "pcsc":
        try:
            from devices.card.pcsc import PcscCardReader
        except ImportError:
            raise uris.DeviceURIError(
                "pcsc: needs pyscard (pip extra 'pcsc'; builds with libpcsclite-dev)"
            ) from None

        return PcscCardReader(parsed)
    return SimulatorCardReader(parsed)
