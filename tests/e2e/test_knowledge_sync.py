"""The kiosk's knowledge sync against a real central on loopback, and its outbox through the fault proxy.

Central is seeded (the demo corpus is published by the seed), so the first sync is a full one.
A maintainer's draft approved by a reviewer and a reviewed removal then reach the kiosk
incrementally; an unknown cursor brings a full resync that drops what central no longer lists.
Ratings and misses whose answer is lost after central received them are sent again with the
same id and counted once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from central import db as central_db
from central.knowledge import workflow
from central.knowledge.schemas import ArticleContent
from kiosk.services.info import InfoService
from kiosk.services.info_sync import InfoSync
from kiosk.services.knowledge_sync import KnowledgeSync
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from offline_cache.knowledge import Article, KnowledgeStore
from offline_cache.outbox import Outbox
from server_sync.client import CentralClient
from server_sync.gateway import CentralGateway
from server_sync.outbox import OutboxSender
from service_common.clock import SystemClock
from tests.conftest import CentralServer, start_central
from tests.faultproxy import FaultProxy, Mode

pytestmark = pytest.mark.e2e

MIA = workflow.Actor("mia", "maintainer")
RITA = workflow.Actor("rita", "reviewer")


@dataclass
class Kiosk:
    cache: CacheDB
    gateway: CentralGateway
    sync: KnowledgeSync
    store: KnowledgeStore
    outbox: Outbox
    sender: OutboxSender


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    server = start_central(tmp_path_factory.mktemp("kb-central") / "central.db")
    yield server
    server.stop()


def make_kiosk(path: Path, url: str, token: str) -> Kiosk:
    clock = SystemClock("Europe/Moscow")
    cache = CacheDB(path)
    gateway = CentralGateway(CentralClient(url, token, connect_timeout=0.5, read_timeout=3), patience_s=1.0)
    outbox = Outbox(cache)
    return Kiosk(cache, gateway, KnowledgeSync(gateway, cache, clock, page_size=40), KnowledgeStore(cache),
                 outbox, OutboxSender(outbox, gateway, clock))  # fmt: skip


def now() -> datetime:
    return datetime.now(UTC)


def publish(engine: sa.Engine, article_id: str, title: str) -> None:
    content = ArticleContent(title=title, body="Новый порядок: справка выдаётся в день обращения.",
                             topic_path=["Справки"], keywords=["справка о доходах"])  # fmt: skip
    change = workflow.create_change(engine, now(), MIA, article_id, "ru", content)
    workflow.submit(engine, now(), MIA, change.id)
    workflow.approve(engine, now(), RITA, change.id, "ok")


def remove(engine: sa.Engine, article_id: str) -> None:
    change = workflow.request_removal(engine, now(), MIA, article_id, "outdated")
    workflow.approve(engine, now(), RITA, change.id, "")


def test_full_then_incremental_then_full_again(server: CentralServer, tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path / "kiosk.db", server.url, server.enrol("KIOSK-KB-1"))
    engine = central_db.create_engine(server.db)
    try:
        assert kiosk.sync.sync()
        first = kiosk.sync.last
        assert first is not None
        assert first.full
        assert first.pages > 1
        published = first.upserted
        assert published >= 100
        assert kiosk.store.count() == published
        assert kiosk.store.search("заблокировать карту", "ru")[0].id == "card-block-ru"

        assert kiosk.sync.sync()
        assert kiosk.sync.last is not None
        assert kiosk.sync.last.unchanged  # 304: the cursor is current

        publish(engine, "income-certificate-ru", "Справка о доходах за один день")
        remove(engine, "card-block-ru")
        assert kiosk.sync.sync()
        step = kiosk.sync.last
        assert step is not None
        assert (step.full, step.upserted, step.removed) == (False, 1, 1)
        assert kiosk.store.search("справка о доходах", "ru")[0].id == "income-certificate-ru"
        assert kiosk.store.get("card-block-ru") is None
        assert all(h.id != "card-block-ru" for h in kiosk.store.search("заблокировать карту", "ru"))

        # A stray local article and an unknown cursor (as after central's restore): a full resync drops it.
        kiosk.store.upsert(
            Article("stray-ru", "ru", "Старая статья", "Текст", updated_at="2026-01-01T00:00:00Z")
        )
        kiosk.sync.state.save("someone-else:5", now())
        assert kiosk.sync.sync()
        again = kiosk.sync.last
        assert again is not None
        assert again.full
        assert again.dropped == 1
        assert kiosk.store.get("stray-ru") is None
        assert kiosk.store.count() == published  # one added, one removed
    finally:
        engine.dispose()
        kiosk.cache.close()


def test_lost_answers_neither_lose_nor_duplicate_ratings_and_misses(
    server: CentralServer, tmp_path: Path
) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with FaultProxy((host, int(port))) as proxy:
        kiosk = make_kiosk(tmp_path / "kiosk.db", proxy.url, server.enrol("KIOSK-KB-2"))
        at = now().isoformat()
        ids = {kind: str(uuid.uuid4()) for kind in ("kb_rating", "kb_miss", "lead")}
        payloads: dict[str, dict[str, Any]] = {
            "kb_rating": {"id": ids["kb_rating"], "article_id": "card-block-en", "lang": "en", "helpful": True, "at": at},
            "kb_miss": {"id": ids["kb_miss"], "query": "crypto wallet", "lang": "en", "at": at},
            "lead": {"id": ids["lead"], "article_id": "promo-en", "lang": "en", "name": "Ann",
                     "phone": "+7 912 345-67-89", "consent": True, "at": at},
        }  # fmt: skip
        with kiosk.cache.transaction():
            for kind, payload in payloads.items():
                kiosk.outbox.add(payload["id"], kind, payload, now())
        proxy.add_rule(Mode.RESET_AFTER_REQUEST, method="POST", path="/api/v1/knowledge/ratings", times=1)
        proxy.add_rule(
            Mode.BAD_GATEWAY_AFTER_REQUEST, method="POST", path="/api/v1/knowledge/misses", times=1
        )
        proxy.add_rule(Mode.STALL, method="POST", path="/api/v1/leads", times=1)
        for _ in range(6):
            kiosk.outbox.retry_now()
            if kiosk.sender.send():
                break
        assert kiosk.outbox.pending_count() == 0
        assert kiosk.outbox.counts() == {"sent": 3}
        for path in ("/api/v1/knowledge/ratings", "/api/v1/knowledge/misses", "/api/v1/leads"):
            assert proxy.forwarded("POST", path) == 2  # the lost answer, then the resend
        kiosk.cache.close()
    engine = central_db.create_engine(server.db)
    try:
        with engine.connect() as conn:
            for table, kind in ((central_db.kb_ratings, "kb_rating"), (central_db.kb_misses, "kb_miss"),
                                (central_db.kb_leads, "lead")):  # fmt: skip
                assert (
                    conn.execute(sa.select(sa.func.count()).where(table.c.id == ids[kind])).scalar_one() == 1
                )
    finally:
        engine.dispose()


def test_information_through_the_cursor_feed(server: CentralServer, tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path / "kiosk.db", server.url, server.enrol("KIOSK-KB-3"))
    docs = DocumentCache(kiosk.cache)
    clock = SystemClock("Europe/Moscow")
    job = InfoSync(kiosk.gateway, docs, clock, "C01")
    info = InfoService(None, docs, clock, "C01")  # what the screens read: the cache only here
    try:
        assert job.sync()
        assert job.last_changed == ["centers", "announcements", "rates"]
        assert {c["id"] for c in info.centers().data} == {"C01", "C02", "C03"}
        assert info.rates().data["exchange"]
        first_time = info.centers().fetched_at
        assert job.sync()
        assert job.last_changed is None  # 304
        assert info.centers().fetched_at >= first_time  # confirmed as of the last sync
        engine = central_db.create_engine(server.db)
        try:
            with central_db.write_transaction(engine) as conn:
                x = central_db.exchange_rates
                conn.execute(sa.update(x).where(x.c.currency == "EUR").values(sell="99.99"))
        finally:
            engine.dispose()
        assert job.sync()
        assert job.last_changed == ["rates"]
        assert {r["currency"]: r["sell"] for r in info.rates().data["exchange"]}["EUR"] == "99.99"
    finally:
        kiosk.cache.close()
