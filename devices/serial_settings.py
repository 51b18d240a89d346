"""Serial line settings from a device URI, shared by every serial device (printer, scanner).

``baudrate``, ``bytesize`` (7/8), ``parity`` (N/E/O), ``stopbits`` (1/2), ``flow`` (none, rtscts,
dsrdtr, xonxoff). A wrong value is a DeviceURIError at start, never a half-working port.
"""

from __future__ import annotations

from dataclasses import dataclass

import serial

from devices.uri import DeviceURI, DeviceURIError

FLOW_CONTROLS = ("none", "rtscts", "dsrdtr", "xonxoff")
PARAMS = ("baudrate", "bytesize", "parity", "stopbits", "flow")


@dataclass(frozen=True)
class SerialSettings:
    port: str
    baudrate: int
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    flow: str = "none"

    @classmethod
    def from_uri(cls, uri: DeviceURI, default_baudrate: int) -> SerialSettings:
        settings = cls(
            port=uri.target,
            baudrate=uri.int_param("baudrate", default_baudrate),
            bytesize=uri.int_param("bytesize", 8),
            parity=uri.param("parity", "N").upper(),
            stopbits=uri.int_param("stopbits", 1),
            flow=uri.param("flow", "none").lower(),
        )
        if settings.flow not in FLOW_CONTROLS:
            raise DeviceURIError(f"flow={settings.flow!r}: expected one of {', '.join(FLOW_CONTROLS)}")
        if settings.parity not in ("N", "E", "O"):
            raise DeviceURIError(f"parity={settings.parity!r}: expected N, E or O")
        if settings.bytesize not in (7, 8) or settings.stopbits not in (1, 2):
            raise DeviceURIError("bytesize must be 7 or 8 and stopbits 1 or 2")
        return settings

    def open(self, timeout: float, write_timeout: float | None = None) -> serial.Serial:
        """Open exclusively: a second process on the port would steal half the bytes."""
        return serial.Serial(
            port=self.port,
            baudrate=self.baudrate,
            bytesize=self.bytesize,
            parity=self.parity,
            stopbits=self.stopbits,
            timeout=timeout,
            write_timeout=write_timeout,
            rtscts=self.flow == "rtscts",
            dsrdtr=self.flow == "dsrdtr",
            xonxoff=self.flow == "xonxoff",
            exclusive=True,
        )
