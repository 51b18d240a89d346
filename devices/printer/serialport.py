"""RS-232 / USB-serial printing through pyserial, with a write timeout so a stalled printer cannot hang us.

URI parameters: ``baudrate`` (default 115200; it must match the printer's own setting, often 38400 or
9600), ``bytesize`` (8), ``parity`` (N/E/O), ``stopbits`` (1/2), ``flow`` (none, rtscts, dsrdtr, xonxoff;
Epson's factory setting is DTR/DSR).
"""

from __future__ import annotations

import contextlib
import errno
import os

import serial

from devices.printer.connection import Connection
from devices.printer.errors import from_os_error, make_error
from devices.serial_settings import SerialSettings
from devices.uri import DeviceURI


class SerialConnection(Connection):
    """A serial port opened per job, exclusively, with read and write deadlines on every call."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri)
        self.settings = SerialSettings.from_uri(uri, default_baudrate=115200)
        self.port = self.settings.port
        self._port: serial.Serial | None = None
        self._unsent = False

    def open(self, timeout: float) -> None:
        self.close()
        try:
            self._port = self.settings.open(timeout, write_timeout=timeout)
        except serial.SerialException as exc:
            code = exc.errno if isinstance(exc.errno, int) else None
            if code is None and not os.path.exists(self.port):
                code = errno.ENOENT
            reason = os.strerror(code) if code is not None else str(exc)
            raise from_os_error(
                OSError(code, reason), f"open {self.port}", uri=self.name, phase="open"
            ) from None
        except (OSError, ValueError) as exc:
            raise make_error("io_error", f"open {self.port}: {exc}", uri=self.name, phase="open") from None

    def _serial(self) -> serial.Serial:
        if self._port is None:
            raise make_error("io_error", "port is not open", uri=self.name, phase="sending")
        return self._port

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None and self._unsent:
            # A stalled printer leaves bytes in the driver; Linux would then block close() for up to
            # 30 s (closing_wait) waiting for them to drain. Drop them: the job has failed anyway.
            with contextlib.suppress(OSError, serial.SerialException):
                port.reset_output_buffer()
        self._unsent = False
        if port is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                port.close()

    def write(self, data: bytes, timeout: float) -> None:
        port = self._serial()
        try:
            port.write_timeout = timeout
            port.write(data)  # select()s with the deadline; never tcdrain() (flush), which has none
        except serial.SerialTimeoutException:
            self._unsent = True
            raise make_error(
                "timeout", f"printer accepted no more data within {timeout:g} s (stalled or flow control held)",
                uri=self.name, phase="sending",
            ) from None  # fmt: skip
        except serial.SerialException as exc:
            code = exc.errno if isinstance(exc.errno, int) else None
            raise make_error(
                "io_error", f"write: {exc}", uri=self.name, errno=code, phase="sending"
            ) from None
        except OSError as exc:
            raise from_os_error(exc, "write", uri=self.name, phase="sending") from None

    def read(self, size: int, timeout: float) -> bytes:
        port = self._serial()
        try:
            port.timeout = timeout
            return bytes(port.read(size))
        except serial.SerialException as exc:
            code = exc.errno if isinstance(exc.errno, int) else None
            raise make_error("io_error", f"read: {exc}", uri=self.name, errno=code, phase="status") from None

    def discard_input(self) -> None:
        try:
            self._serial().reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise make_error("io_error", f"flush input: {exc}", uri=self.name, phase="status") from None

    def min_bytes_per_second(self) -> float:
        return self.settings.baudrate / 10 * 0.8  # start + 8 data + stop bits, and some slack
