"""Technician commands for the receipt printer and the barcode scanner.

    kiosk devices printer-status [--printer URI] [--json]      exit 0 ready (or status unknown), 1 not ready
    kiosk devices print-test [--printer URI] [--sample ticket] [--lang ru] [--paper 80]
    kiosk devices scanner-test [--scanner URI] [--seconds 30] [--json]   exit 0 reachable, 1 not
    kiosk devices list [--json] / card-read [--reader NAME] [--json]      see kiosk.cli_card
    kiosk print-preview FILE.bin --out FILE.png [--paper 58|80]

``--printer`` defaults to ``devices.printer`` from the configuration, ``--scanner`` to ``devices.scanner``.
Wired into ``kiosk.cli`` by ``add_parsers(sub, common)`` in ``build_parser`` and
``if command in COMMANDS: return run(args, config)``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import select
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import KioskConfig
from service_common.i18n import SUPPORTED_LANGUAGES

COMMANDS = ("devices", "print-preview")
SAMPLES = ("ticket", "statement", "card_block", "appeal", "appointment")
EXIT_OK, EXIT_PRINTER, EXIT_USAGE = 0, 1, 2
EXIT_SCANNER = 1
#: What ``scanner-test --scanner sim:`` scans by itself, so the command shows something.
SIM_SAMPLES = (
    ("https://queue.example/a/C01/7Q4K-2M9X", "QR"),
    ("APPT-C01-20261201-0930-017", "DataMatrix"),
)

if TYPE_CHECKING:
    from devices.scanner import BarcodeScanner, Scan, ScannerError, ScannerStatus


def add_parsers(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    """Add ``devices`` (printer-status, print-test, scanner-test) and ``print-preview`` to ``kiosk``."""
    devices = subparsers.add_parser(
        "devices", parents=[common_parent], help="check and test the kiosk's devices (technician)"
    )
    actions = devices.add_subparsers(dest="devices_command", metavar="ACTION", required=True)

    status = actions.add_parser(
        "printer-status", parents=[common_parent], help="ask the receipt printer for its status"
    )
    status.add_argument("--printer", metavar="URI", help="printer URI (default: devices.printer)")
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    test = actions.add_parser("print-test", parents=[common_parent], help="print a sample receipt")
    test.add_argument("--printer", metavar="URI", help="printer URI (default: devices.printer)")
    test.add_argument("--sample", choices=SAMPLES, default="ticket", help="which receipt (default: ticket)")
    test.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="language (default: ui.default_language)")
    test.add_argument(
        "--paper", type=int, choices=(58, 80), help="paper width in mm (default: devices.paper_width_mm)"
    )

    scan = actions.add_parser(
        "scanner-test",
        parents=[common_parent],
        help="show codes as the barcode scanner reads them",
        description="Print each code as it is scanned (text, symbology, seconds since the previous one) "
        "for --seconds or until Ctrl-C, then a summary. sim: scans two sample codes by itself; wedge: "
        "without a path reads what the scanner types into this terminal. Exit 0 if the scanner was "
        "reachable, 1 if not.",
    )
    scan.add_argument("--scanner", metavar="URI", help="scanner URI (default: devices.scanner)")
    scan.add_argument(
        "--seconds", type=_positive_seconds, default=30.0, help="how long to listen (default: 30)"
    )
    scan.add_argument(
        "--json", action="store_true", help="one JSON object per line: scans, errors, status, summary"
    )

    from kiosk import cli_card

    cli_card.add_actions(actions, common_parent)

    preview = subparsers.add_parser(
        "print-preview", parents=[common_parent], help="draw the paper a printer would make of a .bin job"
    )
    preview.add_argument(
        "file", type=Path, metavar="FILE.bin", help="ESC/POS bytes, e.g. from DATA_DIR/print"
    )
    preview.add_argument("--out", type=Path, required=True, metavar="FILE.png", help="PNG to write")
    preview.add_argument(
        "--paper", type=int, choices=(58, 80), help="paper width in mm (default: devices.paper_width_mm)"
    )


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.command == "print-preview":
        return _preview(args, config)
    if args.devices_command in ("list", "card-read"):
        from kiosk import cli_card

        return cli_card.run(args, config)
    if args.devices_command == "printer-status":
        return _printer_status(args, config)
    if args.devices_command == "scanner-test":
        return _scanner_test(args, config)
    return _print_test(args, config)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("seconds must be more than 0 and at most 86400")
    return value


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def _printer_status(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.printer import open_printer
    from devices.printer.errors import TECHNICIAN_HINTS
    from devices.uri import DeviceURIError

    uri = args.printer or config.devices.printer
    try:
        printer = open_printer(uri, data_dir=config.data_dir, paper_width_mm=config.devices.paper_width_mm)
    except DeviceURIError as exc:
        return _fail(f"--printer {uri}: {exc}")
    status = printer.status()
    code = EXIT_OK if status.state in ("ok", "unknown") else EXIT_PRINTER
    if args.json:
        print(
            json.dumps(
                {"printer": printer.uri, "profile": printer.profile, **status.to_dict()}, ensure_ascii=False
            )
        )
        return code

    def yes_no(value: bool | None, yes: str, no: str) -> str:
        return "unknown" if value is None else yes if value else no

    rows = [
        ("printer", printer.uri),
        ("state", status.state + (f" ({', '.join(status.problems)})" if status.problems else "")),
        ("online", yes_no(status.online, "yes", "no")),
        ("paper", status.paper),
        ("cover", yes_no(status.cover_open, "open", "closed")),
        ("raw", status.raw_text or "-"),
        ("detail", status.detail),
    ]
    if status.key:
        rows.append(("hint", TECHNICIAN_HINTS[status.key]))
    if status.state == "unknown":
        rows.append(("note", "this driver cannot read status: a job can be sent but not confirmed"))
    for name, value in rows:
        print(f"{name:<8}{value}")
    return code


def _configured_center(config: KioskConfig) -> dict[str, Any] | None:
    """The kiosk's own center as last synced from central (None before the first sync), so a test
    print shows this center's name and address, not another city's."""
    from offline_cache.db import CacheDB
    from offline_cache.documents import DocumentCache

    path = config.data_dir / "kiosk.db"
    if not path.exists():
        return None
    cache = CacheDB(path)
    try:
        hit = DocumentCache(cache).get("centers")
    finally:
        cache.close()
    centers = hit.body if hit is not None and isinstance(hit.body, list) else []
    return next((c for c in centers if isinstance(c, dict) and c.get("id") == config.kiosk.center_id), None)


def _print_test(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.printer import PrinterError, open_printer
    from devices.receipts import samples
    from devices.receipts.template import NotBuiltError, TemplateError
    from devices.uri import DeviceURIError

    uri = args.printer or config.devices.printer
    lang = args.lang or config.ui.default_language
    paper = args.paper or config.devices.paper_width_mm
    try:
        receipt = samples.sample(args.sample, lang, datetime.now(config.tz), _configured_center(config))
    except NotBuiltError as exc:
        return _fail(str(exc))
    except TemplateError as exc:
        return _fail(f"receipt template: {exc}")
    try:
        printer = open_printer(uri, data_dir=config.data_dir, paper_width_mm=paper)
    except DeviceURIError as exc:
        return _fail(f"--printer {uri}: {exc}")
    try:
        result = printer.print_receipt(receipt)
    except PrinterError as exc:
        print(f"kiosk: print-test failed: {exc.technician_message}", file=sys.stderr)
        return EXIT_PRINTER
    confirmation = "confirmed by the printer" if result.confirmed else "sent, status unknown (not confirmed)"
    print(f"printed sample {args.sample} ({lang}, {paper} mm, {result.bytes_sent} bytes), {confirmation}")
    print(f"printer {printer.uri}")
    if result.paper_near_end:
        print("warning: paper near end")
    sim = printer.simulator
    if sim is not None and sim.jobs:
        job = sim.jobs[-1]
        print(f"job saved to {job.bin_path}" + (f", preview {job.png_path}" if job.png_path else ""))
    return EXIT_OK


def _preview(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices import escpos_render
    from devices.receipts.layout import PAPER_DOTS

    paper = args.paper or config.devices.paper_width_mm
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return _fail(f"{args.file}: {exc.strerror or exc}")
    try:
        out = escpos_render.render_to_png(data, args.out, paper_width_dots=PAPER_DOTS[paper])
    except OSError as exc:
        return _fail(f"{args.out}: {exc.strerror or exc}")
    print(f"{out} ({paper} mm paper, {len(data)} bytes)")
    return EXIT_OK


def _visible(text: str, limit: int = 200) -> str:
    """Control characters (GS1 separators, noise) as escapes, so the terminal shows them and stays sane."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text[:limit])
    return shown + (f"... ({len(text)} chars)" if len(text) > limit else "")


