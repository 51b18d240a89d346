"""The scanner interface and the machinery every driver shares: a reader thread that reconnects by itself,
framing, decoding, de-duplication and callbacks that never kill the thread.

Threading: ``on_scan`` and ``on_error`` run on the scanner's own reader thread, one at a time and in order.
The kiosk wraps them with its ``post`` so the UI acts on the UI thread. ``start``/``stop``/``status`` may be
called from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from devices.scanner.errors import ErrorKey, ScannerError, errno_name
from devices.scanner.framing import Dropped, Line, LineFramer, bad_controls, decode, parse_suffix, split_aim
from devices.uri import DeviceURI, DeviceURIError

log = logging.getLogger("devices.scanner")

State = Literal["connecting", "connected", "not_found", "error", "unknown"]
STOP_WAIT = 1.0  # seconds stop() waits for the reader thread; reads time out every READ_SLICE
READ_SLICE = 0.1

#: URI parameters every driver takes, with their defaults.
COMMON_PARAMS = ("dedupe_ms", "suffix", "aim", "char_timeout_ms", "max_bytes", "retry")


@dataclass(frozen=True)
class Scan:
    """One code as read. ``at`` is ``time.monotonic()`` when its last byte arrived; ``source`` the device."""

    text: str
    symbology: str | None
    at: float
    source: str


@dataclass(frozen=True)
class ScannerStatus:
    """One reading of the scanner; ``state`` is what the kiosk acts on, the rest is for the technician.

    ``unknown``: the driver cannot tell whether a scanner is there (keystrokes through the app window).
    """

    state: State
    source: str
    key: ErrorKey | None = None
    detail: str = ""
    errno: int | None = None
    running: bool = False
    scans: int = 0
    grabbed: bool | None = None  # wedge on an input device: whether keystrokes are kept from the desktop

    @property
    def ok(self) -> bool:
        """Scans can arrive (or, for ``unknown``, nothing says they cannot)."""
        return self.state in ("connected", "unknown")

    @property
    def code(self) -> str:
        return "" if self.errno is None else f"errno={self.errno} ({errno_name(self.errno)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "source": self.source,
            "key": self.key,
            "detail": self.detail,
            "errno": self.errno,
            "code": self.code,
            "running": self.running,
            "scans": self.scans,
            "grabbed": self.grabbed,
        }


OnScan = Callable[[Scan], None]
OnError = Callable[[ScannerError], None]


def bool_param(uri: DeviceURI, name: str, default: bool) -> bool:
    raw = uri.param(name, "1" if default else "0").lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise DeviceURIError(f"parameter {name}={raw!r} must be 1 or 0")


def check_params(uri: DeviceURI, own: tuple[str, ...]) -> None:
    """A misspelt parameter would silently do nothing; say so instead."""
    known = (*COMMON_PARAMS, *own)
    for name in uri.params:
        if name not in known:
            raise DeviceURIError(f"unknown parameter {name!r} for {uri.scheme}:; expected {', '.join(known)}")


class BarcodeScanner(ABC):
    """A barcode scanner: ``start`` delivers scans and errors to callbacks until ``stop``.

    URI parameters every driver takes: ``dedupe_ms`` (1500; the same text again within this many ms of
    its last reading is dropped, because presentation-mode scanners re-read a code held in front of them;
    0 turns it off), ``suffix`` (auto = CR, LF or CRLF; or exactly CR, LF, CRLF, TAB), ``aim`` (1: the
    scanner sends AIM symbology ids such as ``]Q1``), ``char_timeout_ms`` (300: a partial code is dropped
    after this pause), ``max_bytes`` (4096), ``retry`` (2 seconds between attempts to reopen).
    """

    #: True only for ``wedge:`` without a path: the UI must forward keystrokes with ``feed_key``.
    wants_window_keys: bool = False
    #: Whether a partial code (a pause without suffix) is reported as ``bad_data`` or dropped quietly.
    report_partial: bool = True

    def __init__(self, uri: DeviceURI, own_params: tuple[str, ...] = ()) -> None:
        check_params(uri, own_params)
        self.uri = uri
        self.source = f"{uri.scheme}:{uri.target}"
        self.dedupe_s = uri.int_param("dedupe_ms", 1500) / 1000
        self.suffix = parse_suffix(uri.param("suffix", "auto"))
        self.aim = bool_param(uri, "aim", False)
        self.char_timeout = uri.int_param("char_timeout_ms", 300) / 1000
        self.max_bytes = uri.int_param("max_bytes", 4096)
        self.retry = uri.float_param("retry", 2.0)
        if self.dedupe_s < 0 or self.char_timeout <= 0 or self.max_bytes < 16 or self.retry <= 0:
            raise DeviceURIError("dedupe_ms must be >= 0, char_timeout_ms and retry > 0, max_bytes >= 16")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_scan: OnScan | None = None
        self._on_error: OnError | None = None
        self._state: State = "connecting"
        self._problem: ScannerError | None = None
        self._scans = 0
        self._last_text: str | None = None
        self._last_seen = 0.0

    # ----- the interface -----

    def start(self, on_scan: OnScan, on_error: OnError) -> None:
        """Begin reading on a thread of our own; returns at once, the device is opened on that thread."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RuntimeError(f"scanner {self.source} is already started")
            self._on_scan, self._on_error = on_scan, on_error
            self._stop.clear()
            self._state, self._problem = self._initial_state(), None
            self._last_text = None
            self._thread = threading.Thread(
                target=self._run_guarded, name=f"scanner {self.source}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop reading and release the device; returns within about half a second. Idempotent."""
        self._stop.set()
        self._wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_WAIT)
            if thread.is_alive():
                log.warning("scanner %s: reader thread did not stop within %.1f s", self.source, STOP_WAIT)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and not self._stop.is_set()

    def status(self) -> ScannerStatus:
        """While running, what the reader thread last saw; otherwise a quick probe of the device.

        Never raises for device trouble.
        """
        if not self.running:
            return self._probe()
        with self._lock:
            problem = self._problem
            return ScannerStatus(
                state=self._state,
                source=self.source,
                key=problem.key if problem else None,
                detail=problem.detail
                if problem
                else "opening"
                if self._state == "connecting"
                else self._ok_detail(),
                errno=problem.errno if problem else None,
                running=True,
                scans=self._scans,
                grabbed=self._grabbed(),
            )

    def feed_key(self, text: str) -> bool:
        """Keystrokes from the app window; only ``wedge:`` (no path) takes them. True when consumed."""
        return False

    def feed_enter(self) -> bool:
        """The Enter key from the app window; see ``feed_key``."""
        return False

    # ----- for drivers -----

    @abstractmethod
    def _run(self) -> None:
        """The reader thread's body; returns when ``self._stop`` is set."""

    @abstractmethod
    def _probe(self) -> ScannerStatus:
        """Status without starting: open and close the device."""

    def _initial_state(self) -> State:
        return "connecting"

    def _ok_detail(self) -> str:
        return "ready"

    def _grabbed(self) -> bool | None:
        return None

    def _wake(self) -> None:  # noqa: B027  (a hook: only queue-based drivers need waking)
        """Interrupt a blocking wait in the reader thread (drivers with their own queue override it)."""

    def _run_guarded(self) -> None:
        try:
            self._run()
        except Exception:  # a bug must not pass silently, and must not look like a healthy scanner
            log.exception("scanner %s: reader thread failed", self.source)
            problem = ScannerError("io_error", "reader thread failed (see the log)", source=self.source)
            with self._lock:
                self._state, self._problem = "error", problem
            self._report(problem)

    def _set_state(self, state: State, problem: ScannerError | None = None) -> None:
        with self._lock:
            before = self._state
            self._state, self._problem = state, problem
        if state != before:
            if problem is None:
                log.info("scanner %s: %s", self.source, state)
            else:
                log.warning("scanner %s: %s", self.source, problem.technician_message)

    def _report(self, error: ScannerError) -> None:
        callback = self._on_error
        if callback is None or self._stop.is_set():
            return
        try:
            callback(error)
        except Exception as exc:
            log.warning("scanner %s: on_error callback raised %s", self.source, type(exc).__name__,
                        exc_info=log.isEnabledFor(logging.DEBUG))  # fmt: skip

    def _deliver(self, scan: Scan) -> None:
        with self._lock:
            if self.dedupe_s and scan.text == self._last_text and scan.at - self._last_seen < self.dedupe_s:
                self._last_seen = scan.at  # a code held in front of the scanner: one scan until it leaves
                log.debug(
                    "scanner %s: repeat of the last code dropped (%d chars)", self.source, len(scan.text)
                )
                return
            self._last_text, self._last_seen = scan.text, scan.at
            self._scans += 1
        log.debug("scanner %s: scan of %d chars", self.source, len(scan.text))
        callback = self._on_scan
        if callback is None or self._stop.is_set():
            return
        try:
            callback(scan)
        except Exception as exc:
            log.warning("scanner %s: on_scan callback raised %s", self.source, type(exc).__name__,
                        exc_info=log.isEnabledFor(logging.DEBUG))  # fmt: skip

    def _new_framer(self) -> LineFramer:
        return LineFramer(self.suffix, char_timeout=self.char_timeout, max_bytes=self.max_bytes)

    def _handle(self, events: list[Line | Dropped]) -> None:
        """Turn framer output into scans and reading errors."""
        for event in events:
            if isinstance(event, Dropped):
                if event.reason == "overflow":
                    self._report(ScannerError(
                        "overflow", f"more than {self.max_bytes} bytes without a {self.suffix} suffix; discarded",
                        source=self.source, raw=event.data, length=event.length,
                    ))  # fmt: skip
                elif self.report_partial:
                    self._report(ScannerError(
                        "bad_data",
                        f"partial code dropped after {self.char_timeout * 1000:.0f} ms without a suffix",
                        source=self.source, raw=event.data, length=event.length,
                    ))  # fmt: skip
                else:
                    log.debug("scanner %s: partial input of %d bytes dropped", self.source, event.length)
                continue
            text = decode(event.data)
            if bad_controls(text):
                self._report(ScannerError(
                    "bad_data", "control characters no barcode carries (noise or wrong baud rate)",
                    source=self.source, raw=event.data,
                ))  # fmt: skip
                continue
            symbology: str | None = None
            if self.aim:
                symbology, text = split_aim(text)
                if symbology is None:
                    log.debug("scanner %s: aim=1 but the code has no AIM id", self.source)
                if not text:
                    continue
            self._deliver(Scan(text=text, symbology=symbology, at=event.at, source=self.source))


