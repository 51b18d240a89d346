"""``kiosk-central kb misses|helpfulness|leads``: what the knowledge office reads: missing and weak answers,
and the visitors who asked to be called about a promotion."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from central.knowledge import reports

COMMAND = "kb"


def add_parsers(commands: Any, with_db: argparse.ArgumentParser, plain: argparse.ArgumentParser) -> None:
    kb = commands.add_parser(COMMAND, parents=[plain], help="knowledge base reports")
    kb.set_defaults(print_help=kb.print_help)
    kb.set_defaults(print_help=kb.print_help)
    sub = kb.add_subparsers(dest="kb_command", metavar="ACTION")
    misses = sub.add_parser(
        "misses", parents=[with_db], help="searches that found nothing, by ISO week and language"
    )
    misses.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first UTC day (default: all)")
    misses.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last UTC day (default: all)")
    misses.add_argument("--json", action="store_true", help="one JSON list")
    helpful = sub.add_parser(
        "helpfulness", parents=[with_db], help="ratings per article, least helpful first"
    )
    helpful.add_argument("--json", action="store_true", help="one JSON list")
    leads = sub.add_parser(
        "leads", parents=[with_db], help="promotion leads given with consent, to call back"
    )
    leads.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first UTC day (default: all)")
    leads.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last UTC day (default: all)")
    leads.add_argument("--json", action="store_true", help="one JSON list")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected a date such as 2026-12-01") from None


def run(args: argparse.Namespace, engine: Engine) -> int:
    if args.kb_command == "helpfulness":
        rows: list[Any] = reports.helpfulness(engine)
        if args.json:
            print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False))
            return 0
        for r in rows:
            share = "-" if r.share_helpful is None else f"{r.share_helpful:.0%}"
            print(f"{share:>5} {r.helpful:6} {r.not_helpful:6}  {r.article_id:32} {r.title}")
        return 0
    try:
        start, end = _day(args.start, "--from"), _day(args.end, "--to")
    except ValueError as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2
    if args.kb_command == "leads":
        found = reports.leads(engine, start, end)
        if args.json:
            print(json.dumps(found, ensure_ascii=False))
            return 0
        for lead in found:
            print(
                f"{lead['at'][:16]}  {lead['phone']:18} {lead['name'][:30]:30} {lead['article_id']} ({lead['lang']})"
            )
        return 0
    rows = reports.misses(engine, start, end)
    if args.json:
        print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("no searches without a result in that period", file=sys.stderr)
        return 0
    print(f"{'WEEK':8}  {'LANG':7}  {'COUNT':>5}  QUERY")
    for r in rows:
        print(f"{r.week:8}  {r.lang:7}  {r.count:5}  {r.query}")
    return 0
