"""Chinese line breaking: where wrap() may end a line, and what the layout checker objects to."""

from __future__ import annotations

from screens.linebreak import break_opportunities, wrap


def width(text: str) -> float:
    """One unit a character: enough to force breaks at known places."""
    return float(len(text))


def test_number_stays_with_its_measure_word() -> None:
    text = "定期存款，12 個月"
    assert 8 not in break_opportunities(text)  # not at the space between "12" and "個"
    assert 9 not in break_opportunities(text)  # not inside "個月"
    for limit in range(6, len(text)):
        lines = wrap(text, limit, width).split("\n")
        assert all(not line.startswith(("個", "月")) for line in lines), lines
        assert all(not line.endswith(("12", "個")) for line in lines[:-1]), lines


def test_spaces_between_words_still_break() -> None:
    assert wrap("Fixed deposit, 12 months", 16, width) == "Fixed deposit,\n12 months"


def test_checker_names_a_number_cut_from_its_unit() -> None:
    from tests.ui.layout import break_problems

    assert break_problems("存款，12 個月", ["存款，12", "個月"])
    assert break_problems("存款，12 個月", ["存款，12 個", "月"])
    assert not break_problems("存款，12 個月", ["存款，", "12 個月"])


def test_russian_dates_use_spaces_the_font_draws() -> None:
    """Babel writes "1 дек. 2026 г." with U+202F, which neither face of the font has."""
    from datetime import date

    from screens.booking import long_day
    from screens.fonts import Coverage
    from service_common.i18n import Translator
    from service_common.paths import FONTS

    faces = [Coverage((FONTS / f"{n}.coverage").read_text()) for n in ("KioskSans", "KioskSansFull")]
    tr = Translator("ru")
    texts = [tr.date(date(2026, 12, 1), "long"), tr.date(date(2026, 12, 1), "medium"), tr.number(1234567.5)]
    texts += [long_day(date(2026, 12, 1), lang) for lang in ("ru", "zh-Hant", "en")]
    for text in texts:
        assert not [c for c in text if not any(c in face for face in faces)], repr(text)


def test_letters_start_latin_for_chinese_and_english_visitors() -> None:
    from screens.app import letters_for

    assert letters_for("ru", ["ru", "en"]) == "ru"
    assert letters_for("zh-Hant", ["ru", "en"]) == "en"
    assert letters_for("en", ["ru", "en"]) == "en"
    assert letters_for("en", ["ru"]) == "ru"