class ReaderScanner(BarcodeScanner):
    """A device read on a thread: open, read in short slices, and on loss retry every ``retry`` seconds.

    An outage is reported to ``on_error`` once (when it begins); the status follows every attempt; the
    return of the device is silent apart from the status and an INFO log line.
    """

    @abstractmethod
    def _open(self) -> None:
        """Open the device; raise ScannerError (not_found, io_error) when it cannot be."""

    @abstractmethod
    def _read(self, timeout: float) -> bytes:
        """Bytes that arrived within ``timeout`` (``b""`` if none); ScannerError when the device is lost."""

    @abstractmethod
    def _close(self) -> None:
        """Release the device; never raises."""

    def _down_state(self, error: ScannerError) -> State:
        return "not_found" if error.key == "not_found" else "error"

    def _run(self) -> None:
        reported = False
        while not self._stop.is_set():
            try:
                self._open()
            except ScannerError as exc:
                self._set_state(self._down_state(exc), exc)
                if not reported:
                    reported = True
                    self._report(exc)
                self._stop.wait(self.retry)
                continue
            self._set_state("connected")
            reported = False
            try:
                self._pump()
            except ScannerError as exc:
                self._close()
                self._set_state("not_found" if self._gone() else "error", exc)
                reported = True
                self._report(exc)
                self._stop.wait(self.retry)
            finally:
                self._close()

    def _gone(self) -> bool:
        """After a loss: is the device node itself gone (unplugged) rather than failing?"""
        return False

    def _pump(self) -> None:
        framer = self._new_framer()
        while not self._stop.is_set():
            data = self._read(READ_SLICE)
            events = framer.feed(data, time.monotonic())
            if events:
                self._handle(events)
