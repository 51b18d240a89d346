"""The knowledge sync job's rules, against a scripted central (no network): pages, full resync, failures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest

from kiosk.services.knowledge_sync import KnowledgeSync
from offline_cache.db import CacheDB
from offline_cache.knowledge import Article
from server_sync.errors import CentralNoAnswer
from server_sync.gateway import CentralGateway
from service_common.clock import ManualClock


def record(article_id: str, title: str = "Как заблокировать карту", **extra: Any) -> dict[str, Any]:
    return {
        "id": article_id, "lang": "ru", "title": title, "body": "Позвоните на горячую линию.",
        "topic_path": ["Карты"], "keywords": ["блокировка"], "synonyms": [], "updated_at": "2026-12-01T10:00:00Z",
        # fields this kiosk may not know yet: they must not stop the page
        "section": "answers", "steps": ["Позвоните"], "related": [], "group": "g", "order": 0, "revision": 1,
        "promotion": None, **extra,
    }  # fmt: skip


class Central:
    """Answers knowledge_changes from a script of pages keyed by the cursor asked for."""

    def __init__(self, pages: dict[str | None, Any]) -> None:
        self.pages = pages
        self.asked: list[tuple[str | None, str | None]] = []

    def knowledge_changes(self, cursor: str | None, limit: int = 500, *, current: str | None = None) -> Any:
        self.asked.append((cursor, current))
        page = self.pages[cursor]
        if isinstance(page, Exception):
            raise page
        return page


def page(cursor: str, articles: list[dict[str, Any]], *, full: bool = False, more: bool = False,
         removed: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    return {"cursor": cursor, "full": full, "more": more, "articles": articles,
            "removed": [{"id": r, "lang": "ru", "revision": 2} for r in removed]}  # fmt: skip


@pytest.fixture
def cache(tmp_path: Path) -> CacheDB:
    return CacheDB(tmp_path / "kiosk.db")


def job(cache: CacheDB, central: Central) -> KnowledgeSync:
    return KnowledgeSync(cast(CentralGateway, central), cache, ManualClock(datetime(2026, 12, 1, 10), "UTC"))


def test_full_resync_over_pages_drops_what_central_did_not_list(cache: CacheDB) -> None:
    sync = job(cache, Central({}))
    sync.store.upsert(Article("old-ru", "ru", "Старая", "Текст", updated_at="2026-01-01T00:00:00Z"))
    sync.store.upsert(Article("b-ru", "ru", "Будет снята", "Текст", updated_at="2026-01-01T00:00:00Z"))
    central = Central({
        None: page("E:2:full", [record("a-ru"), record("b-ru")], full=True, more=True),
        "E:2:full": page("E:4", [record("c-ru", "Перевыпуск карты")], full=True, removed=("b-ru",)),
    })  # fmt: skip
    sync.gateway = cast(CentralGateway, central)
    assert sync.sync()
    assert sync.last is not None
    assert (sync.last.full, sync.last.upserted, sync.last.dropped) == (True, 3, 1)
    assert sync.state.live_ids() == {"a-ru", "c-ru"}
    assert sync.state.cursor() == "E:4"
    assert sync.store.search("перевыпуск", "ru")[0].id == "c-ru"


def test_an_interrupted_full_resync_keeps_no_cursor_and_starts_over(cache: CacheDB) -> None:
    central = Central({
        None: page("E:1:full", [record("a-ru")], full=True, more=True),
        "E:1:full": CentralNoAnswer("lost"),
    })  # fmt: skip
    sync = job(cache, central)
    assert not sync.sync()
    assert sync.state.cursor() is None  # a half-listed full resync must not pass for a complete one
    central.pages["E:1:full"] = page("E:2", [record("b-ru")], full=True)
    assert sync.sync()
    assert [c for c, _ in central.asked] == [None, "E:1:full", None, "E:1:full"]
    assert sync.state.cursor() == "E:2"


def test_incremental_pages_keep_their_cursor_and_skip_a_bad_record(cache: CacheDB) -> None:
    central = Central({
        None: page("E:1", [record("a-ru")], full=True),
        "E:1": page("E:3", [record("b-ru"), {"id": "broken", "lang": "xx"}], more=True),
        "E:3": CentralNoAnswer("lost"),
    })  # fmt: skip
    sync = job(cache, central)
    assert sync.sync()
    assert not sync.sync()
    assert sync.state.cursor() == "E:3"  # the applied page stays applied
    assert sync.state.live_ids() == {"a-ru", "b-ru"}
    central.pages["E:3"] = page("E:3", [])
    assert sync.sync()
    assert sync.last is not None
    assert sync.last.skipped == 0
    # the kiosk offered its cursor as If-None-Match on each sync's first request only
    assert central.asked[-1] == ("E:3", "E:3")
    assert central.asked[1] == ("E:1", "E:1")


def test_unchanged_is_a_success(cache: CacheDB) -> None:
    central = Central({None: page("E:1", [record("a-ru")], full=True), "E:1": None})
    sync = job(cache, central)
    assert sync.sync()
    assert sync.sync()
    assert sync.last is not None
    assert sync.last.unchanged


def test_no_central_no_sync(cache: CacheDB) -> None:
    sync = job(cache, Central({}))
    sync.gateway = None
    assert not sync.sync()


def test_a_sync_leaves_the_search_vocabulary_loaded_for_the_screen(cache: CacheDB) -> None:
    """The vocabulary is reloaded on the sync worker, so the screen's next search finds it current."""
    from offline_cache.knowledge import _SHARED_VOCAB, KnowledgeStore

    screen = KnowledgeStore(cache)
    assert screen.search("блокировка", "ru") == []  # loads the empty vocabulary
    sync = job(cache, Central({None: page("c1", [record("a1")], full=True)}))
    assert sync.sync()
    loaded = _SHARED_VOCAB[cache]["ru"]  # what the sync job left, before anything else reads
    generation = cache.db.execute("SELECT generation FROM kb_state WHERE lang = 'ru'").fetchone()[0]
    assert loaded.generation == generation
    assert "блокировк" in loaded.df
    assert screen._vocabulary("ru") is loaded  # the same object: no reload on the visitor's time
    assert [h.id for h in screen.search("блокировка", "ru")] == ["a1"]
