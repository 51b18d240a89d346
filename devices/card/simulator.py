"""``sim:``: a card reader in memory for the demo's "insert card" control and for tests.

``reader.insert("visa")`` / ``reader.remove()`` from any thread; events arrive on the simulator's own thread as
from a real reader. The cards are the virtual EMV cards of ``devices.card.virtual.profiles`` (demo PIN ``1234``).
``unplug()`` / ``plug()`` simulate the reader going away and coming back.
"""

from __future__ import annotations

import queue
import threading

from devices.card.base import (
    CardData,
    CardEvent,
    CardInserted,
    CardReader,
    CardReaderStatus,
    CardRemoved,
    CardRemovedError,
    NoCardError,
    NoReaderError,
    OnCardEvent,
    PinResult,
    ReaderBack,
    ReaderInfo,
    ReaderLost,
)
from devices.card.virtual.card import VirtualCard
from devices.card.virtual.profiles import PROFILES, profile
from devices.uri import DeviceURI

SIM_READER = "Simulated Card Reader 00"


class SimulatorCardReader(CardReader):
    """One simulated slot; ``?card=visa`` starts with a card in it."""

    def __init__(self, uri: DeviceURI | None = None) -> None:
        super().__init__()
        self.source = str(uri) if uri is not None else "sim:"
        self.name = SIM_READER
        self.connected = True
        self.card: VirtualCard | None = None
        self._session: object | None = None  # the EMV session of the card last read
        self._events: queue.Queue[CardEvent | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        initial = uri.param("card") if uri is not None else ""
        if initial:
            self.card = VirtualCard(profile(initial))

    # --- demo / test controls ---------------------------------------------------------------------------

    @staticmethod
    def profiles() -> list[str]:
        return list(PROFILES)

    def insert(self, profile_name: str) -> None:
        """Put a card of this profile in the slot (a card already there is removed first)."""
        card = VirtualCard(profile(profile_name))
        with self._lock:
            if self.card is not None:
                self._drop_card()
            self.card = card
        if self.connected:
            self._events.put(CardInserted(self.name, card.atr.hex().upper()))

    def remove(self) -> None:
        with self._lock:
            had = self.card is not None
            self._drop_card()
        if had and self.connected:
            self._events.put(CardRemoved(self.name))

    def unplug(self) -> None:
        with self._lock:
            if not self.connected:
                return
            self.connected = False
            self._release()
        self._events.put(ReaderLost(self.name))

    def plug(self) -> None:
        with self._lock:
            if self.connected:
                return
            self.connected = True
            card = self.card
        self._events.put(ReaderBack(self.name))
        if card is not None:
            self._events.put(CardInserted(self.name, card.atr.hex().upper()))

    def _drop_card(self) -> None:
        if self.card is not None:
            self.card.pulled = True
        self.card = None
        self._release()

    # --- CardReader --------------------------------------------------------------------------------------

    def start(self, on_event: OnCardEvent) -> None:
        super().start(on_event)
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="card-sim", daemon=True)
        self._thread.start()
        if self.card is not None and self.connected:
            self._events.put(CardInserted(self.name, self.card.atr.hex().upper()))

    def stop(self) -> None:
        super().stop()
        self._events.put(None)
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    def _run(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            self._emit(event)

    def readers(self) -> list[ReaderInfo]:
        if not self.connected:
            return []
        card = self.card
        if card is None:
            return [ReaderInfo(self.name, "empty")]
        return [ReaderInfo(self.name, "card", card.atr.hex().upper())]

    def status(self) -> CardReaderStatus:
        readers = tuple(self.readers())
        if not readers:
            return CardReaderStatus(False, self.source, (), "no_reader", detail="simulated reader unplugged",
                                    running=self.running)  # fmt: skip
        return CardReaderStatus(True, self.source, readers, detail="simulated", running=self.running)

    def _card(self) -> VirtualCard:
        if not self.connected:
            raise NoReaderError("", "simulated reader unplugged")
        if self.card is None:
            raise NoCardError("", "no card in the simulated reader")
        return self.card

    def read_card(self, reader: str | None = None) -> CardData:
        from devices.card.emv import EmvSession

        with self._lock:
            if reader and reader.lower() not in self.name.lower():
                raise NoReaderError("", f"no reader matching {reader!r}")
            card = self._card()
            self._release()
            session = EmvSession(card.transport(), now=self.now)
            try:
                data = session.read()
            except CardRemovedError:  # a profile that is pulled out mid-read leaves the slot empty
                if card is self.card:
                    self.card = None
                    self._events.put(CardRemoved(self.name))
                raise
            self._session = session
            return data

    def _current(self) -> object:
        if not self.connected:
            raise NoReaderError("", "simulated reader unplugged")
        if self.card is None or self._session is None:
            raise CardRemovedError("", "no card read, or it was removed since")
        return self._session

    def verify_pin(self, pin: str) -> PinResult:
        from devices.card.emv import EmvSession

        with self._lock:
            session = self._current()
            assert isinstance(session, EmvSession)
            return session.verify_pin(pin)

    def pin_tries_left(self) -> int | None:
        from devices.card.emv import EmvSession

        with self._lock:
            session = self._current()
            assert isinstance(session, EmvSession)
            return session.pin_tries_left()

    def release(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        self._session = None
