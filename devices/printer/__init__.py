"""Receipt printers: one interface over raw TCP, serial, USB, a file and a simulator.

The kiosk gets its printer from the configured URI::

    printer = open_printer(config.devices.printer, data_dir=config.data_dir,
                           paper_width_mm=config.devices.paper_width_mm)
    result = printer.print_receipt(ticket_receipt(data, lang))   # PrinterError subclasses on failure
    status = printer.status()                                    # never raises for device trouble

URI parameters common to every driver: ``profile`` (python-escpos printer profile, default TM-T20II),
``qr`` (auto, native, image), ``connect_timeout``, ``status_timeout``, ``job_timeout`` (seconds) and
``speed`` (mm/s, how long to wait for the paper before the final status check; 0 skips the wait).
"""

from __future__ import annotations

from pathlib import Path

from devices import uri as uris
from devices.printer.connection import Connection
from devices.printer.errors import (
    ErrorKey,
    PrinterError,
    PrinterNeedsAttention,
    PrinterUnavailable,
    staff_message,
    visitor_message,
)
from devices.printer.escpos_compat import DEFAULT_PROFILE, UnknownProfileError, profile_info
from devices.printer.printer import PrintResult, ReceiptPrinter, Timeouts
from devices.printer.simulator import SimulatorState
from devices.printer.status import PrinterStatus

__all__ = [
    "ErrorKey",
    "PrintResult",
    "PrinterError",
    "PrinterNeedsAttention",
    "PrinterStatus",
    "PrinterUnavailable",
    "ReceiptPrinter",
    "SimulatorState",
    "Timeouts",
    "open_printer",
    "staff_message",
    "visitor_message",
]

_QR_MODES = ("auto", "native", "image")


def _connection(parsed: uris.DeviceURI, data_dir: Path | None, paper_dots: int) -> Connection:
    if parsed.scheme == "tcp":
        from devices.printer.tcp import TcpConnection

        return TcpConnection(parsed)
    if parsed.scheme == "serial":
        from devices.printer.serialport import SerialConnection

        return SerialConnection(parsed)
    if parsed.scheme == "usb":
        from devices.printer.usb import UsbConnection

        return UsbConnection(parsed)
    if parsed.scheme == "file":
        from devices.printer.fileport import FileConnection

        return FileConnection(parsed)
    from devices.printer.simulator import SimulatorConnection

    return SimulatorConnection(parsed, data_dir=data_dir, paper_width_dots=paper_dots)


def open_printer(uri: str, *, data_dir: Path | None, paper_width_mm: int) -> ReceiptPrinter:
    """The printer a URI names. Raises ``DeviceURIError`` for a bad URI or profile; touches no device
    (connections are opened per job, so a printer switched on later simply starts working)."""
    parsed = uris.parse(uri, uris.PRINTER_SCHEMES)
    profile = parsed.param("profile", DEFAULT_PROFILE)
    try:
        profile_info(profile)
    except UnknownProfileError as exc:
        raise uris.DeviceURIError(str(exc)) from None
    qr = parsed.param("qr", "auto")
    if qr not in _QR_MODES:
        raise uris.DeviceURIError(f"qr={qr!r}: expected auto, native or image")
    defaults = Timeouts()
    timeouts = Timeouts(
        connect=parsed.float_param("connect_timeout", defaults.connect),
        status=parsed.float_param("status_timeout", defaults.status),
        job=parsed.float_param("job_timeout", defaults.job),
    )
    from devices.receipts.layout import paper_for

    paper = paper_for(paper_width_mm, profile)
    speed = parsed.float_param("speed", 0.0 if parsed.scheme == "sim" else 100.0)
    return ReceiptPrinter(
        _connection(parsed, data_dir, paper.dots),
        profile=profile,
        paper_width_mm=paper_width_mm,
        timeouts=timeouts,
        print_speed_mm_s=speed,
        qr=qr,  # type: ignore[arg-type]
    )
