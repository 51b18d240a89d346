"""``pcsc:``: a contact chip reader through pcscd (pyscard's low-level ``smartcard.scard``).

The event loop is our own SCardGetStatusChange on a thread, with the PnP pseudo-reader for readers coming and
going. pyscard's CardMonitor dies for good when pcscd restarts; this loop drops its context on any service
error and establishes a new one (every ``retry`` seconds), so a pcscd restart or an unplugged reader heals
without restarting the kiosk. ``read_card`` uses a context of its own (pcsc-lite wants one per thread).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from smartcard import scard as sc

from devices.card.base import (
    CardData,
    CardError,
    CardInserted,
    CardReader,
    CardReaderStatus,
    CardRemoved,
    CardRemovedError,
    MagStripeOnlyError,
    NoCardError,
    NoReaderError,
    OnCardEvent,
    PinResult,
    ReaderBack,
    ReaderBusyError,
    ReaderError,
    ReaderInfo,
    ReaderLost,
    ReaderState,
)
from devices.card.emv import EmvSession
from devices.uri import DeviceURI, DeviceURIError

log = logging.getLogger("devices.card")

PNP = "\\\\?PnP?\\Notification"
WAIT_MS = 500  # the loop's longest sleep in pcscd; stop() also cancels it
_REMOVED = {sc.SCARD_W_REMOVED_CARD, sc.SCARD_E_NO_SMARTCARD, sc.SCARD_W_RESET_CARD}
_MUTE = {sc.SCARD_W_UNRESPONSIVE_CARD, sc.SCARD_W_UNPOWERED_CARD, sc.SCARD_W_UNSUPPORTED_CARD}
_SERVICE = {
    sc.SCARD_E_NO_SERVICE,
    sc.SCARD_E_SERVICE_STOPPED,
    sc.SCARD_F_COMM_ERROR,
    sc.SCARD_E_INVALID_HANDLE,
}


def code(hresult: int) -> str:
    return f"0x{hresult & 0xFFFFFFFF:08X}"


def error_for(hresult: int, doing: str) -> CardError:
    """The CardError for a PC/SC result, with PC/SC's own code."""
    text = f"{doing}: {sc.SCardGetErrorMessage(hresult)}"
    if hresult in _REMOVED:
        return CardRemovedError(code(hresult), text)
    if hresult in _MUTE:
        return MagStripeOnlyError(
            code(hresult), f"{doing}: the chip does not answer (no chip, or a dirty one)"
        )
    if hresult == sc.SCARD_E_SHARING_VIOLATION:
        return ReaderBusyError(code(hresult), text)
    if hresult in _SERVICE or hresult in (sc.SCARD_E_NO_READERS_AVAILABLE, sc.SCARD_E_UNKNOWN_READER,
                                          sc.SCARD_E_READER_UNAVAILABLE):  # fmt: skip
        return NoReaderError(code(hresult), text)
    return ReaderError(code(hresult), text)


def _atr(raw: Any) -> str:
    return bytes(raw or b"").hex().upper()


def _state(event_state: int) -> ReaderState:
    if event_state & (sc.SCARD_STATE_UNAVAILABLE | sc.SCARD_STATE_UNKNOWN):
        return "unavailable"
    if event_state & sc.SCARD_STATE_PRESENT:
        if event_state & sc.SCARD_STATE_MUTE:
            return "mute"
        return "in_use" if event_state & sc.SCARD_STATE_EXCLUSIVE else "card"
    return "empty"


