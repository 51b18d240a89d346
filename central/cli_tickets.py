"""``kiosk-central tickets list``: the day's tickets as central holds them, for checking a kiosk's paper.

A technician compares it with what a kiosk printed (``kiosk queue take --json``): the same
``request_id`` must carry the same number.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.queue.engine import display


def add_parsers(commands: Any, with_db: argparse.ArgumentParser, plain: argparse.ArgumentParser) -> None:
    tickets = commands.add_parser("tickets", parents=[plain], help="the day's queue tickets")
    tickets.set_defaults(print_help=tickets.print_help)
    sub = tickets.add_subparsers(dest="tickets_command", metavar="ACTION")
    listing = sub.add_parser("list", parents=[with_db], help="list one center's tickets of one business day")
    listing.add_argument("--center", required=True, metavar="CENTER_ID")
    listing.add_argument("--day", required=True, metavar="YYYY-MM-DD", help="the center's business day")
    listing.add_argument("--json", action="store_true", help="one JSON list")


def day_tickets(engine: Engine, center_id: str, day: date) -> list[dict[str, Any]]:
    t = db.tickets
    query = (
        sa.select(
            t.c.request_id,
            t.c.prefix,
            t.c.number,
            t.c.status,
            t.c.kiosk_id,
            t.c.service_id,
            t.c.issued_at,
            t.c.lease_id,
            t.c.priority,
        )
        .where(t.c.center_id == center_id, t.c.business_date == day)
        .order_by(t.c.issued_at, t.c.number)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "number": display(r.prefix, r.number),
            "request_id": r.request_id,
            "status": r.status,
            "kiosk_id": r.kiosk_id,
            "service_id": r.service_id,
            "priority": r.priority,
            "issued_at": r.issued_at.isoformat(),
            "lease_id": r.lease_id,
        }
        for r in rows
    ]


def run(args: argparse.Namespace, engine: Engine) -> int:
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        print(f"kiosk-central: --day {args.day!r}: expected a date such as 2026-12-01", file=sys.stderr)
        return 2
    rows = day_tickets(engine, args.center, day)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print(f"no tickets at {args.center} on {day.isoformat()}")
        return 0
    for r in rows:
        print(f"{r['number']:6} {r['status']:8} {r['service_id']:8} {r['kiosk_id'] or '(staff)':16} "
              f"{r['issued_at'][:19]}  {r['request_id']}")  # fmt: skip
    return 0
