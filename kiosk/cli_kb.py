"""``kiosk kb import FILE.jsonl`` and ``kiosk kb search QUERY``: the knowledge cache without central.

For technicians (load articles by hand, see what a visitor's words find) and for scoring search
quality. Wired into ``kiosk.cli`` by ``add_parsers(sub, common)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from offline_cache.kb_analyze import LANGS

COMMANDS = ("kb",)


def add_parsers(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    kb = subparsers.add_parser("kb", parents=[common_parent], help="the local knowledge base: import, search")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="ACTION", required=True)
    imp = kb_sub.add_parser("import", parents=[common_parent], help="load articles from a JSON-lines file")
    imp.add_argument("file", type=Path, metavar="FILE.jsonl")
    search = kb_sub.add_parser("search", parents=[common_parent], help="search the local knowledge base")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--lang", choices=LANGS, default=None, help="default: ui.default_language")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help='print [{"id", "title", "score"}], best first')


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.services.knowledge import KnowledgeService
    from offline_cache.db import CacheDB

    config.data_dir.mkdir(parents=True, exist_ok=True)
    cache = CacheDB(config.data_dir / "kiosk.db")
    try:
        service = KnowledgeService(cache)
        if args.kb_command == "import":
            return _import(service, args.file)
        return _search(service, args, config)
    finally:
        cache.close()


def _import(service: Any, path: Path) -> int:
    try:
        report = service.import_file(path)
    except OSError as exc:
        print(f"kiosk kb import: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for number, reason in report.errors:
        print(f"{path}:{number}: skipped: {reason}", file=sys.stderr)
    print(
        f"{report.applied} articles loaded, {report.stale} older than the cached copy, "
        f"{len(report.errors)} lines skipped"
    )
    return 1 if report.errors else 0


def _search(service: Any, args: argparse.Namespace, config: KioskConfig) -> int:
    lang = args.lang or config.ui.default_language
    hits = service.search(args.query, lang, args.limit)
    if args.json:
        print(
            json.dumps([{"id": h.id, "title": h.title, "score": h.score} for h in hits], ensure_ascii=False)
        )
        return 0
    if not hits:
        print("nothing found")
    for hit in hits:
        print(f"{hit.score:8.3f}  {hit.id}  {hit.title}  [{', '.join(hit.matched)}]")
    return 0
