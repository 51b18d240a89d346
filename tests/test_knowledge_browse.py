"""Browsing and the information sections on real SQLite; what the visitor tells the bank goes to the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.services.knowledge import KnowledgeService, LeadRefused
from offline_cache.db import CacheDB
from offline_cache.knowledge import Article
from offline_cache.outbox import Outbox
from service_common.clock import ManualClock

KB = Path(__file__).resolve().parent.parent / "assets" / "kb"


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[KnowledgeService]:
    cache = CacheDB(tmp_path / "kiosk.db")
    service = KnowledgeService(cache, ManualClock(datetime(2026, 12, 4, 10, 0), "Europe/Moscow"))
    for corpus in sorted(KB.glob("*.jsonl")):
        assert service.import_file(corpus).errors == []
    yield service
    cache.close()


def test_topics_are_at_most_three_levels_and_every_answer_is_reachable(kb: KnowledgeService) -> None:
    for lang in ("ru", "zh-Hant", "en"):
        root = kb.topic(lang)
        assert root is not None
        assert root.children
        reachable = 0
        for top in root.sorted_children():
            reachable += len(top.articles)
            for sub in top.sorted_children():
                reachable += len(sub.articles) + sum(c.count for c in sub.children.values())
        assert reachable == root.count  # every "answers" article is under some topic


def test_most_used_first(kb: KnowledgeService) -> None:
    kb.store.upsert(Article("zz-top-en", "en", "Popular", "text", ["Cards", "PIN"], order=99))
    root = kb.topic("en")
    assert root is not None
    assert root.sorted_children()[0].name == "Cards"
    pin = kb.topic("en", ["Cards", "PIN"])
    assert pin is not None
    assert pin.sorted_articles()[0].id == "zz-top-en"


def test_a_topic_removed_by_a_sync_is_none(kb: KnowledgeService) -> None:
    assert kb.topic("en", ["No such topic"]) is None


def test_sections_in_the_order_asked_most_used_first(kb: KnowledgeService) -> None:
    articles = kb.section("ru", ["contacts", "promotions"])
    sections = [a.section for a in articles]
    assert sections == sorted(sections, key=["contacts", "promotions"].index)
    assert articles[0].id == "contacts-hotline-ru"
    offer = next(a for a in articles if a.section == "promotions")
    assert offer.promotion == {"until": "2027-03-31"}


def test_guides_keep_their_steps_and_translations_are_found(kb: KnowledgeService) -> None:
    guide = kb.article("guide-reissue-card-en")
    assert guide is not None
    assert len(guide.steps) == 4
    zh = kb.translation("guide-reissue-card-en", "zh-Hant")
    assert zh is not None
    assert zh.id == "guide-reissue-card-zh"
    ru = kb.translation("card-block-en", "ru")  # no group: the id convention
    assert ru is not None
    assert ru.id == "card-block-ru"


def test_ratings_misses_and_leads_go_to_the_outbox_once_each(kb: KnowledgeService) -> None:
    kb.rate("card-block-ru", "ru", helpful=False)
    assert kb.record_miss("  жираф   4111 1111 1111 1111 ", "ru") is not None
    assert kb.record_miss("   ", "ru") is None
    kb.lead("promo-cashback-en", "en", " Ann  Lee ", "+7 912 345-67-89", consent=True)
    outbox = Outbox(kb.cache)
    due = {r.kind: r.payload for r in outbox.due(kb.clock.now() if kb.clock else datetime.now())}
    assert due["kb_rating"]["helpful"] is False
    assert due["kb_miss"]["query"].startswith("жираф 411111")
    assert "4111 1111 1111 1111" not in due["kb_miss"]["query"]
    assert due["lead"]["name"] == "Ann Lee"
    assert due["lead"]["at"].endswith("Z")
    assert len({p["id"] for p in due.values()}) == 3


def test_a_card_number_typed_as_a_lead_name_is_masked_before_it_is_stored(kb: KnowledgeService) -> None:
    kb.lead("promo-cashback-en", "en", "Ann 4111 1111 1111 1111", "+7 912 345-67-89", consent=True)
    (record,) = Outbox(kb.cache).due(datetime(2030, 1, 1, tzinfo=UTC))
    assert "4111 1111 1111 1111" not in record.payload["name"]
    assert record.payload["name"].startswith("Ann 411111")


@pytest.mark.parametrize(
    ("name", "phone", "consent", "reason"),
    [("Ann", "+7 912 345-67-89", False, "consent"), ("", "+7 912 345-67-89", True, "name"),
     ("Ann", "12", True, "phone")],
)  # fmt: skip
def test_no_lead_without_consent_or_a_way_to_call(
    kb: KnowledgeService, name: str, phone: str, consent: bool, reason: str
) -> None:
    with pytest.raises(LeadRefused) as refused:
        kb.lead("promo-cashback-en", "en", name, phone, consent)
    assert refused.value.reason == reason
    assert Outbox(kb.cache).pending_count() == 0


def test_old_jsonl_without_the_new_fields_still_imports(kb: KnowledgeService) -> None:
    report = kb.import_lines(['{"id": "x-en", "lang": "en", "title": "T", "body": "B"}'])
    assert report.applied == 1
    article = kb.article("x-en")
    assert article is not None
    assert article.section == "answers"
    bad = kb.import_lines(['{"id": "y-en", "lang": "en", "title": "T", "body": "B", "section": "gossip"}'])
    assert "section" in bad.errors[0][1]
