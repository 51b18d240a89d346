"""The sync job "knowledge": pull central's published articles into the local cache and search index.

Incremental by central's cursor: each page's upserts and tombstones and the new cursor are
written in one cache transaction, so a crash or an outage between pages loses nothing and
repeats nothing. When central answers ``full`` (the kiosk is new, or central does not know its
cursor), the pages are applied as they come and, once the last one arrived, every local article
central did not list is dropped; the cursor is kept only then, so an interrupted full resync
starts again from the beginning. Records that do not validate are skipped and logged: one bad
article must not stop every kiosk's knowledge base from moving on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from offline_cache.db import CacheDB
from offline_cache.kb_sync import KbSyncState
from offline_cache.knowledge import Article, KnowledgeStore
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

PAGE = 500


@dataclass
class SyncResult:
    pages: int = 0
    upserted: int = 0
    removed: int = 0
    dropped: int = 0  # local articles a full resync did not list
    skipped: int = 0  # records that did not validate
    unchanged: bool = False  # central answered 304
    full: bool = False


class KnowledgeSync:
    def __init__(
        self, gateway: CentralGateway | None, cache: CacheDB, clock: Clock, *, page_size: int = PAGE
    ) -> None:
        self.gateway = gateway
        self.cache = cache
        self.clock = clock
        self.page_size = page_size
        self.store = KnowledgeStore(cache)
        self.state = KbSyncState(cache)
        self.last: SyncResult | None = None

    def sync(self) -> bool:
        """The sync worker's job: True when the local base matches central's as of now."""
        if self.gateway is None:
            return False
        try:
            self.last = self.pull(self.gateway)
        except CentralError as exc:
            log.warning("knowledge sync stopped: %s", exc)
            return False
        finally:
            self.store.warm()  # on the sync worker's time, not on the next visitor's search
        return True

    def pull(self, gateway: CentralGateway) -> SyncResult:
        """Pages until central says there is no more; raises the gateway's errors."""
        result = SyncResult()
        held = self.state.cursor()
        cursor = held
        listed: set[str] | None = None  # ids of a full resync, once central says full
        while True:
            page = gateway.knowledge_changes(cursor, self.page_size, current=held if cursor == held else None)
            if page is None:
                result.unchanged = True
                return result
            result.pages += 1
            if page["full"] and listed is None:
                listed, result.full = set(), True
            articles = self._articles(page["articles"], result)
            removed = [str(r["id"]) for r in page["removed"]]
            with self.cache.transaction():
                result.upserted += self.store.upsert_many(articles)
                for article_id in removed:
                    result.removed += self.store.delete(article_id)
                if listed is None:
                    self.state.save(page["cursor"], self.clock.now())
            if listed is not None:
                listed.update(a.id for a in articles)
                listed.difference_update(removed)
            cursor = page["cursor"]
            if not page["more"]:
                break
        if listed is not None:
            with self.cache.transaction():
                for article_id in sorted(self.state.live_ids() - listed):
                    result.dropped += self.store.delete(article_id)
                self.state.save(str(cursor), self.clock.now(), full=True)
        if result.upserted or result.removed or result.dropped:
            log.info("knowledge synced: %s", result)
        return result

    def _articles(self, records: list[Any], result: SyncResult) -> list[Article]:
        good = []
        for record in records:
            try:
                good.append(Article.from_json(record))
            except ValueError as exc:
                result.skipped += 1
                log.warning(
                    "knowledge article %r skipped: %s",
                    record.get("id") if isinstance(record, dict) else "?",
                    exc,
                )
        return good
