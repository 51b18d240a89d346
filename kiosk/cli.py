"""``kiosk``: the kiosk app and its staff and technician commands.

Every command takes ``--config PATH`` (else ``$KIOSK_CONFIG``, else embedded defaults);
``$KIOSK_DATA_DIR`` moves the cache, logs and print previews.
"""

from __future__ import annotations

import argparse
import copy
import getpass
import logging
import sys
from pathlib import Path

from kiosk import cli_appeals, cli_devices, cli_kb, cli_sync, logs
from kiosk.config import KioskConfig, load
from service_common import __version__
from service_common.i18n import SUPPORTED_LANGUAGES
from service_common.tomlconfig import EXIT_CONFIG_ERROR, ConfigError, to_toml

log = logging.getLogger("kiosk.cli")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1080x1920, got {text!r}") from None
    if not (320 <= width <= 8192 and 320 <= height <= 8192):
        raise argparse.ArgumentTypeError("width and height must be 320 to 8192 pixels")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    # --config is accepted before and after the command. The subcommands' copy defaults to SUPPRESS,
    # so that an absent one does not overwrite the value given before the command (argparse would).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="kiosk configuration file (TOML); default $KIOSK_CONFIG",
    )
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Service-center kiosk: the touchscreen app and its staff and technician commands.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=None,
        help="kiosk configuration file (TOML); default $KIOSK_CONFIG",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="start the kiosk app (the default command)")
    run.add_argument(
        "--out-of-service",
        action="store_true",
        help="show only the out-of-service screen (systemd's OnFailure)",
    )
    service = sub.add_parser(
        "install-service", parents=[common], help="write and enable the systemd unit (watchdog, start limit)"
    )
    service.add_argument("--print", action="store_true", help="only print the units, write nothing")
    service.add_argument("--user", default="kiosk", help="the user the app runs as (default: kiosk)")

    demo = sub.add_parser(
        "demo", parents=[common], help="start a demo central service and the kiosk app with simulated devices"
    )
    demo.add_argument(
        "--data-dir", metavar="DIR", help="where the demo keeps its files (default: DATA_DIR/demo)"
    )
    demo.add_argument(
        "--clock", metavar="ISO", help="start the demo clock at this local time, e.g. 2026-12-01T09:55"
    )
    demo.add_argument("--port", type=int, default=0, help="central's loopback port (default: a free one)")
    demo.add_argument("--size", type=_size, help="window size WIDTHxHEIGHT (default from the configuration)")

    shot = sub.add_parser("screenshot", parents=[common], help="render one screen headless into a PNG")
    shot.add_argument("--screen", default="home", help="screen name (see 'kiosk screens')")
    shot.add_argument("--lang", default=None, choices=SUPPORTED_LANGUAGES, help="interface language")
    shot.add_argument("--size", type=_size, default=None, help="WIDTHxHEIGHT, e.g. 1080x1920 or 1920x1080")
    shot.add_argument("--out", type=Path, help="PNG file to write")
    shot.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="screen parameter")
    shot.add_argument(
        "--state",
        default=None,
        help="a state reached by a scripted visitor against a demo central, e.g. ticket_issued, "
        "booking_done, staff_signed_in ('kiosk screenshot --state list' lists them); overrides --screen",
    )

    sub.add_parser("screens", parents=[common], help="list the screen names")

    cfg = sub.add_parser("config", parents=[common], help="check or show the configuration")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    cfg_sub.add_parser("check", parents=[common], help="validate the configuration file and exit")
    cfg_sub.add_parser("show", parents=[common], help="print the effective configuration (tokens hidden)")

    sub.add_parser("doctor", parents=[common], help="check fonts, translations, data directory and central")
    for group, who in (("staff", "staff member"), ("technician", "technician")):
        staff = sub.add_parser(
            group, parents=[common], help=f"{who}s who may sign in on this kiosk with a PIN"
        )
        staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
        add = staff_sub.add_parser("add", parents=[common], help=f"add a {who} or change their PIN")
        add.add_argument("name")
        add.add_argument(
            "--pin-stdin", action="store_true", help="read the PIN from standard input (for scripts)"
        )
        staff_sub.add_parser("list", parents=[common], help=f"list {who} names")
        remove = staff_sub.add_parser("remove", parents=[common], help=f"remove a {who}")
        remove.add_argument("name")
    cli_devices.add_parsers(sub, common)
    cli_sync.add_parsers(sub, common)
    cli_kb.add_parsers(sub, common)
    cli_appeals.add_parsers(sub, common)
    return parser


