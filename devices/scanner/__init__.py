"""2D barcode scanners: check in an appointment by scanning the QR code of a printed or on-screen confirmation.

The kiosk gets its scanner from the configured URI (``devices.scanner``)::

    scanner = open_scanner(config.devices.scanner)          # DeviceURIError for a bad URI; touches no device
    scanner.start(on_scan=lambda scan: post(lambda: screen.on_scan(scan)),
                  on_error=lambda err: post(lambda: screen.on_scanner_error(err)))
    scanner.status()                                         # never raises for device trouble
    scanner.stop()                                           # at shutdown; returns within about 0.5 s

Callbacks run on the scanner's reader thread, so the kiosk wraps them with its ``post`` (kiosk.tasks).
The driver reconnects by itself; ``on_error`` hears of an outage once, when it begins.

URIs::

    serial:/dev/serial/by-id/usb-...-if00?baudrate=9600&suffix=CR&aim=1     USB serial / RS-232
    wedge:/dev/input/by-id/usb-...-event-kbd                                keyboard mode, read directly
    wedge:                                                                  keyboard mode, via the app window
    sim:                                                                    in memory (demo, tests)

Parameters for all: ``dedupe_ms`` (1500), ``suffix`` (auto|CR|LF|CRLF|TAB), ``aim`` (0|1),
``char_timeout_ms`` (300), ``max_bytes`` (4096), ``retry`` (2 s); see each driver module for its own.
Scanned text may be a booking code: it is never logged, and errors never contain it.
"""

from __future__ import annotations

from devices import uri as uris
from devices.scanner.base import BarcodeScanner, OnError, OnScan, Scan, ScannerStatus, State
from devices.scanner.errors import (
    TECHNICIAN_HINTS,
    ErrorKey,
    ScannerError,
    visitor_message,
)
from devices.scanner.simulator import SimulatorScanner

__all__ = [
    "TECHNICIAN_HINTS",
    "BarcodeScanner",
    "ErrorKey",
    "OnError",
    "OnScan",
    "Scan",
    "ScannerError",
    "ScannerStatus",
    "SimulatorScanner",
    "State",
    "open_scanner",
    "visitor_message",
]


def open_scanner(uri: str) -> BarcodeScanner:
    """The scanner a URI names. Raises ``DeviceURIError`` for a bad URI or parameter; opens nothing
    until ``start`` (so a scanner plugged in later simply starts working)."""
    parsed = uris.parse(uri, uris.SCANNER_SCHEMES)
    if parsed.scheme == "serial":
        from devices.scanner.serialport import SerialScanner

        return SerialScanner(parsed)
    if parsed.scheme == "wedge":
        from devices.scanner.wedge import EvdevScanner, WindowKeysScanner

        return EvdevScanner(parsed) if parsed.target else WindowKeysScanner(parsed)
    return SimulatorScanner(parsed)
