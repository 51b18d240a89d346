"""Finding an answer in the local knowledge cache: what the CLI and (later) the screens call.

No Kivy and no network: import and search work from the SQLite cache alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from offline_cache.db import CacheDB
from offline_cache.knowledge import Article, Hit, KnowledgeStore

MAX_LIMIT = 100


@dataclass
class ImportReport:
    """What an import did; ``errors`` holds (line number, reason) for each skipped line."""

    applied: int = 0
    stale: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class KnowledgeService:
    def __init__(self, cache: CacheDB) -> None:
        self.store = KnowledgeStore(cache)

    def search(self, query: str, lang: str, limit: int = 10) -> list[Hit]:
        return self.store.search(query, lang, max(0, min(limit, MAX_LIMIT)))

    def article(self, article_id: str) -> Article | None:
        return self.store.get(article_id)

    def import_lines(self, lines: Iterable[str]) -> ImportReport:
        """Load JSON lines; a bad line is reported with its number and skipped, the rest still load."""
        report = ImportReport()
        good: list[Article] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                good.append(Article.from_json(json.loads(line)))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError too
                report.errors.append((number, str(exc)))
        report.applied = self.store.upsert_many(good)
        report.stale = len(good) - report.applied
        return report

    def import_file(self, path: Path) -> ImportReport:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return self.import_lines(handle)