class Context:
    """One PC/SC context, released on exit."""

    def __init__(self) -> None:
        hr, self.handle = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
        if hr != sc.SCARD_S_SUCCESS:
            raise error_for(hr, "connecting to pcscd")

    def readers(self) -> list[str]:
        hr, names = sc.SCardListReaders(self.handle, [])
        if hr == sc.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hr != sc.SCARD_S_SUCCESS:
            raise error_for(hr, "listing readers")
        return list(names)

    def states(self, names: list[str]) -> list[tuple[str, int, Any]]:
        if not names:
            return []
        hr, states = sc.SCardGetStatusChange(self.handle, 0, [(n, sc.SCARD_STATE_UNAWARE) for n in names])
        if hr != sc.SCARD_S_SUCCESS:
            raise error_for(hr, "reading reader states")
        return list(states)

    def release(self) -> None:
        sc.SCardReleaseContext(self.handle)

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class PcscTransport:
    """One connected card; every PC/SC failure becomes a CardError (removed, reader gone, ...)."""

    def __init__(self, context: Context, reader: str) -> None:
        self.context = context
        self.reader = reader
        hr, self.card, self.protocol = sc.SCardConnect(
            context.handle, reader, sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
        )
        if hr != sc.SCARD_S_SUCCESS:
            raise error_for(hr, "connecting to the card")
        self.pci = sc.SCARD_PCI_T0 if self.protocol == sc.SCARD_PROTOCOL_T0 else sc.SCARD_PCI_T1

    def transmit(self, apdu: bytes) -> bytes:
        hr, answer = sc.SCardTransmit(self.card, self.pci, list(apdu))
        if hr != sc.SCARD_S_SUCCESS:
            raise error_for(hr, "talking to the card")
        if not answer and self.gone():  # vpcd (and some readers) answer nothing as the card leaves
            raise CardRemovedError(code(sc.SCARD_W_REMOVED_CARD), "the card was removed")
        return bytes(answer)

    def gone(self, wait_ms: int = 800) -> bool:
        """Whether the card left the reader, waiting up to ``wait_ms`` for pcscd to notice (it polls)."""
        hr, states = sc.SCardGetStatusChange(self.context.handle, 0, [(self.reader, sc.SCARD_STATE_UNAWARE)])
        if hr != sc.SCARD_S_SUCCESS:
            return True
        state = states[0][1] & ~sc.SCARD_STATE_CHANGED
        if not state & sc.SCARD_STATE_PRESENT:
            return True
        hr, states = sc.SCardGetStatusChange(self.context.handle, wait_ms, [(self.reader, state)])
        return hr != sc.SCARD_S_SUCCESS or not states[0][1] & sc.SCARD_STATE_PRESENT

    def close(self) -> None:
        sc.SCardDisconnect(self.card, sc.SCARD_LEAVE_CARD)


@dataclass
class _Slot:
    state: int = sc.SCARD_STATE_UNAWARE
    present: bool = False