def _load_config(path: str | None) -> KioskConfig:
    return load(path)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"
    try:
        config = _load_config(args.config)
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if command == "config":
        return _config_command(args, config)
    if command == "screens":
        from screens.names import SCREEN_NAMES

        print("\n".join(SCREEN_NAMES))
        return 0
    logs.setup(
        config.data_dir / "logs",
        config.kiosk.id,
        level=config.logging.level,
        max_bytes=config.logging.max_bytes,
        backups=config.logging.backups,
    )
    log.info("kiosk %s: %s (config %s)", __version__, command, config.source)
    if command == "run":
        from screens.launcher import run_app

        return run_app(config, out_of_service=getattr(args, "out_of_service", False))
    if command == "demo":
        from kiosk.demo import run_demo

        return run_demo(
            config, data_dir=args.data_dir, clock_start=args.clock, port=args.port, size=args.size
        )
    if command == "screenshot":
        return _screenshot(args, config)
    if command == "install-service":
        from kiosk.supervise import install

        return install(args.config, args.user, print_only=args.print)
    if command == "doctor":
        from kiosk.doctor import run_doctor

        return run_doctor(config)
    if command in ("staff", "technician"):
        return _staff_command(args, config)
    if command in cli_devices.COMMANDS:
        return cli_devices.run(args, config)
    if command in cli_sync.COMMANDS:
        return cli_sync.run(args, config)
    if command in cli_kb.COMMANDS:
        return cli_kb.run(args, config)
    if command in cli_appeals.COMMANDS:
        return cli_appeals.run(args, config)
    parser.error(f"unknown command {command}")
    return 2


def _config_command(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.config_command == "check":
        print(f"{config.source}: OK")
        return 0
    shown = copy.deepcopy(config)
    if shown.central.token:
        shown.central.token = "********"  # noqa: S105  (a mask, not a password)
    print(f"# effective configuration from {config.source}")
    print(to_toml(shown), end="")
    return 0


def _staff_command(args: argparse.Namespace, config: KioskConfig) -> int:
    """The PIN is typed twice at a hidden prompt (or piped), hashed at once, never echoed or logged."""
    from kiosk.services.staff import StaffDirectory, StaffError
    from offline_cache.db import CacheDB
    from service_common.clock import SystemClock

    cache = CacheDB(config.data_dir / "kiosk.db")
    staff = StaffDirectory(cache, SystemClock(config.tz))
    if args.command == "technician":
        from offline_cache.technicians import TechnicianStore

        staff = StaffDirectory(cache, SystemClock(config.tz), store=TechnicianStore(cache), who="technician")
    try:
        if args.staff_command == "list":
            print("\n".join(staff.names()) or f"(no {args.command} yet)")
            return 0
        if args.staff_command == "remove":
            if not staff.remove(args.name):
                print(f"kiosk: no {args.command} {args.name!r}", file=sys.stderr)
                return 1
            return 0
        if args.pin_stdin:
            pin = sys.stdin.readline().strip()
        else:
            pin = getpass.getpass("PIN (4-8 digits): ")
            if getpass.getpass("PIN again: ") != pin:
                print("kiosk: the two PINs differ; nothing changed", file=sys.stderr)
                return 1
        staff.add(args.name, pin)
        print(f"PIN set for {args.name}")
        return 0
    except StaffError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    finally:
        cache.close()


def _screenshot(args: argparse.Namespace, config: KioskConfig) -> int:
    from screens.launcher import screenshot
    from screens.names import SCREEN_NAMES

    if args.state is not None:
        return _screenshot_state(args, config)
    if args.out is None:
        print("kiosk: screenshot needs --out FILE.png", file=sys.stderr)
        return 2
    if args.screen not in SCREEN_NAMES:
        print(f"kiosk: unknown screen {args.screen!r}; known: {', '.join(SCREEN_NAMES)}", file=sys.stderr)
        return 2
    params: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"kiosk: --param expects KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        params[key] = value
    lang = args.lang or config.ui.default_language
    size = args.size or (config.ui.width, config.ui.height)
    return screenshot(config, args.screen, lang, size, args.out, params)


def _screenshot_state(args: argparse.Namespace, config: KioskConfig) -> int:
    from screens.launcher import screenshot_state
    from screens.scripted import STATES

    if args.state not in STATES:
        if args.state != "list":
            print(f"kiosk: unknown state {args.state!r}", file=sys.stderr)
        for name, (about, _reach) in STATES.items():
            print(f"{name:24} {about}")
        return 0 if args.state == "list" else 2
    if args.out is None:
        print("kiosk: screenshot needs --out FILE.png", file=sys.stderr)
        return 2
    lang = args.lang or config.ui.default_language
    size = args.size or (config.ui.width, config.ui.height)
    return screenshot_state(args.state, lang, size, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
