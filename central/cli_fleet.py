"""``kiosk-central fleet``: the technicians' side of the fleet on the command line.

kiosk-central fleet otp KIOSK-ID        a one-time technician code for that kiosk (15-30 min, once)
kiosk-central fleet list [--json]       every kiosk with its colour and last heartbeat
kiosk-central fleet audit [KIOSK-ID]    what technicians did at the kiosks, newest first
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.fleet import audit, rollout, state
from central.fleet import commands as queue
from service_common import fleet_otp
from service_common.clock import Clock


class FleetCliError(Exception):
    """One line for the operator; exit code 1."""


def add_parsers(commands: Any, with_db: argparse.ArgumentParser, plain: argparse.ArgumentParser) -> None:
    fleet = commands.add_parser("fleet", parents=[plain], help="the kiosk fleet: codes, state, audit")
    fleet.set_defaults(print_help=fleet.print_help)
    sub = fleet.add_subparsers(dest="fleet_command", metavar="ACTION")
    otp = sub.add_parser("otp", parents=[with_db], help="a one-time technician code for one kiosk")
    otp.add_argument("kiosk_id", metavar="KIOSK-ID")
    listing = sub.add_parser("list", parents=[with_db], help="every kiosk with its colour and last heartbeat")
    listing.add_argument("--json", action="store_true")
    trail = sub.add_parser("audit", parents=[with_db], help="technicians' actions, newest first")
    trail.add_argument("kiosk_id", metavar="KIOSK-ID", nargs="?")
    command = sub.add_parser(
        "command", parents=[with_db], help="queue a command the kiosk pulls with its heartbeat"
    )
    command.add_argument("kiosk_id", metavar="KIOSK-ID")
    command.add_argument("kind", choices=queue.KINDS)
    command.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    command.add_argument("--expires-min", type=int, default=30, help="default: 30")
    listing = sub.add_parser("commands", parents=[with_db], help="commands with their status and result")
    listing.add_argument("kiosk_id", metavar="KIOSK-ID", nargs="?")
    fetched = sub.add_parser("upload", parents=[with_db], help="save what a command uploaded")
    fetched.add_argument("command_id", metavar="COMMAND-ID")
    fetched.add_argument("--out", required=True, type=Path)
    publish = sub.add_parser(
        "publish", parents=[with_db], help="sign a configuration and roll it out in stages"
    )
    publish.add_argument("scope", metavar="SCOPE", help="kiosk:ID, center:ID or all")
    publish.add_argument("--set", action="append", default=[], metavar="KEY=NUMBER", dest="settings")
    progress = sub.add_parser("rollout", parents=[with_db], help="each kiosk's place in a rollout")
    progress.add_argument("config_id", type=int, metavar="CONFIG-ID")


def run(args: argparse.Namespace, engine: Engine, clock: Clock) -> int:
    if args.fleet_command == "otp":
        k = db.kiosks
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(k.c.token_hash, k.c.revoked_at).where(k.c.id == args.kiosk_id)
            ).first()
        if row is None or row.revoked_at is not None:
            raise FleetCliError(f"unknown or revoked kiosk {args.kiosk_id!r}")
        code, until = fleet_otp.issue(
            fleet_otp.key_from_token_hash(row.token_hash), args.kiosk_id, clock.now()
        )
        print(code)
        print(f"valid once, until {until.astimezone(clock.tz):%H:%M} ({clock.tz})", file=sys.stderr)
        return 0
    if args.fleet_command == "list":
        view = state.view(engine, clock.now(), state.FleetSettings())
        if args.json:
            print(json.dumps(view.model_dump(mode="json")["kiosks"], ensure_ascii=False))
            return 0
        for kiosk in view.kiosks:
            last = kiosk.last_heartbeat_at.isoformat() if kiosk.last_heartbeat_at else "-"
            reasons = ", ".join(kiosk.reasons)
            print(f"{kiosk.kiosk_id}\t{kiosk.colour or '-'}\t{kiosk.connection}\t{last}\t{reasons}")
        return 0
    if args.fleet_command == "audit":
        for item in audit.recent(engine, args.kiosk_id):
            print(
                f"{item['at'].isoformat()}\t{item['kiosk_id']}\t{item['who']}\t{item['action']}\t"
                f"{item['result']}\t{item['detail']}"
            )
        return 0
    if args.fleet_command == "command":
        params = dict(p.partition("=")[::2] for p in args.param)
        try:
            command_id = queue.queue(
                engine,
                args.kiosk_id,
                args.kind,
                params,
                "cli",
                clock.now(),
                timedelta(minutes=args.expires_min),
            )
        except queue.CommandError as exc:
            raise FleetCliError(str(exc)) from None
        print(command_id)
        return 0
    if args.fleet_command == "commands":
        for item in queue.recent(engine, args.kiosk_id):
            result = json.dumps(item["result"], ensure_ascii=False) if item["result"] is not None else "-"
            print(f"{item['id']}\t{item['kiosk_id']}\t{item['kind']}\t{item['status']}\t{result}")
        return 0
    if args.fleet_command == "upload":
        found = queue.upload_of(engine, args.command_id)
        if found is None:
            raise FleetCliError(f"nothing uploaded for command {args.command_id}")
        args.out.write_bytes(found[1])
        print(f"{args.out} ({found[0]}, {len(found[1])} bytes)", file=sys.stderr)
        return 0
    if args.fleet_command == "publish":
        try:
            values = {k: float(v) for k, v in (item.split("=", 1) for item in args.settings)}
            config_id = rollout.publish(engine, args.scope, values, "cli", clock.now())
        except (ValueError, rollout.RolloutError) as exc:
            raise FleetCliError(str(exc)) from None
        print(config_id)
        print("signed; the first stage (one kiosk) is offered at the next sweep", file=sys.stderr)
        return 0
    if args.fleet_command == "rollout":
        for kiosk_id, status in sorted(rollout.status(engine, args.config_id).items()):
            print(f"{kiosk_id}\t{status}")
        return 0
    raise AssertionError(args.fleet_command)
