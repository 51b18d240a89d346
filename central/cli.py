"""``kiosk-central``: run the central service and administer its database.

Data goes to stdout (a new token, the kiosk list, the OpenAPI contract) so it can be piped;
progress and errors go to stderr, errors as one line. Exit codes: 0 done, 1 refused or
failed, 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from central import (
    __version__,
    cli_appeals,
    cli_fleet,
    cli_knowledge,
    cli_tickets,
    db,
    kiosks,
    migrate,
    seed,
    staff,
)
from central import config as central_config
from central.appeals.settings import AppealSettings
from central.appointments.channels import SpecError
from central.appointments.settings import AppointmentSettings, ReminderSettings
from central.fleet.state import FleetSettings
from central.queue import admin as queue_admin
from central.queue.engine import QueueSettings
from service_common.clock import Clock, OffsetClock, SystemClock, parse_start
from service_common.redact import scrub
from service_common.tomlconfig import EXIT_CONFIG_ERROR, ConfigError

PROG = "kiosk-central"
EXIT_FAILED = 1
EXIT_USAGE = 2
WORKERS_ENV = "KIOSK_CENTRAL_WORKERS"


class CliError(Exception):
    """A failure told to the operator in one line; exit code 1."""


def _common(db_option: bool) -> argparse.ArgumentParser:
    # SUPPRESS: an option given before the subcommand is not reset by the subparser's default.
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=f"TOML configuration file (default: ${central_config.ENV_VAR}, else built-in defaults)",
    )
    if db_option:
        parent.add_argument(
            "--db",
            metavar="PATH|URL",
            default=argparse.SUPPRESS,
            help="SQLite file path or SQLAlchemy URL (default: server.db from the config)",
        )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Central service for the service-center kiosks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=None,
        help=f"TOML configuration file (default: ${central_config.ENV_VAR}, else built-in defaults)",
    )
    plain, with_db = _common(db_option=False), _common(db_option=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    serve = commands.add_parser(
        "serve",
        parents=[with_db],
        help="run the HTTP API (migrates the database first)",
        description="Run the HTTP API; stop with SIGINT or SIGTERM.",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=argparse.SUPPRESS,
        help=f"worker processes on the one port (default: ${WORKERS_ENV}, else [server] workers; "
        "0 = 1 on SQLite, the core count on PostgreSQL)",
    )
    serve.add_argument("--host", default=argparse.SUPPRESS, help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=argparse.SUPPRESS, help="TCP port (default 8470; 0 picks one)"
    )
    serve.add_argument(
        "--clock",
        metavar="ISO",
        default=None,
        help="start the clock at this local time, e.g. 2026-12-01T09:55 (demos)",
    )

    commands.add_parser("migrate", parents=[with_db], help="create or upgrade the database schema")

    kiosk_cmd = commands.add_parser("kiosks", parents=[plain], help="register, list and revoke kiosks")
    kiosk_cmd.set_defaults(print_help=kiosk_cmd.print_help)
    kiosk_sub = kiosk_cmd.add_subparsers(dest="kiosks_command", metavar="ACTION", title="actions")
    add = kiosk_sub.add_parser(
        "add", parents=[with_db], help="register a kiosk (or rotate its token); prints only the new token"
    )
    add.add_argument("kiosk_id", metavar="KIOSK-ID")
    add.add_argument("--center", metavar="CENTER-ID", required=True, help="center the kiosk stands in")
    kiosk_sub.add_parser("list", parents=[with_db], help="list kiosks with their state and when last seen")
    revoke = kiosk_sub.add_parser("revoke", parents=[with_db], help="stop a kiosk's token from working")
    revoke.add_argument("kiosk_id", metavar="KIOSK-ID")

    staff_cmd = commands.add_parser("staff", parents=[plain], help="counter staff accounts")
    staff_cmd.set_defaults(print_help=staff_cmd.print_help)
    staff_sub = staff_cmd.add_subparsers(dest="staff_command", metavar="ACTION", title="actions")
    staff_add = staff_sub.add_parser(
        "add",
        parents=[with_db],
        help="create an account (or reset its password); prints only the initial password",
        description="The initial password must be changed at the first sign-in on /counter.",
    )
    staff_add.add_argument("username", metavar="USERNAME")
    staff_add.add_argument("--role", choices=staff.ROLES, default="agent", help="default: agent")
    staff_add.add_argument("--center", metavar="CENTER-ID", default=None, help="limit to one center")
    staff_sub.add_parser("list", parents=[with_db], help="list staff accounts")

    counters_cmd = commands.add_parser(
        "counters", parents=[plain], help="configure counters (service windows)"
    )
    counters_cmd.set_defaults(print_help=counters_cmd.print_help)
    counters_sub = counters_cmd.add_subparsers(dest="counters_command", metavar="ACTION", title="actions")
    counter_add = counters_sub.add_parser(
        "add", parents=[with_db], help="add a counter, or replace the services of an existing one"
    )
    counter_add.add_argument("center_id", metavar="CENTER-ID")
    counter_add.add_argument("name", metavar="NAME", help='what the board shows, e.g. "4"')
    counter_add.add_argument(
        "--services", metavar="IDS", required=True, help="comma-separated service ids, e.g. C01-A,C01-B"
    )
    counters_sub.add_parser("list", parents=[with_db], help="list counters and their services")

    seed_cmd = commands.add_parser(
        "seed-demo",
        parents=[with_db],
        help="load the demo centers, services, announcements and rates (repeatable)",
    )
    seed_cmd.add_argument(
        "--clock", metavar="ISO", default=None, help="date the demo data as if today were this local time"
    )

    reminders_cmd = commands.add_parser(
        "reminders", parents=[plain], help="appointment reminders (SMS, e-mail)"
    )
    reminders_cmd.set_defaults(print_help=reminders_cmd.print_help)
    reminders_sub = reminders_cmd.add_subparsers(dest="reminders_command", metavar="ACTION", title="actions")
    send_due = reminders_sub.add_parser(
        "send-due",
        parents=[with_db],
        help="send the reminders that are due now (serve does this every sweep); prints how many went",
    )
    send_due.add_argument(
        "--clock", metavar="ISO", default=None, help="as if it were this local time (demos)"
    )

    commands.add_parser("openapi", parents=[plain], help="print the API contract (OpenAPI JSON) to stdout")
    cli_tickets.add_parsers(commands, with_db, plain)
    cli_knowledge.add_parsers(commands, with_db, plain)
    cli_appeals.add_parsers(commands, with_db, plain)
    cli_fleet.add_parsers(commands, with_db, plain)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if getattr(args, f"{args.command}_command", "") is None:  # a command group with no action named
        args.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        cfg = central_config.load(args.config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    try:
        return _dispatch(args, cfg)
    except (
        CliError,
        kiosks.KioskAdminError,
        staff.StaffAdminError,
        queue_admin.CounterAdminError,
        SpecError,
        cli_fleet.FleetCliError,
    ) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except CommandError as exc:  # alembic: e.g. a database from a newer version of the central
        print(f"{PROG}: migration failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"{PROG}: database error: {detail}", file=sys.stderr)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace, cfg: central_config.CentralConfig) -> int:
    if args.command == "openapi":
        return _openapi()
    url = db.database_url(getattr(args, "db", None) or cfg.server.db)
    clock = _clock(cfg, getattr(args, "clock", None))
    if args.command == "migrate":
        engine = _open(url)
        migrate.upgrade(engine)
        print(f"{db.describe(url)}: schema at revision {migrate.current_revision(engine)}", file=sys.stderr)
        return 0
    if args.command == "seed-demo":
        engine = _open(url)
        migrate.upgrade(engine)
        counts = seed.seed_demo(engine, clock)
        counts["knowledge articles"] = seed.seed_knowledge(engine, clock)
        # Apart from seed_demo: tests seeding the demo centers need no appeals sweeping into their outbox.
        from central.appeals.demo import seed_appeals_demo  # the models, only for this command

        counts["appeals"] = seed_appeals_demo(engine, clock, seed.DEMO_STAFF)
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        print(f"{db.describe(url)}: demo data in place ({summary})", file=sys.stderr)
        print(
            f"demo counter staff: {seed.DEMO_STAFF} / {seed.DEMO_PASSWORD} "
            "(demo only: no forced password change; sign in at /counter; appeals at /staff/appeals)",
            file=sys.stderr,
        )
        editors = " and ".join(name for name, _role in seed.KB_DEMO_STAFF)
        print(
            f"demo knowledge staff: {editors} / {seed.DEMO_PASSWORD} (sign in at /staff/knowledge)",
            file=sys.stderr,
        )
        return 0
    if args.command == "serve":
        from central import serving

        engine = _open(url)
        migrate.upgrade(engine)
        host = getattr(args, "host", None) or cfg.server.host
        port = getattr(args, "port", None)
        return serve(
            engine,
            clock,
            host,
            cfg.server.port if port is None else port,
            cfg.server.log_level,
            workers=_workers(args, cfg, url, demo_clock=getattr(args, "clock", None) is not None),
            handler_threads=serving.handler_threads(
                cfg.server.handlers, cfg.server.handler_threads, url.get_backend_name()
            ),
            settings=cfg.queue.settings(),
            public_url=cfg.server.public_url or None,
            appointment_settings=cfg.appointments.settings(),
            reminder_settings=cfg.reminders.settings(),
            appeal_settings=cfg.appeals.settings(),
            fleet_settings=cfg.fleet.settings(),
        )
    if args.command == "reminders":
        return _send_due(url, clock, cfg)
    if args.command == "kiosks":
        return _kiosks(args, url, clock)
    if args.command == "staff":
        return _staff(args, url, clock)
    if args.command == "counters":
        return _counters(args, url)
    if args.command == "tickets":
        engine = _open(url, must_exist=True)
        _require_current(engine, url)
        return cli_tickets.run(args, engine)
    if args.command == cli_knowledge.COMMAND:
        engine = _open(url, must_exist=True)
        _require_current(engine, url)
        return cli_knowledge.run(args, engine)
    if args.command == "appeals":
        engine = _open(url, must_exist=True)
        _require_current(engine, url)
        return cli_appeals.run(args, engine, clock.now())
    if args.command == "fleet":
        engine = _open(url, must_exist=True)
        _require_current(engine, url)
        return cli_fleet.run(args, engine, clock)
    raise AssertionError(args.command)


def _send_due(url: URL, clock: Clock, cfg: central_config.CentralConfig) -> int:
    from central.appointments.reminders import Outbox
    from central.context import Context
    from central.queue.links import Links

    engine = _open(url, must_exist=True)
    _require_current(engine, url)
    public_url = cfg.server.public_url or f"http://{cfg.server.host}:{cfg.server.port}"
    ctx = Context(engine=engine, clock=clock, version=__version__, links=Links(public_url))
    report = Outbox.from_settings(ctx, cfg.reminders.settings()).send_due()
    print(
        f"{report.sent} sent, {report.retry} to retry, {report.failed} failed, {report.cancelled} no longer needed",
        file=sys.stderr,
    )
    print(report.sent)
    return 0


def _staff(args: argparse.Namespace, url: URL, clock: Clock) -> int:
    if args.staff_command == "add":
        engine = _open(url)
        migrate.upgrade(engine)
        print(staff.add(engine, args.username, args.role, args.center, clock))
        return 0
    engine = _open(url, must_exist=True)
    _require_current(engine, url)
    rows = staff.list_all(engine)
    if not rows:
        print("no staff accounts", file=sys.stderr)
        return 0
    table = [("USERNAME", "ROLE", "CENTER", "PASSWORD", "CREATED")]
    for s in rows:
        state = "must change" if s.must_change else "set"
        table.append((s.username, s.role, s.center_id or "any", state, _when(s.created_at, clock)))
    _print_table(table)
    return 0


def _counters(args: argparse.Namespace, url: URL) -> int:
    if args.counters_command == "add":
        engine = _open(url)
        migrate.upgrade(engine)
        services = [part.strip() for part in args.services.split(",") if part.strip()]
        cid = queue_admin.add_counter(engine, args.center_id, args.name, services)
        print(f"counter {cid}: serves {', '.join(services)}", file=sys.stderr)
        return 0
    engine = _open(url, must_exist=True)
    _require_current(engine, url)
    rows = queue_admin.list_counters(engine)
    if not rows:
        print("no counters configured", file=sys.stderr)
        return 0
    _print_table(
        [("COUNTER", "CENTER", "NAME", "SERVICES")]
        + [(c.id, c.center_id, c.name, ",".join(c.services)) for c in rows]
    )
    return 0


def _print_table(table: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _kiosks(args: argparse.Namespace, url: URL, clock: Clock) -> int:
    if args.kiosks_command == "add":
        engine = _open(url)
        migrate.upgrade(engine)
        print(kiosks.add(engine, args.kiosk_id, args.center, clock))
        return 0
    engine = _open(url, must_exist=True)
    _require_current(engine, url)
    if args.kiosks_command == "revoke":
        changed = kiosks.revoke(engine, args.kiosk_id, clock)
        print(f"{args.kiosk_id}: {'revoked' if changed else 'already revoked'}", file=sys.stderr)
        return 0
    rows = kiosks.list_all(engine)
    if not rows:
        print("no kiosks registered", file=sys.stderr)
        return 0
    table = [("KIOSK", "CENTER", "STATE", "CREATED", "LAST SEEN")]
    for k in rows:
        table.append(
            (
                k.id,
                k.center_id,
                "revoked" if k.revoked_at else "active",
                _when(k.created_at, clock),
                _when(k.last_seen_at, clock),
            )
        )
    _print_table(table)
    return 0


def _when(value: datetime | None, clock: Clock) -> str:
    return "never" if value is None else value.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M")


def _clock(cfg: central_config.CentralConfig, start: str | None) -> Clock:
    if start is None:
        return SystemClock(cfg.tz)
    try:
        return OffsetClock(parse_start(start, cfg.tz), cfg.tz)
    except ValueError:
        raise CliError(f"--clock {start!r}: expected a local time such as 2026-12-01T09:55") from None


def _open(url: URL, must_exist: bool = False) -> Engine:
    if url.get_backend_name() == "sqlite" and url.database:
        path = Path(url.database)
        if must_exist and not path.exists():
            raise CliError(f"no database at {path} (run `{PROG} migrate --db {path}` first)")
        if not path.parent.is_dir():
            raise CliError(f"cannot create database {path}: directory {path.parent} does not exist")
    return db.create_engine(url)


def _require_current(engine: Engine, url: URL) -> None:
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        raise CliError(
            f"{db.describe(url)} is at schema revision {current}, expected {head}: run `{PROG} migrate` first"
        )


def _openapi() -> int:
    from central.app import create_app  # web imports only where needed: the other commands start faster

    app = create_app(db.create_engine("sqlite://"), SystemClock())
    print(json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def serve(
    engine: Engine,
    clock: Clock,
    host: str,
    port: int,
    log_level: str,
    *,
    workers: int = 1,
    settings: QueueSettings | None = None,
    public_url: str | None = None,
    appointment_settings: AppointmentSettings | None = None,
    reminder_settings: ReminderSettings | None = None,
    appeal_settings: AppealSettings | None = None,
    fleet_settings: FleetSettings | None = None,
    handler_threads: int = 0,
) -> int:
    """Run uvicorn: one worker in this process, or ``workers`` forked ones on the same port.

    Without a configured ``public_url`` the ticket links use the address actually bound.
    """
    from central.app import create_app
    from central.context import DEFAULT_PUBLIC_URL
    from central.serving import Serving

    app = create_app(
        engine,
        clock,
        settings=settings,
        public_url=public_url or DEFAULT_PUBLIC_URL,
        appointment_settings=appointment_settings,
        reminder_settings=reminder_settings,
        appeal_settings=appeal_settings,
        fleet_settings=fleet_settings,
    )
    logging.basicConfig(
        level=log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:  # a card number in any message is masked, as on the kiosk
        handler.addFilter(ScrubbingFilter())
    return Serving(app, engine, host, port, log_level, public_url, handler_threads).run(workers)


class ScrubbingFilter(logging.Filter):
    """Masks what looks like a card number or a secret in every log line before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


