"""Knowledge search on real SQLite: each language case of issue 13, incremental updates, odd input, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.services.knowledge import KnowledgeService
from offline_cache.db import CacheDB
from offline_cache.knowledge import Article

DEMO = Path(__file__).resolve().parent.parent / "assets" / "kb" / "demo.jsonl"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeService]:
    cache = CacheDB(tmp_path_factory.mktemp("kb") / "kiosk.db")
    service = KnowledgeService(cache)
    report = service.import_file(DEMO)
    assert report.errors == []
    assert report.applied >= 100
    yield service
    cache.close()


def _top(kb: KnowledgeService, query: str, lang: str, n: int = 1) -> list[str]:
    return [h.id for h in kb.search(query, lang, n)]


@pytest.mark.parametrize("query", ["карта", "карты", "карту"])
def test_russian_word_forms_find_the_same_articles(kb: KnowledgeService, query: str) -> None:
    assert {"card-block-ru", "card-lost-ru"} & set(_top(kb, query, "ru", 5))


@pytest.mark.parametrize("query", ["заблокировать карту", "заблокировали карту", "блокировка"])
def test_russian_verb_and_noun_meet(kb: KnowledgeService, query: str) -> None:
    assert "card-block-ru" in _top(kb, query, "ru", 2)


@pytest.mark.parametrize(
    ("query", "want"), [("掛失", "card-lost-zh"), ("利率", "deposit-rates-zh"), ("信用卡", "credit-card-zh")]
)
def test_chinese_words_of_two_or_more_characters(kb: KnowledgeService, query: str, want: str) -> None:
    assert _top(kb, query, "zh-Hant") == [want]


@pytest.mark.parametrize(
    ("query", "want"), [("挂失", "card-lost-zh"), ("汇率", "exchange-rates-zh"), ("对帐单", "statement-zh")]
)
def test_simplified_query_finds_traditional_article(kb: KnowledgeService, query: str, want: str) -> None:
    assert _top(kb, query, "zh-Hant") == [want]


def test_english_stemming(kb: KnowledgeService) -> None:
    assert _top(kb, "blocking", "en") == ["card-block-en"]
    assert _top(kb, "mortgages", "en") == ["mortgage-en"]


@pytest.mark.parametrize(
    ("query", "lang", "want"),
    [("morgage", "en", "mortgage-en"), ("ипотка", "ru", "mortgage-ru"), ("statment", "en", "statement-en")],
)
def test_a_typo_is_forgiven(kb: KnowledgeService, query: str, lang: str, want: str) -> None:
    assert _top(kb, query, lang) == [want]


def test_several_keywords_at_once(kb: KnowledgeService) -> None:
    assert _top(kb, "вклад досрочно закрыть проценты", "ru") == ["deposit-close-ru"]


def test_a_question_in_plain_words(kb: KnowledgeService) -> None:
    assert _top(kb, "how do I get my card back", "en") == ["card-atm-kept-en"]


def test_maintainer_synonyms(kb: KnowledgeService) -> None:
    assert _top(kb, "коммуналка", "ru") == ["utility-pay-ru"]
    assert _top(kb, "cash machine ate my card", "en") == ["card-atm-kept-en"]


def test_title_outweighs_body_and_matched_words_are_as_written(kb: KnowledgeService) -> None:
    hits = kb.search("ставки", "ru", 5)
    assert hits[0].id == "deposit-rates-ru"
    assert hits[0].score >= hits[-1].score
    assert "Ставки" in hits[0].matched or "ставки" in hits[0].matched
    zh = kb.search("挂失", "zh-Hant", 1)[0]
    assert "掛失" in zh.matched  # the Traditional word of the article, not the typed Simplified one


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "?!.,;:()«»",
        "карта" * 2000,
        "card 卡片 карта ¿¿",
        "\x00\ud800",
        '"OR" AND NOT * NEAR(',
        "a" * 10_000,
    ],
)
def test_odd_input_never_crashes(kb: KnowledgeService, query: str) -> None:
    for lang in ("ru", "zh-Hant", "en", "xx"):
        assert isinstance(kb.search(query, lang, 10), list)


def test_upsert_and_tombstone_keep_the_index_current(tmp_path: Path) -> None:
    cache = CacheDB(tmp_path / "kiosk.db")
    kb = KnowledgeService(cache)
    a = Article("a1", "en", "Parking near the center", "Free parking for visitors.", updated_at="2026-01-01")
    assert kb.store.upsert(a)
    assert _top(kb, "parking", "en") == ["a1"]
    assert kb.store.upsert(
        Article("a1", "en", "Bicycle racks", "Racks by the door.", updated_at="2026-02-01")
    )
    assert _top(kb, "parking", "en") == []
    assert _top(kb, "bicycle", "en") == ["a1"]
    assert not kb.store.upsert(a)  # an older revision arriving late changes nothing
    assert kb.store.delete("a1", "2026-03-01")
    assert _top(kb, "bicycle", "en") == []
    assert kb.article("a1") is None
    assert not kb.store.upsert(Article("a1", "en", "Bicycle racks", "x", updated_at="2026-02-15"))
    cache.close()


def test_cli_import_reports_bad_lines_and_search_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n[central]\ntoken = ""\n', encoding="utf-8")
    lines = DEMO.read_text(encoding="utf-8").splitlines()[:3]
    bad = tmp_path / "in.jsonl"
    bad.write_text(
        "\n".join(
            [
                lines[0],
                "{not json",
                '{"id": "x", "lang": "de", "title": "t", "body": "b"}',
                lines[1],
                lines[2],
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert main(["kb", "import", str(bad), "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert "3 articles loaded" in captured.out
    assert ":2: skipped" in captured.err
    assert ":3: skipped" in captured.err
    assert (
        main(
            [
                "kb",
                "search",
                "заблокировать",
                "--lang",
                "ru",
                "--limit",
                "2",
                "--json",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out[0]["id"] == "card-block-ru"
    assert set(out[0]) == {"id", "title", "score"}
    assert main(["kb", "search", "???", "--lang", "en", "--json", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_write_through_another_store_is_seen_at_once(tmp_path: Path) -> None:
    """The sync worker writes through its own store; the screen's store must not keep a stale vocabulary."""
    cache = CacheDB(tmp_path / "kiosk.db")
    screen, sync = KnowledgeService(cache), KnowledgeService(cache)
    sync.store.upsert(Article("a1", "ru", "Парковка у центра", "Бесплатная парковка.", updated_at="1"))
    assert _top(screen, "парковка", "ru") == ["a1"]
    sync.store.upsert(Article("a2", "ru", "Велопарковка", "Стойки для велосипедов у входа.", updated_at="1"))
    assert _top(screen, "велосипед", "ru") == ["a2"]
    sync.store.delete("a2", "2")
    assert _top(screen, "велосипед", "ru") == []
    cache.close()


