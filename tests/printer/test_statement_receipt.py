"""The card statement and the block confirmation: exact bytes, golden pictures, pages, never a full number."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest

from devices.escpos_render import decode, plain_text
from devices.receipts import KeyValue, Text, render
from devices.receipts.samples import sample_block, sample_statement
from devices.receipts.statement import PAGE_ROWS, block_receipt, money, statement_receipt
from tests.printer.conftest import ISSUED
from tests.printer.test_receipts import LANGS, check_golden, needs_font

PAN = re.compile(rb"\d{13,19}")


def test_statement_bytes_are_stable_on_tm_t20ii_80mm() -> None:
    """Golden bytes of a Russian statement (its digest: the text is checked line by line below)."""
    rendered = render(
        statement_receipt(sample_statement("ru", ISSUED), "ru"), paper_width_mm=80, profile="TM-T20II"
    )
    text = plain_text(decode(rendered.data))
    assert "Выписка по карте" in text
    assert "411111******1111" in text
    assert "Остаток на начало" in text
    assert "84 250,00 RUB" in text.replace("\u00a0", " ").replace("\u202f", " ")
    assert rendered.data.startswith(b"\x1b@")
    assert hashlib.sha256(rendered.data).hexdigest() == GOLDEN_RU_80


GOLDEN_RU_80 = "d0f06bce2b1a322d16c2f7a0ec03abfe46e0782bb47e41a96f4fc1a44d3f06da"


@needs_font
@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", LANGS)
def test_golden_statement(lang: str, paper: int, receipt_artifacts: Path) -> None:
    rendered = render(
        statement_receipt(sample_statement(lang, ISSUED), lang), paper_width_mm=paper, profile="TM-T20II"
    )
    check_golden(f"statement-{lang}-{paper}", rendered.data, paper, receipt_artifacts)


@needs_font
@pytest.mark.parametrize("lang", LANGS)
def test_golden_block_confirmation(lang: str, receipt_artifacts: Path) -> None:
    rendered = render(block_receipt(sample_block(lang, ISSUED), lang), paper_width_mm=80, profile="TM-T20II")
    check_golden(f"card-block-{lang}-80", rendered.data, 80, receipt_artifacts)


def test_long_statement_is_paginated_and_adds_up() -> None:
    data = sample_statement("en", ISSUED, count=200)
    receipt = statement_receipt(data, "en")
    pages = [b.text for b in receipt.blocks if isinstance(b, Text) and b.text.startswith("Page ")]
    assert pages == [f"Page {n} of 5" for n in range(1, 6)]
    rows = [b for b in receipt.blocks if isinstance(b, KeyValue) and "#" in b.key]
    assert len(rows) == 200 == PAGE_ROWS * 5
    assert sum(Decimal(r.value.replace(",", "")) for r in rows) == data.closing - data.opening
    assert receipt.label == "statement 200 operations"


def test_short_statement_has_no_page_headings_and_empty_says_so() -> None:
    receipt = statement_receipt(sample_statement("ru", ISSUED), "ru")
    assert not any(isinstance(b, Text) and b.text.startswith("Страница") for b in receipt.blocks)
    empty = statement_receipt(sample_statement("zh-Hant", ISSUED, count=0), "zh-Hant")
    assert any(isinstance(b, Text) and b.text == "此期間無交易" for b in empty.blocks)


@pytest.mark.parametrize("lang", LANGS)
def test_no_full_card_number_in_the_bytes(lang: str) -> None:
    for receipt in (
        statement_receipt(sample_statement(lang, ISSUED), lang),
        block_receipt(sample_block(lang, ISSUED), lang),
    ):
        data = render(receipt, paper_width_mm=80, profile="TM-T20II").data
        assert not PAN.search(data)


def test_money_is_decimal_and_localized() -> None:
    assert money(Decimal("-1234.5"), "", "en", signed=True) == "-1,234.50"
    assert money(Decimal("1234.5"), "", "en", signed=True) == "+1,234.50"
    assert money(Decimal("84250"), "RUB", "ru").replace("\u00a0", " ") == "84 250,00 RUB"
