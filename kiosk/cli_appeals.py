"""``kiosk appeals submit`` and ``kiosk appeals status``: appeals from the command line.

``submit`` is for staff registering an appeal that came on paper (``--channel letter``: 10 working
days, source "letter") or on the visitor's word; it numbers the appeal exactly as the touch screen
does (offline too) and then tries to send it at once. Wired into ``kiosk.cli`` by ``add_parsers``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import asdict
from typing import Any

from kiosk.config import KioskConfig
from service_common.appeals import KINDS

COMMANDS = ("appeals",)
EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_parsers(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    appeals = subparsers.add_parser(
        "appeals", parents=[common_parent], help="file an appeal, check its status"
    )
    sub = appeals.add_subparsers(dest="appeals_command", metavar="ACTION", required=True)
    submit = sub.add_parser(
        "submit", parents=[common_parent], help="register an appeal; prints number and deadline"
    )
    submit.add_argument("--kind", choices=KINDS, required=True)
    submit.add_argument("--name", required=True)
    contact = submit.add_mutually_exclusive_group(required=True)
    contact.add_argument("--phone")
    contact.add_argument("--email")
    submit.add_argument("--text", required=True)
    submit.add_argument("--topic", default="")
    submit.add_argument("--reply-by", choices=("sms", "email", "letter", "center"), default="")
    submit.add_argument("--channel", choices=("kiosk", "letter"), default="kiosk",
                        help="letter: a paper letter registered by staff (10 working days)")  # fmt: skip
    submit.add_argument("--lang", choices=("ru", "zh-Hant", "en"), default=None)
    status = sub.add_parser("status", parents=[common_parent], help="an appeal's status and history")
    status.add_argument("number", metavar="NUMBER")
    proof = status.add_mutually_exclusive_group(required=True)
    proof.add_argument("--phone-last4", metavar="DDDD")
    proof.add_argument("--email")
    status.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.context import central_gateway
    from kiosk.services.appeals import AppealService
    from kiosk.services.info import InfoService
    from offline_cache.appeals import AppealStore
    from offline_cache.db import CacheDB
    from offline_cache.documents import DocumentCache
    from offline_cache.outbox import Outbox
    from server_sync.outbox import OutboxSender
    from service_common.clock import SystemClock

    config.data_dir.mkdir(parents=True, exist_ok=True)
    cache = CacheDB(config.data_dir / "kiosk.db")
    gateway = central_gateway(config)
    clock = SystemClock(config.tz)
    try:
        info = InfoService(gateway, DocumentCache(cache), clock, config.kiosk.center_id)
        service = AppealService(gateway, AppealStore(cache), clock, info, None, config.kiosk.center_id)
        if args.appeals_command == "submit":
            return _submit(service, OutboxSender(Outbox(cache), gateway, clock), args, config)
        return _status(service, args)
    finally:
        if gateway is not None:
            gateway.close()
        cache.close()


def _submit(service: Any, sender: Any, args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.services.appeals import PROBLEMS, AppealForm, AppealInvalid, AppealsUnavailable

    form = AppealForm(
        kind=args.kind, name=args.name, phone=args.phone or "", email=args.email or "",
        reply_by=args.reply_by, topic=args.topic, text=args.text, source=args.channel,
    )  # fmt: skip
    if service.info.home_center() is None:
        from kiosk.services.info import InfoUnavailable

        with contextlib.suppress(InfoUnavailable):  # offline: the default calendar (RU) applies
            service.info.centers()  # the holiday calendar of the center, when central answers
    try:
        filed = service.file(form, args.lang or config.ui.default_language)
    except AppealInvalid as exc:
        for fld, code in exc.problems.items():
            print(f"kiosk appeals submit: {fld}: {PROBLEMS.get(code, code)}", file=sys.stderr)
        return EXIT_USAGE
    except AppealsUnavailable as exc:
        print(f"kiosk appeals submit: cannot number appeals yet: {exc}", file=sys.stderr)
        return EXIT_FAIL
    sent = sender.send()
    deadline = filed.deadline.isoformat() if filed.deadline else "no answer needed"
    print(f"{filed.number}  deadline {deadline}  ({'sent to central' if sent else 'queued for central'})")
    return EXIT_OK


def _status(service: Any, args: argparse.Namespace) -> int:
    from kiosk.services.appeals import AppealLookupRefused, AppealsUnavailable

    try:
        status = service.status(args.number, phone_last4=args.phone_last4 or "", email=args.email or "")
    except AppealLookupRefused as exc:
        words = {
            "locked": "too many wrong tries: locked for 15 minutes",
            "invalid": "give the last 4 phone digits",
        }
        print(f"kiosk appeals status: {words.get(exc.reason, 'no appeal with this number and contact')}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAIL
    except AppealsUnavailable as exc:
        print(f"kiosk appeals status: central unreachable: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        body = asdict(status)
        print(json.dumps(body, ensure_ascii=False, default=str))
        return EXIT_OK
    deadline = status.deadline.isoformat() if status.deadline else "-"
    where = " (kept at this kiosk, not at central yet)" if status.local else ""
    print(f"{status.number}  {status.kind}  {status.status}{where}  deadline {deadline}")
    for entry in status.history:
        note = entry.get("note")
        text = note.get("en", "") if isinstance(note, dict) else (note or "")
        print(f"  {entry['at']}  {entry['status']}  {text}".rstrip())
    if status.info_request:
        print(f"  asked: {status.info_request}")
    if status.answer:
        answer = status.answer
        print(f"  answer ({answer['by_name']}, {answer['by_contact']}): {answer['text']}")
    return EXIT_OK