def test_bulk_load_mixes_new_known_repeated_and_stale_articles(tmp_path: Path) -> None:
    """upsert_many batches new articles; a known one, one twice in the batch, an older one still behave."""
    cache = CacheDB(tmp_path / "kiosk.db")
    kb = KnowledgeService(cache)
    kb.store.upsert(Article("k1", "en", "Parking near the center", "Free parking.", updated_at="2026-02-01"))
    kb.store.upsert(Article("k2", "ru", "Парковка", "Бесплатная парковка.", updated_at="2026-02-01"))
    kb.store.delete("gone", "2026-02-01")
    batch = [
        Article("n1", "en", "Bicycle racks", "Racks by the door.", updated_at="2026-01-01"),
        Article("k1", "zh-Hant", "停車場", "免費停車。", updated_at="2026-03-01"),  # moves language
        Article("k2", "ru", "Старая парковка", "Устарело.", updated_at="2026-01-01"),  # older: ignored
        Article("n2", "en", "Mortgage first draft", "Draft.", updated_at="2026-01-01"),
        Article("n2", "en", "Mortgage rates", "Rates for home loans.", updated_at="2026-01-02"),  # newer wins
        Article("n1", "en", "Bicycle stands", "Old text.", updated_at="2025-12-01"),  # older repeat: ignored
        Article("gone", "en", "Ghost", "Deleted later.", updated_at="2026-01-01"),  # tombstone is newer
    ]
    assert kb.store.upsert_many(batch) == 4  # n1, k1, n2 twice: each write that took effect counts
    assert _top(kb, "parking", "en") == []
    assert _top(kb, "停車", "zh-Hant") == ["k1"]
    assert _top(kb, "парковка", "ru") == ["k2"]
    assert [kb.article(i).title for i in ("k2", "n1")] == ["Парковка", "Bicycle racks"]  # type: ignore[union-attr]
    assert _top(kb, "mortgage rates", "en") == ["n2"]
    assert _top(kb, "draft", "en") == []
    assert kb.article("gone") is None
    assert _top(kb, "ghost", "en") == []
    assert kb.store.count() == 4
    # a later single upsert gets a rowid of its own after the batch's explicit ones
    kb.store.upsert(Article("n3", "en", "Cash desk hours", "Open daily.", updated_at="1"))
    assert _top(kb, "cash desk", "en") == ["n3"]
    assert _top(kb, "bicycle", "en") == ["n1"]
    cache.close()


def test_a_vocabulary_warmed_by_one_store_serves_the_others(tmp_path: Path) -> None:
    """The sync worker warms after writing, so the screen's next search does not reload the vocabulary."""
    cache = CacheDB(tmp_path / "kiosk.db")
    screen, sync = KnowledgeService(cache), KnowledgeService(cache)
    assert _top(screen, "парковка", "ru") == []
    sync.store.upsert(Article("a1", "ru", "Парковка у центра", "Бесплатная парковка.", updated_at="1"))
    sync.store.warm()
    warmed = sync.store._vocabulary("ru")
    assert "парковк" in warmed.df
    assert screen.store._vocabulary("ru") is warmed
    assert _top(screen, "парковка", "ru") == ["a1"]
    other = CacheDB(tmp_path / "other.db")  # another file never shares it
    assert KnowledgeService(other).store._vocabulary("ru") is not warmed
    other.close()
    cache.close()
