"""Finding an answer in the local knowledge cache: what the CLI and the screens call.

No Kivy and no network: import, search, browsing and the information sections work from the
SQLite cache alone. What the visitor tells the bank (a rating, a search that found nothing, an
"I'm interested" with consent) goes into the outbox with a kiosk-made id, so it reaches central
once, whenever the link allows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from kiosk.services.appointments import phone_ok
from offline_cache.db import CacheDB
from offline_cache.kb_browse import Entry, KnowledgeBrowser, Topic
from offline_cache.knowledge import Article, Hit, KnowledgeStore
from offline_cache.outbox import Outbox
from service_common.clock import Clock
from service_common.redact import mask_card_numbers

MAX_LIMIT = 100
MAX_MISS_CHARS = 200
MAX_NAME_CHARS = 100


class LeadRefused(ValueError):
    """The "I'm interested" form cannot be sent as it is; ``reason`` says which field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ImportReport:
    """What an import did; ``errors`` holds (line number, reason) for each skipped line."""

    applied: int = 0
    stale: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class KnowledgeService:
    def __init__(self, cache: CacheDB, clock: Clock | None = None) -> None:
        self.cache = cache
        self.clock = clock
        self.store = KnowledgeStore(cache)
        self.browser = KnowledgeBrowser(cache)
        self.outbox = Outbox(cache)

    def search(self, query: str, lang: str, limit: int = 10) -> list[Hit]:
        return self.store.search(query, lang, max(0, min(limit, MAX_LIMIT)))

    def article(self, article_id: str) -> Article | None:
        return self.store.get(article_id)

    # ----- browsing -----
    def topic(self, lang: str, path: tuple[str, ...] | list[str] = ()) -> Topic | None:
        return self.browser.topic(lang, tuple(path))

    def section(self, lang: str, sections: list[str] | tuple[str, ...]) -> list[Article]:
        return self.browser.section(lang, sections)

    def related(self, article: Article, limit: int = 3) -> list[Entry]:
        """The maintainer's list, or else the other answers of the same topic (most used first)."""
        if article.related:
            return self.browser.titles(article.related)[:limit]
        node = self.browser.topic(article.lang, tuple(article.topic_path), article.section)
        if node is None or not article.topic_path:
            return []
        return [e for e in node.sorted_articles() if e.id != article.id][:limit]

    def translation(self, article_id: str, lang: str) -> Article | None:
        """The article in another language (a language switch while reading it)."""
        article = self.store.get(article_id)
        return None if article is None else self.browser.translation(article, lang)

    # ----- what the visitor tells the bank -----
    def _record(self, kind: str, payload: dict[str, object]) -> str:
        if self.clock is None:
            raise RuntimeError("no clock: this KnowledgeService only searches")
        record_id = str(uuid.uuid4())
        now = self.clock.now()
        body = {"id": record_id, **payload, "at": now.astimezone(UTC).isoformat().replace("+00:00", "Z")}
        self.outbox.add(record_id, kind, body, now)
        return record_id

    def rate(self, article_id: str, lang: str, helpful: bool) -> str:
        return self._record("kb_rating", {"article_id": article_id, "lang": lang, "helpful": bool(helpful)})

    def record_miss(self, query: str, lang: str) -> str | None:
        """A search that found nothing, so the office learns which answers are missing."""
        text = " ".join(mask_card_numbers(query).split())[:MAX_MISS_CHARS]
        if not text:
            return None
        return self._record("kb_miss", {"query": text, "lang": lang})

    def lead(self, article_id: str, lang: str, name: str, phone: str, consent: bool) -> str:
        """ "I'm interested" in a promotion: recorded only with the visitor's explicit consent."""
        if consent is not True:
            raise LeadRefused("consent")
        name = " ".join(mask_card_numbers(name).split())  # a card number typed by mistake never leaves
        if not name or len(name) > MAX_NAME_CHARS:
            raise LeadRefused("name")
        if not phone_ok(phone):
            raise LeadRefused("phone")
        return self._record(
            "lead",
            {"article_id": article_id, "lang": lang, "name": name, "phone": phone.strip(), "consent": True},
        )

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
