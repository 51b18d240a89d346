"""Technician commands for the chip card reader, and the list of every configured device.

    kiosk devices list [--json]                                     readers (state, ATR), printer, scanner
    kiosk devices card-read [--reader NAME] [--card-reader URI] [--json]
                                                                    exit 0 read, 1 not read

``card-read`` prints the masked number (first 6 and last 4 digits), the expiry (YYYY-MM), the application label
and AID: never the full number, never the cardholder's name. With ``sim:``, ``--card-reader "sim:?card=visa"``
puts a demo card in the simulated reader.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.config import KioskConfig

ACTIONS = ("list", "card-read")
EXIT_OK, EXIT_CARD, EXIT_USAGE = 0, 1, 2


def add_actions(actions: Any, common_parent: argparse.ArgumentParser) -> None:
    listing = actions.add_parser(
        "list",
        parents=[common_parent],
        help="the card readers (state, card's ATR), the printer and the scanner",
    )
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    read = actions.add_parser(
        "card-read", parents=[common_parent], help="read the card in the reader (masked number only)"
    )
    read.add_argument(
        "--reader", metavar="NAME", help="a reader whose name contains NAME (default: the first)"
    )
    read.add_argument("--card-reader", metavar="URI", help="reader URI (default: devices.card_reader)")
    read.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.devices_command == "list":
        return _list(args, config)
    return _card_read(args, config)


def _list(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.card import open_card_reader
    from devices.printer import open_printer
    from devices.scanner import open_scanner
    from devices.uri import DeviceURIError

    out: dict[str, Any] = {}
    try:
        out["card_reader"] = open_card_reader(config.devices.card_reader).status().to_dict()
    except DeviceURIError as exc:
        out["card_reader"] = {"source": config.devices.card_reader, "ok": False, "detail": str(exc)}
    try:
        printer = open_printer(
            config.devices.printer, data_dir=config.data_dir, paper_width_mm=config.devices.paper_width_mm
        )
        out["printer"] = {"uri": printer.uri, "profile": printer.profile, **printer.status().to_dict()}
    except DeviceURIError as exc:
        out["printer"] = {"uri": config.devices.printer, "state": "error", "detail": str(exc)}
    try:
        out["scanner"] = open_scanner(config.devices.scanner).status().to_dict()
    except DeviceURIError as exc:
        out["scanner"] = {"source": config.devices.scanner, "state": "error", "detail": str(exc)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return EXIT_OK
    card = out["card_reader"]
    print(f"card reader  {card['source']}  {'ok' if card.get('ok') else 'NOT OK'}  {card.get('detail', '')}")
    if card.get("code"):
        print(f"  code {card['code']}")
    for reader in card.get("readers", []):
        print(f"  {reader['name']}: {reader['state']}" + (f"  ATR {reader['atr']}" if reader["atr"] else ""))
    printer_out = out["printer"]
    print(
        f"printer      {printer_out['uri']}  {printer_out.get('state', '')}  {printer_out.get('detail', '')}"
    )
    scanner = out["scanner"]
    print(f"scanner      {scanner['source']}  {scanner.get('state', '')}  {scanner.get('detail', '')}")
    return EXIT_OK


def _card_read(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.card import CardError, open_card_reader
    from devices.uri import DeviceURIError

    uri = args.card_reader or config.devices.card_reader
    try:
        reader = open_card_reader(uri)
    except DeviceURIError as exc:
        print(f"kiosk: --card-reader {uri}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        card = reader.read_card(args.reader)
    except CardError as exc:
        error = {"error": exc.key, "code": exc.code, "message": exc.message}
        if args.json:
            print(json.dumps(error, ensure_ascii=False))
        else:
            print(f"kiosk: card not read: {exc}", file=sys.stderr)
        return EXIT_CARD
    finally:
        reader.release()
    shown = {"pan_masked": card.pan_masked, "expiry": card.expiry, "label": card.label, "aid": card.aid}
    card.wipe()
    if args.json:
        print(json.dumps(shown, ensure_ascii=False))
    else:
        for key, value in shown.items():
            print(f"{key:<11}{value}")
    return EXIT_OK
