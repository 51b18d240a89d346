"""The paper and the screen tell the wait by one rule: never "wait about 0 minutes" beside "you are next"."""

from __future__ import annotations

import pytest

from devices.receipts import KeyValue, Text, ticket_receipt
from service_common.i18n import is_next, shown_wait
from tests.printer.conftest import ticket


@pytest.mark.parametrize(
    ("ahead", "wait", "shown"),
    [(0, 0, None), (0, 5, None), (None, 5, None), (2, 0, None), (2, 10, 10), (1, 1, 1)],
)
def test_one_rule(ahead: int | None, wait: int | None, shown: int | None) -> None:
    assert shown_wait(ahead, wait) == shown
    assert is_next(ahead) == (ahead == 0)


@pytest.mark.parametrize("lang", ["ru", "zh-Hant", "en"])
def test_next_in_line_reads_you_are_next_and_no_wait(lang: str) -> None:
    receipt = ticket_receipt(ticket(lang, people_ahead=0, wait_minutes=0), lang)
    values = [b.value for b in receipt.blocks if isinstance(b, KeyValue)]
    assert len(values) == 1  # only "issued": no "ahead 0", no "about 0 minutes"
    texts = [b.text for b in receipt.blocks if isinstance(b, Text)]
    expected = {"ru": "Вы следующий", "zh-Hant": "下一位就是您", "en": "You are next"}[lang]
    assert any(t.startswith(expected) for t in texts)


def test_someone_ahead_keeps_count_and_wait() -> None:
    receipt = ticket_receipt(ticket("en", people_ahead=3, wait_minutes=12), "en")
    assert [b.value for b in receipt.blocks if isinstance(b, KeyValue)][:2] == ["3", "about 12 minutes"]
    assert not any(b.text.startswith("You are next") for b in receipt.blocks if isinstance(b, Text))