class _StdinKeys:
    """For ``wedge:`` without a path: this terminal is the "app window" the scanner types into."""

    def __init__(self, scanner: BarcodeScanner) -> None:
        self.scanner = scanner
        try:
            self.fd: int | None = sys.stdin.fileno() if scanner.wants_window_keys else None
        except (OSError, ValueError):
            self.fd = None

    def pump(self, timeout: float) -> None:
        if self.fd is None:
            return
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return
        data = os.read(self.fd, 4096)
        if not data:
            self.fd = None  # end of input; keep listening for the rest of the time
            return
        for ch in data.decode("utf-8", errors="replace"):
            if ch in "\r\n":
                self.scanner.feed_enter()
            else:
                self.scanner.feed_key(ch)


def _scanner_test(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.scanner import TECHNICIAN_HINTS, Scan, SimulatorScanner, open_scanner
    from devices.uri import DeviceURIError

    uri = args.scanner or config.devices.scanner
    try:
        scanner = open_scanner(uri)
    except DeviceURIError as exc:
        return _fail(f"--scanner {uri}: {exc}")

    def emit(record: dict[str, Any], line: str) -> None:
        print(json.dumps(record, ensure_ascii=False) if args.json else line, flush=True)

    events: queue.Queue[Scan | ScannerError] = queue.Queue()
    keys = _StdinKeys(scanner)
    samples = list(SIM_SAMPLES) if isinstance(scanner, SimulatorScanner) else []
    schedule = [min(0.2, args.seconds / 4), min(0.5, args.seconds / 2)]
    scans: list[Scan] = []
    errors: dict[str, int] = {}
    reachable = False
    last_state = ""
    status: ScannerStatus | None = None
    if not args.json:
        how = " (type or scan into this terminal)" if keys.fd is not None else ""
        print(f"scanner {scanner.uri}\nlistening {args.seconds:g} s for codes{how}; Ctrl-C stops", flush=True)
    started = time.monotonic()
    previous = started
    scanner.start(events.put, events.put)
    try:
        while (elapsed := time.monotonic() - started) < args.seconds:
            if samples and elapsed >= schedule[len(SIM_SAMPLES) - len(samples)]:
                assert isinstance(scanner, SimulatorScanner)
                scanner.inject(*samples.pop(0))
            status = scanner.status()
            reachable = reachable or status.ok
            if status.state != last_state:
                last_state = status.state
                emit(
                    {"event": "status", "t": round(elapsed, 3), **status.to_dict()},
                    f"status  {status.state}" + (f" ({status.key}: {status.detail})" if status.key else ""),
                )
            if keys.fd is not None:
                keys.pump(0.05)
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(event, Scan):
                reachable = True
                scans.append(event)
                since, previous = event.at - previous, event.at
                emit(
                    {
                        "event": "scan",
                        "n": len(scans),
                        "text": event.text,
                        "symbology": event.symbology,
                        "chars": len(event.text),
                        "since_previous_s": round(since, 3),
                        "t": round(event.at - started, 3),
                    },
                    f"scan {len(scans):<3} {event.symbology or '-':<14} {f'+{since:.2f} s':>9}  "
                    f"{len(event.text):4} chars  {_visible(event.text)}",
                )
            else:
                errors[event.key] = errors.get(event.key, 0) + 1
                emit(
                    {"event": "error", "t": round(time.monotonic() - started, 3), "key": event.key,
                     "detail": event.detail, "code": event.code, "errno": event.errno,
                     "hint": TECHNICIAN_HINTS[event.key]},
                    f"error   {event.technician_message}",
                )  # fmt: skip
    except KeyboardInterrupt:
        pass
    finally:
        status = scanner.status()
        scanner.stop()
    reachable = reachable or status.ok
    seconds = time.monotonic() - started
    symbologies = sorted({s.symbology or "-" for s in scans})
    summary: dict[str, Any] = {
        "event": "summary",
        "scanner": str(scanner.uri),
        "reachable": reachable,
        "seconds": round(seconds, 1),
        "scans": len(scans),
        "symbologies": symbologies,
        "errors": errors,
        "status": status.to_dict(),
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False), flush=True)
    else:
        rows = [
            ("scanner", str(scanner.uri)),
            ("state", status.state + (f" ({status.key})" if status.key else "")),
            ("reachable", "yes" if reachable else "no"),
            ("scans", f"{len(scans)} in {seconds:.1f} s" + (f" ({', '.join(symbologies)})" if scans else "")),
            ("errors", ", ".join(f"{k} x{n}" for k, n in sorted(errors.items())) or "none"),
            ("detail", status.detail + (f" [{status.code}]" if status.code else "")),
        ]
        if status.key:
            rows.append(("hint", TECHNICIAN_HINTS[status.key]))
        print("-- summary")
        for name, value in rows:
            print(f"{name:<10}{value}")
    return EXIT_OK if reachable else EXIT_SCANNER