def _workers(
    args: argparse.Namespace, cfg: central_config.CentralConfig, url: URL, *, demo_clock: bool
) -> int:
    """``--workers``, else $KIOSK_CENTRAL_WORKERS, else ``[server] workers``; 0 = by database.

    A demo clock (``--clock``) is one process's: ``POST /demo/clock`` could move only one worker's.
    """
    from central.serving import default_workers

    chosen = getattr(args, "workers", None)
    if chosen is None and os.environ.get(WORKERS_ENV):
        try:
            chosen = int(os.environ[WORKERS_ENV])
        except ValueError:
            raise CliError(f"${WORKERS_ENV}={os.environ[WORKERS_ENV]!r}: expected a number") from None
    if chosen is None:
        chosen = cfg.server.workers
    if chosen < 0:
        raise CliError(f"--workers {chosen}: expected 0 (by database) or more")
    backend = url.get_backend_name()
    if demo_clock:
        if chosen > 1:
            print(f"{PROG}: --clock runs one worker (the demo clock lives in one process)", file=sys.stderr)
        return 1
    if chosen == 0:
        return default_workers(backend)
    if chosen > 1 and backend == "sqlite":
        print(
            f"{PROG}: warning: {chosen} workers on one SQLite file only wait on its write lock "
            "(use PostgreSQL for several workers)",
            file=sys.stderr,
        )
    return chosen


if __name__ == "__main__":
    sys.exit(main())
