"""Finding an answer in the real window: by topic in three taps, by search in each language, rated;
a search that finds nothing offers to ask; an offer's "I'm interested" needs consent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def _outbox(ui: UI, kind: str) -> list[dict[str, Any]]:
    records = ui.app.ctx.sender.outbox.due(ui.app.ctx.clock.now(), kind=kind, limit=1000)
    return [r.payload for r in records]


def _first(box: Any) -> Any:
    """The first button of a list (headings are labels between them)."""
    return next(w for w in reversed(box.children) if hasattr(w, "state"))


def answer_by_topic(ui: UI) -> int:
    """Home → "Find an answer" → the first topic → its first article; returns the taps made."""
    ui.tap(ui.screen.ids.tile_knowledge)
    ui.wait_for(lambda: ui.app.manager.current == "kb" and ui.screen.ids.topics.children)
    ui.tap(_first(ui.screen.ids.topics))
    ui.wait_for(lambda: ui.app.manager.current == "kb_topic" and ui.screen.ids.list_box.children)
    ui.tap(_first(ui.screen.ids.list_box))
    ui.wait_for(lambda: ui.app.manager.current == "kb_article" and ui.screen.body)
    return 3


def test_an_answer_by_topic_in_three_taps(fresh: UI) -> None:
    assert answer_by_topic(fresh) == 3
    fresh.screenshot(ARTIFACTS / "kb-article-by-topic-ru.png")


@pytest.mark.parametrize(
    ("lang", "query", "want"),
    [("ru", "потерял карту", "card"), ("zh-Hant", "挂失", "卡"), ("en", "how do I get my card back", "card")],
)
def test_search_as_you_type_open_and_rate(fresh: UI, lang: str, query: str, want: str) -> None:
    fresh.app.set_language(lang)
    fresh.tap(fresh.screen.ids.tile_knowledge)
    fresh.wait_for(lambda: fresh.app.manager.current == "kb")
    screen = fresh.screen
    screen.ids.query.text = query
    fresh.wait_for(lambda: screen.searching and screen.ids.results.children)
    first = _first(screen.ids.results)
    marked = first.ids.title.text + first.ids.snippet.text
    assert "[b][color=" in marked, "the visitor's words are marked"
    fresh.screenshot(ARTIFACTS / f"kb-results-{lang}.png")
    fresh.app.keyboard.detach()
    fresh.frames(3)
    fresh.tap(first)
    fresh.wait_for(lambda: fresh.app.manager.current == "kb_article" and fresh.screen.body)
    article = fresh.screen
    before = len(_outbox(fresh, "kb_rating"))
    article.ids.scroller.scroll_to(article.ids.helpful_yes, animate=False)
    fresh.frames(3)
    fresh.tap(article.ids.helpful_yes)
    fresh.wait_for(lambda: article.rated)
    fresh.wait_for(lambda: len(_outbox(fresh, "kb_rating")) == before + 1)
    rating = _outbox(fresh, "kb_rating")[-1]
    assert rating["helpful"] is True
    assert rating["lang"] == lang
    assert rating["article_id"] == article.article_id
    fresh.screenshot(ARTIFACTS / f"kb-article-rated-{lang}.png")


def test_nothing_found_is_recorded_and_offers_to_ask(fresh: UI) -> None:
    fresh.tap(fresh.screen.ids.tile_knowledge)
    fresh.wait_for(lambda: fresh.app.manager.current == "kb")
    screen = fresh.screen
    screen.ids.query.text = "жираф на луне 4111 1111 1111 1111"
    fresh.wait_for(lambda: screen.missed)
    assert "ничего не найдено" in screen.message
    assert "4111 1111 1111 1111" not in screen.message  # shown masked, as it is recorded
    fresh.app.keyboard.detach()
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / "kb-nothing-found-ru.png")
    fresh.tap(screen.ids.ask)
    fresh.wait_for(lambda: fresh.app.manager.current != "kb")
    miss = fresh.wait_for(lambda: _outbox(fresh, "kb_miss"))[-1]
    assert "4111 1111 1111 1111" not in miss["query"]
    assert "жираф" in miss["query"]


def test_offer_lead_needs_consent(fresh: UI) -> None:
    fresh.go("kb_article", article_id="promo-cashback-ru")
    fresh.wait_for(lambda: fresh.screen.promotion)
    fresh.screen.interested()
    fresh.wait_for(lambda: fresh.app.manager.current == "kb_lead")
    lead = fresh.screen
    assert lead.ids.send.disabled
    lead.ids.name.text = "Анна"
    lead.ids.phone.text = "+7 912 345-67-89"
    fresh.app.keyboard.detach()
    fresh.frames(3)
    lead.ids.scroller.scroll_to(lead.ids.consent, animate=False)
    fresh.frames(3)
    fresh.tap(lead.ids.consent)
    assert lead.consent
    assert not lead.ids.send.disabled
    lead.ids.scroller.scroll_to(lead.ids.send, animate=False)
    fresh.frames(3)
    fresh.tap(lead.ids.send)
    fresh.wait_for(lambda: lead.sent)
    (record,) = _outbox(fresh, "lead")
    assert record["consent"] is True
    assert record["article_id"] == "promo-cashback-ru"
    fresh.screenshot(ARTIFACTS / "kb-lead-sent-ru.png")


def test_info_sections_four_choices_then_the_articles(fresh: UI) -> None:
    fresh.tap(fresh.screen.ids.tile_info)
    fresh.tap(fresh.screen.ids.go_more)
    assert fresh.app.manager.current == "info_more"
    fresh.tap(fresh.screen.ids.go_contacts)
    fresh.wait_for(lambda: fresh.app.manager.current == "kb_section" and fresh.screen.ids.list_box.children)
    texts = " ".join(fresh.texts(fresh.screen))
    assert "8 800 100-00-00" not in texts  # titles only, the text is one tap further
    assert "Бесплатная горячая линия банка" in texts
    fresh.screenshot(ARTIFACTS / "kb-section-contacts-ru.png")
