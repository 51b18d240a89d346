"""``wedge:``: scanners that type like a USB keyboard (HID keyboard mode, the factory default of most).

Two ways to get the keystrokes:

``wedge:/dev/input/by-id/usb-<maker>_<model>-event-kbd``
    The driver reads the scanner's own input device (Linux evdev) and maps key codes to characters as a US
    keyboard does; Enter ends a code. It asks the kernel for exclusive access (EVIOCGRAB, ``grab=1``, the
    default) so the keystrokes do not also reach the desktop. If the grab fails (not an input device,
    ``grab=0``) the codes still arrive here, but *also* as typing in whatever window has focus: a kiosk
    text field on screen would receive the booking code too. If another program holds the grab, no events
    reach us at all: that is reported as ``io_error`` (EBUSY). The kiosk user needs read access to the
    device (group ``input``, or a udev rule for this scanner).

``wedge:`` (no path): keystrokes arrive through the app window
    The scanner types into the kiosk's window like a keyboard. The UI forwards each key it does not use
    itself: from Kivy's ``Window.on_key_down``, when no text field has focus, it calls
    ``scanner.feed_key(codepoint)`` for characters and ``scanner.feed_enter()`` for Enter (keycodes 13 and
    271), and treats the key as handled when they return True. The characters are what the desktop's
    keyboard layout makes of the scanner's key presses, so that layout must match the scanner's (US). The
    driver cannot tell whether a scanner is plugged in (status ``unknown``), and a pause in the middle of a
    code is dropped quietly rather than reported, because the keystrokes may come from a person.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import queue
import select
import time

from devices.scanner.base import READ_SLICE, ReaderScanner, ScannerStatus, State, bool_param
from devices.scanner.errors import ScannerError, from_os_error
from devices.scanner.evdev import EVENT, EVIOCGRAB, KeyDecoder, parse_events
from devices.uri import DeviceURI

log = logging.getLogger("devices.scanner")

_NOT_INPUT_DEVICE = (errno.ENOTTY, errno.EINVAL, errno.ENOSYS)


class EvdevScanner(ReaderScanner):
    """Reads ``struct input_event`` records from the scanner's event device on the reader thread."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri, ("grab",))
        self.path = uri.target
        self.grab = bool_param(uri, "grab", True)
        self._fd: int | None = None
        self._rest = b""
        self._keys = KeyDecoder()
        self._grab_ok: bool | None = None

    def _open(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise from_os_error(exc, f"open {self.path}", source=self.source) from None
        self._grab_ok = False
        if self.grab:
            try:
                fcntl.ioctl(fd, EVIOCGRAB, 1)
                self._grab_ok = True
            except OSError as exc:
                if exc.errno not in _NOT_INPUT_DEVICE:
                    os.close(fd)
                    raise ScannerError(
                        "io_error", f"exclusive access to {self.path} refused (another program holds it?)",
                        source=self.source, errno=exc.errno,
                    ) from None  # fmt: skip
                log.warning(
                    "scanner %s: not an input device that can be grabbed (%s); its keystrokes may also "
                    "reach the focused window", self.source, errno.errorcode.get(exc.errno or 0, exc.errno),
                )  # fmt: skip
        self._fd, self._rest, self._keys = fd, b"", KeyDecoder()

    def _read(self, timeout: float) -> bytes:
        fd = self._fd
        if fd is None:
            raise ScannerError("io_error", "device is not open", source=self.source)
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return b""
            data = os.read(fd, EVENT.size * 64)
        except BlockingIOError:
            return b""
        except OSError as exc:  # ENODEV when the scanner is unplugged
            raise from_os_error(exc, f"read {self.path}", source=self.source, lost=True) from None
        if not data:  # end of a file or pipe (tests); a real input device never ends
            self._stop.wait(timeout)
            return b""
        events, self._rest = parse_events(self._rest + data)
        text = "".join(self._keys.feed(event) for event in events)
        return text.encode("utf-8")

    def _close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # closing releases the grab too

    def _gone(self) -> bool:
        return not os.path.exists(self.path)

    def _grabbed(self) -> bool | None:
        return self._grab_ok

    def _ok_detail(self) -> str:
        if self._grab_ok:
            return "reading, exclusive"
        return "reading, NOT exclusive: keystrokes may also reach the focused window"

    def _probe(self) -> ScannerStatus:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            error = from_os_error(exc, f"open {self.path}", source=self.source)
            return ScannerStatus(
                state="not_found" if error.key == "not_found" else "error",
                source=self.source,
                key=error.key,
                detail=error.detail,
                errno=error.errno,
            )
        os.close(fd)
        return ScannerStatus(state="connected", source=self.source, detail="device opens (not reading)")


class WindowKeysScanner(ReaderScanner):
    """``wedge:`` with no path: the UI hands over keystrokes; framing and callbacks run on our thread."""

    wants_window_keys = True
    report_partial = False

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri)
        self.source = "wedge:window"
        self._keys: queue.Queue[tuple[str, float]] = queue.Queue(maxsize=self.max_bytes * 4)

    def feed_key(self, text: str) -> bool:
        """Called from the UI thread for a character key; True when the scanner took it."""
        if not self.running or not text:
            return False
        with contextlib.suppress(queue.Full):  # nobody reading: overflow is reported by the framer anyway
            self._keys.put_nowait((text, time.monotonic()))  # timed here: our thread may run late
        return True

    def feed_enter(self) -> bool:
        return self.feed_key("\r")

    def _initial_state(self) -> State:
        return "unknown"

    def _down_state(self, error: ScannerError) -> State:
        return "error"

    def _open(self) -> None:
        while True:  # keys typed while nobody listened are not a code
            try:
                self._keys.get_nowait()
            except queue.Empty:
                break

    def _read(self, timeout: float) -> bytes:
        raise NotImplementedError  # _pump takes the keys with their arrival times instead

    def _close(self) -> None:
        pass

    def _run(self) -> None:
        self._open()
        self._set_state("unknown")
        self._pump()

    def _pump(self) -> None:
        framer = self._new_framer()
        while not self._stop.is_set():
            try:
                text, at = self._keys.get(timeout=READ_SLICE)
            except queue.Empty:
                text, at = "", time.monotonic()
            events = framer.feed(text.encode("utf-8"), at)
            if events:
                self._handle(events)

    def _ok_detail(self) -> str:
        return "keystrokes arrive through the app window; whether a scanner is plugged in cannot be seen"

    def _probe(self) -> ScannerStatus:
        return ScannerStatus(state="unknown", source=self.source, detail=self._ok_detail())
