"""``scripts/i18n.py check`` finds a missing language, a missing key, an empty text and a changed
placeholder in every kind of translation table outside gettext, and in the catalogs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import i18n  # noqa: E402
import i18n_tables  # noqa: E402

BROKEN_PY = """
TEXT = {
    "ru": {"title": "Ваш талон", "ahead": "Перед вами: {n}", "gone": "Ушёл"},
    "zh-Hant": {"title": "", "ahead": "前方等候人數：{m}"},
    "en": {"title": "Your ticket", "ahead": "People ahead of you: {n}", "gone": "Gone"},
}
SMS = {"ru": "Код {code}", "en": "Code {code}"}
NUMBERS = {"ru": 1, "zh-Hant": 2, "en": 3}  # not texts: left alone
"""

BROKEN_TOML = """
kind = "ticket"
[text.ru]
title = "Талон"
wait_value = "около {wait}"
[text.zh-Hant]
title = "號碼牌"
wait_value = "約"
[text.en]
title = "Queue ticket"
wait_value = "about {wait}"
extra = "only in English"
"""

BROKEN_JS = """
"use strict";
const T = {  // a comment with a { brace
  ru: { title: "Записи", when: "в {time}", quote: 'it\\'s' },
  "zh-Hant": { title: "預約, 名單", when: "{time}" },
  en: { title: "", when: "at {time}", quote: "it's" },
};
const OTHER = { a: 1, b: "ru" };
"""


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    (tmp_path / "central" / "static").mkdir(parents=True)
    (tmp_path / "central" / "pages.py").write_text(BROKEN_PY, encoding="utf-8")
    (tmp_path / "central" / "static" / "page.js").write_text(BROKEN_JS, encoding="utf-8")
    page = '<p data-t="when"></p><p data-t="nope"></p>\n<script src="/static/page.js"></script>\n'
    (tmp_path / "central" / "static" / "page.html").write_text(page, encoding="utf-8")
    (tmp_path / "assets" / "receipts").mkdir(parents=True)
    (tmp_path / "assets" / "receipts" / "ticket.toml").write_text(BROKEN_TOML, encoding="utf-8")
    return tmp_path


def test_every_kind_of_table_is_checked(broken: Path) -> None:
    found = i18n_tables.problems(broken)
    expected = [
        "central/pages.py:2 TEXT: 'ahead' placeholders differ: ru ['n'], zh-Hant ['m'], en ['n']",
        "central/pages.py:2 TEXT: 'gone' missing in zh-Hant",
        "central/pages.py:2 TEXT: 'title' empty in zh-Hant",
        "central/pages.py:7 SMS: no zh-Hant texts",
        "assets/receipts/ticket.toml [text]: 'extra' missing in ru",
        "assets/receipts/ticket.toml [text]: 'extra' missing in zh-Hant",
        "assets/receipts/ticket.toml [text]: 'wait_value' placeholders differ: ru ['wait'], zh-Hant [], en ['wait']",
        "central/static/page.js:3 T: 'quote' missing in zh-Hant",
        "central/static/page.js:3 T: 'title' empty in en",
        "central/static/page.html:1: 'nope' is in no text table of page.html",
    ]
    assert found == expected


def test_js_strings_are_read_whole() -> None:
    (table,) = [t for t in _js(BROKEN_JS) if t.where.endswith(" T")]
    assert table.texts["zh-Hant"]["title"] == "預約, 名單"  # a comma inside a text does not split it
    assert table.texts["ru"]["quote"] == "it's"


def _js(source: str) -> list[i18n_tables.Table]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.js"
        path.write_text(source, encoding="utf-8")
        return list(i18n_tables.js_tables(path, "page.js"))


def test_the_project_passes() -> None:
    assert i18n.problems() == []


def test_catalog_placeholders_must_survive_translation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    for folder in i18n.LANGS:
        catalog = Catalog(locale=folder)
        catalog.add("Opens at {time}", "Откроется в {time}" if folder == "ru" else "")
        catalog.add("Ticket {number} printed again.", "已補印號碼牌。" if folder == "zh_Hant" else "")
        path = tmp_path / folder / "LC_MESSAGES" / "kiosk.po"
        path.parent.mkdir(parents=True)
        with path.open("wb") as fh:
            write_po(fh, catalog)
    monkeypatch.setattr(i18n, "LOCALE", tmp_path)
    assert i18n.placeholder_problems() == [
        "zh_Hant: 'Ticket {number} printed again.': placeholders [], msgid has ['number']"
    ]


@pytest.mark.parametrize(
    ("folder", "n", "expected"),
    [
        ("ru", 1, "ждёт 1 человек"),
        ("ru", 3, "ждут 3 человека"),
        ("ru", 5, "ждут 5 человек"),
        ("zh_Hant", 3, "3 人等候中"),
    ],
)
def test_a_catalog_read_from_po_keeps_plurals(folder: str, n: int, expected: str) -> None:
    """When the .mo is stale the kiosk reads the .po: counts must not turn English then."""
    from service_common.i18n import _read_po

    catalog = _read_po(ROOT / "assets" / "locale" / folder / "LC_MESSAGES" / "kiosk.po")
    assert catalog.ngettext("{n} person waiting", "{n} people waiting", n).format(n=n) == expected
