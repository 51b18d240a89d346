"""``kiosk queue take`` and ``kiosk sync now|status``: the technician's view of the path to central.

``queue take`` issues one ticket through exactly the path the ticket screen uses (central or the
lease, the configured printer included), so a repair can be checked end to end. ``sync now``
runs one pass of the sync worker's jobs; ``sync status`` reads what they did last from disk.
Wired into ``kiosk.cli`` by ``add_parsers(sub, common)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from kiosk.config import KioskConfig
from kiosk.services.queue import PRIORITIES

COMMANDS = ("queue", "sync")


def add_parsers(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    queue = subparsers.add_parser(
        "queue", parents=[common_parent], help="queue tickets from the command line"
    )
    queue_sub = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    take = queue_sub.add_parser(
        "take", parents=[common_parent], help="issue and print one ticket exactly as the ticket screen does"
    )
    take.add_argument("service_id", metavar="SERVICE_ID")
    take.add_argument("--priority", choices=PRIORITIES, default="none")
    take.add_argument("--lang", default=None, help="receipt language (default: ui.default_language)")
    take.add_argument("--json", action="store_true", help="print the ticket as JSON")

    sync = subparsers.add_parser(
        "sync", parents=[common_parent], help="send the outbox and refresh the cache"
    )
    sync_sub = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    now = sync_sub.add_parser("now", parents=[common_parent], help="run one sync pass and say what it did")
    now.add_argument("--json", action="store_true")
    status = sync_sub.add_parser(
        "status", parents=[common_parent], help="outbox depth, last success and error"
    )
    status.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.command == "queue":
        return _take(args, config)
    if args.sync_command == "now":
        return _sync_now(args, config)
    return _sync_status(args, config)


def _take(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.context import build
    from kiosk.services.queue import TicketNotIssued

    ctx = build(config)
    try:
        if ctx.info.home_center() is None:
            ctx.info.refresh()  # a fresh kiosk knows its services only after a first sync
        lang = args.lang or config.ui.default_language
        try:
            ticket = ctx.queue.take_ticket(args.service_id, priority=args.priority, issued_by="technician",
                                           lang=lang)  # fmt: skip
        except TicketNotIssued as exc:
            message = exc.printer_error.technician_message if exc.printer_error else str(exc)
            if args.json:
                print(json.dumps({"status": "not_issued", "reason": exc.reason, "message": message}))
            else:
                print(f"kiosk: no ticket ({exc.reason}): {message}", file=sys.stderr)
            return 1
        result = {
            "number": ticket.display,
            "request_id": ticket.request_id,
            "offline": ticket.offline,
            "status": "issued",
            "service_id": ticket.service_id,
            "priority": ticket.priority,
            "issued_at": ticket.issued_at,
        }
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            where = "from this kiosk's lease (offline)" if ticket.offline else "by central"
            print(f"ticket {ticket.display} issued {where} and printed; request id {ticket.request_id}")
        return 0
    finally:
        ctx.close()


def _sync_now(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.context import build

    ctx = build(config)
    try:
        before = ctx.sender.outbox.depth_by_kind()
        ctx.sender.outbox.retry_now()  # a technician asking now means now, not after the back-off
        report = ctx.sync.run_once()
        after = ctx.sender.outbox.depth_by_kind()
        result = {
            "jobs": report.results,
            "online": report.online,
            "outbox_before": before,
            "outbox_after": after,
            "sent": sum(before.values()) - sum(after.values()),
            "last_error": ctx.gateway.last_error if ctx.gateway is not None else "not enrolled",
        }
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            for job, ok in report.results.items():
                print(f"{'OK  ' if ok else 'FAIL'}  {job}")
            print(f"outbox: {sum(before.values())} waiting before, {sum(after.values())} after")
            if not report.online and result["last_error"]:
                print(f"last error: {result['last_error']}")
        return 0 if report.online else 1
    finally:
        ctx.close()


def _sync_status(args: argparse.Namespace, config: KioskConfig) -> int:
    from offline_cache.db import CacheDB
    from offline_cache.outbox import Outbox
    from offline_cache.sync_state import SyncState

    cache = CacheDB(config.data_dir / "kiosk.db")
    try:
        outbox = Outbox(cache)
        jobs = SyncState(cache).all()
        errors = sorted((j.last_error_at, j.last_error or "") for j in jobs if j.last_error_at)
        refused = outbox.rejected()
        result: dict[str, Any] = {
            "outbox": outbox.depth_by_kind(),
            "jobs": {j.job: asdict(j) for j in jobs},
            "last_success_at": max((j.last_success_at for j in jobs if j.last_success_at), default=None),
            "last_error": errors[-1][1] if errors else None,
            "last_error_at": errors[-1][0] if errors else None,
            "refused": refused,
        }
    finally:
        cache.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    depth = result["outbox"]
    print("outbox: " + (", ".join(f"{n} {kind}" for kind, n in depth.items()) or "empty"))
    print(f"last success: {result['last_success_at'] or 'never'}")
    if result["last_error"]:
        print(f"last error: {result['last_error']}")
    for record in refused:
        print(
            f"refused by central: {record['kind']} {record['id']} at {record['refused_at']}: {record['error']}"
        )
    return 0
