"""``serial:``: scanners in USB serial (CDC-ACM) or RS-232 mode, read through pyserial.

URI: ``serial:/dev/ttyACM0?baudrate=9600&suffix=CR&aim=1``. Parameters besides the common ones:
``baudrate`` (9600; USB CDC scanners ignore it, RS-232 ones must match), ``bytesize`` (8), ``parity``
(N/E/O), ``stopbits`` (1/2), ``flow`` (none, rtscts, dsrdtr, xonxoff). Prefer a stable path from
``/dev/serial/by-id/``: ``ttyACM0`` may become ``ttyACM1`` after a replug.

Why serial rather than keyboard mode where the scanner offers both: the kiosk gets exact bytes (UTF-8,
control characters for GS1, AIM ids), nothing reaches the desktop, and an unplug is visible.
"""

from __future__ import annotations

import contextlib
import os

import serial

from devices.scanner.base import ReaderScanner, ScannerStatus
from devices.scanner.errors import ScannerError, from_os_error
from devices.serial_settings import PARAMS, SerialSettings
from devices.uri import DeviceURI

OWN_PARAMS = PARAMS


class SerialScanner(ReaderScanner):
    """The port is opened exclusively on the reader thread and reopened by it after an unplug."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri, OWN_PARAMS)
        self.settings = SerialSettings.from_uri(uri, default_baudrate=9600)
        self.port = self.settings.port
        self._serial: serial.Serial | None = None

    def _connect(self, timeout: float) -> serial.Serial:
        try:
            return self.settings.open(timeout)
        except serial.SerialException as exc:
            error = from_os_error(exc, f"open {self.port}", source=self.source)
            if error.errno is None and not os.path.exists(self.port):
                error = ScannerError("not_found", f"open {self.port}: no such device", source=self.source)
            raise error from None
        except (OSError, ValueError) as exc:
            raise ScannerError("io_error", f"open {self.port}: {exc}", source=self.source) from None

    def _open(self) -> None:
        self._serial = self._connect(0.1)
        with contextlib.suppress(OSError, serial.SerialException):
            self._serial.reset_input_buffer()  # whatever was scanned while nobody listened is stale

    def _read(self, timeout: float) -> bytes:
        port = self._serial
        if port is None:
            raise ScannerError("io_error", "port is not open", source=self.source)
        try:
            if port.timeout != timeout:
                port.timeout = timeout  # pyserial re-applies termios on every set: only when it changes
            data = bytes(port.read(1))  # waits up to the timeout for the first byte
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += bytes(port.read(waiting))
            return data
        except (serial.SerialException, OSError) as exc:
            # pyserial says "device reports readiness to read but returned no data" on USB unplug
            raise from_os_error(exc, f"read {self.port}", source=self.source, lost=True) from None

    def _close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                port.close()

    def _gone(self) -> bool:
        return not os.path.exists(self.port)

    def _probe(self) -> ScannerStatus:
        try:
            port = self._connect(0.1)
        except ScannerError as exc:
            return ScannerStatus(
                state="not_found" if exc.key == "not_found" else "error",
                source=self.source,
                key=exc.key,
                detail=exc.detail,
                errno=exc.errno,
            )
        with contextlib.suppress(OSError, serial.SerialException):
            port.close()
        return ScannerStatus(state="connected", source=self.source, detail="port opens (not reading)")