class PcscCardReader(CardReader):
    """URI ``pcsc:`` (first reader) or ``pcsc:NAME`` (a reader whose name contains NAME); ``?retry=1`` seconds
    between attempts to reach pcscd again."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__()
        for name in uri.params:
            if name != "retry":
                raise DeviceURIError(f"unknown parameter {name!r} for pcsc:; expected retry")
        self.uri = uri
        self.source = str(uri)
        self.want = uri.target.lower()
        self.retry = uri.float_param("retry", 1.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop_ctx: Context | None = None
        self._slots: dict[str, _Slot] = {}
        self._session: EmvSession | None = None
        self._transport: PcscTransport | None = None
        self.restarts = 0  # contexts re-established after a service error, for tests and status

    def _mine(self, name: str) -> bool:
        return not self.want or self.want in name.lower()

    # --- the event loop ---------------------------------------------------------------------------------

    def start(self, on_event: OnCardEvent) -> None:
        super().start(on_event)
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-pcsc", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        super().stop()
        self._stop.set()
        ctx = self._loop_ctx
        if ctx is not None:
            sc.SCardCancel(ctx.handle)
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self.release()

    def _run(self) -> None:
        pnp = sc.SCARD_STATE_UNAWARE
        first = True
        while not self._stop.is_set():
            if self._loop_ctx is None:
                try:
                    self._loop_ctx = Context()
                except CardError:
                    self._stop.wait(self.retry)
                    continue
                pnp = sc.SCARD_STATE_UNAWARE
            ctx = self._loop_ctx
            try:
                names = [n for n in ctx.readers() if self._mine(n)]
            except CardError as exc:
                self._lose_context(exc.code)
                continue
            self._sync_readers(names, announce=not first)
            first = False
            states = [(n, self._slots[n].state) for n in names] + [(PNP, pnp)]
            hr, new = sc.SCardGetStatusChange(ctx.handle, WAIT_MS, states)
            if hr in (sc.SCARD_E_TIMEOUT, sc.SCARD_E_CANCELLED):
                continue
            if hr == sc.SCARD_E_UNKNOWN_READER:  # a reader left between listing and waiting
                continue
            if hr != sc.SCARD_S_SUCCESS:
                self._lose_context(code(hr))
                continue
            for name, event_state, atr in new:
                if name == PNP:
                    pnp = event_state & ~sc.SCARD_STATE_CHANGED
                    continue
                self._slot_changed(name, event_state, atr)

    def _lose_context(self, why: str) -> None:
        log.warning("card reader: lost pcscd (%s); reconnecting every %.1f s", why, self.retry)
        ctx, self._loop_ctx = self._loop_ctx, None
        if ctx is not None:
            ctx.release()
        self.restarts += 1
        self._sync_readers([], announce=True)
        self._stop.wait(self.retry)

    def _sync_readers(self, names: list[str], announce: bool) -> None:
        for gone in [n for n in self._slots if n not in names]:
            del self._slots[gone]
            self._drop_session(gone)
            self._emit(ReaderLost(gone))
        for new in names:
            if new not in self._slots:
                self._slots[new] = _Slot()
                if announce:
                    self._emit(ReaderBack(new))

    def _slot_changed(self, name: str, event_state: int, atr: Any) -> None:
        slot = self._slots.get(name)
        if slot is None:
            return
        slot.state = event_state & ~sc.SCARD_STATE_CHANGED
        present = bool(event_state & sc.SCARD_STATE_PRESENT)
        if event_state & (sc.SCARD_STATE_UNAVAILABLE | sc.SCARD_STATE_UNKNOWN):
            present = False
        if present and not slot.present:
            slot.present = True
            self._emit(CardInserted(name, _atr(atr)))
        elif not present and slot.present:
            slot.present = False
            self._drop_session(name)
            self._emit(CardRemoved(name))

    def _drop_session(self, name: str) -> None:
        if (
            self._transport is not None
            and self._transport.reader == name
            and self._lock.acquire(timeout=0.05)
        ):
            try:
                self._release()
            finally:
                self._lock.release()

    # --- queries ----------------------------------------------------------------------------------------

    def readers(self) -> list[ReaderInfo]:
        try:
            with Context() as ctx:
                names = [n for n in ctx.readers() if self._mine(n)]
                return [ReaderInfo(n, _state(st), _atr(atr)) for n, st, atr in ctx.states(names)]
        except CardError:
            return []

    def status(self) -> CardReaderStatus:
        try:
            with Context() as ctx:
                names = [n for n in ctx.readers() if self._mine(n)]
                infos = tuple(ReaderInfo(n, _state(st), _atr(atr)) for n, st, atr in ctx.states(names))
        except CardError as exc:
            return CardReaderStatus(False, self.source, (), exc.key, exc.code, exc.message, self.running)
        if not infos:
            return CardReaderStatus(
                False, self.source, (), "no_reader", "", "no reader matches", self.running
            )
        return CardReaderStatus(True, self.source, infos, running=self.running)

    # --- the card conversation --------------------------------------------------------------------------

    def read_card(self, reader: str | None = None) -> CardData:
        with self._lock:
            self._release()
            ctx = Context()
            try:
                name = self._pick(ctx, reader)
                transport = PcscTransport(ctx, name)
            except BaseException:
                ctx.release()
                raise
            self._transport = transport
            session = EmvSession(transport, now=self.now)
            try:
                data = session.read()
            except BaseException:
                self._release()
                raise
            self._session = session
            return data

    def _pick(self, ctx: Context, reader: str | None) -> str:
        want = (reader or "").lower()
        names = [n for n in ctx.readers() if self._mine(n) and want in n.lower()]
        if not names:
            raise NoReaderError("", f"no reader matching {reader or self.want or 'any'!r}")
        with_card = [n for n, st, _ in ctx.states(names) if st & sc.SCARD_STATE_PRESENT]
        if not with_card:
            raise NoCardError("", "no card in the reader")
        return with_card[0]

    def _current(self) -> EmvSession:
        if self._session is None:
            raise CardRemovedError("", "no card read, or it was removed since")
        return self._session

    def verify_pin(self, pin: str) -> PinResult:
        with self._lock:
            return self._current().verify_pin(pin)

    def pin_tries_left(self) -> int | None:
        with self._lock:
            return self._current().pin_tries_left()

    def release(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        transport, self._transport, self._session = self._transport, None, None
        if transport is not None:
            transport.close()
            transport.context.release()
