"""Technician commands for the receipt printer.

    kiosk devices printer-status [--printer URI] [--json]      exit 0 ready (or status unknown), 1 not ready
    kiosk devices print-test [--printer URI] [--sample ticket] [--lang ru] [--paper 80]
    kiosk print-preview FILE.bin --out FILE.png [--paper 58|80]

``--printer`` defaults to ``devices.printer`` from the configuration. Wired into ``kiosk.cli`` by
``add_parsers(sub, common)`` in ``build_parser`` and ``if command in COMMANDS: return run(args, config)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.config import SUPPORTED_LANGUAGES, KioskConfig

COMMANDS = ("devices", "print-preview")
SAMPLES = ("ticket", "statement", "appeal", "appointment")
EXIT_OK, EXIT_PRINTER, EXIT_USAGE = 0, 1, 2


def add_parsers(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    """Add ``devices`` (printer-status, print-test) and ``print-preview`` to the ``kiosk`` command."""
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
    if args.devices_command == "printer-status":
        return _printer_status(args, config)
    return _print_test(args, config)


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


def _print_test(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.printer import PrinterError, open_printer
    from devices.receipts import samples
    from devices.receipts.template import NotBuiltError, TemplateError
    from devices.uri import DeviceURIError

    uri = args.printer or config.devices.printer
    lang = args.lang or config.ui.default_language
    paper = args.paper or config.devices.paper_width_mm
    try:
        receipt = samples.sample(args.sample, lang, datetime.now(config.tz))
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
