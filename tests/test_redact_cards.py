"""Card numbers in free text: masked as first 6 + last 4, idempotently, leaving no card-shaped run."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from service_common.redact import luhn_ok, mask_card_numbers, scrub

VISA = "4111111111111111"
MASTERCARD = "5500005555555559"


def luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it Luhn-valid."""
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def card_shaped_left(text: str) -> list[str]:
    """Every stretch of whole digit groups (joined by spaces/dashes) with 13-19 digits that passes Luhn.

    Written independently of the module: all windows of every run, by brute force.
    """
    found = []
    for run in re.finditer(r"[0-9]+(?:[ -]+[0-9]+)*", text):
        groups = re.findall(r"[0-9]+", run.group())
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(groups[i:j])
                if 13 <= len(digits) <= 19 and luhn_ok(digits):
                    found.append(digits)
    return found


def test_a_card_in_a_name_keeps_first_six_and_last_four() -> None:
    assert mask_card_numbers(f"Ivan {VISA}") == "Ivan 411111******1111"
    assert mask_card_numbers("Иван 5500 0055 5555 5559") == "Иван 550000******5559"
    assert mask_card_numbers("card 5500-0055-5555-5559!") == "card 550000******5559!"


def test_other_numbers_are_left_as_typed() -> None:
    for text in ("Ivanov I.I.", "order 1234567890123 ok", "+7 912 345-67-89", "40817810099910004312"):
        assert mask_card_numbers(text) == text


def test_a_card_next_to_other_digits_is_still_found() -> None:
    out = mask_card_numbers(f"tel 12 {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]} 99")
    assert "411111******1111" in out
    assert card_shaped_left(out) == []


def test_the_log_scrubber_shares_the_finder() -> None:
    assert scrub(f"pan {MASTERCARD}") == "pan **** 5559"
    assert scrub(f"tel 12 {VISA[:8]} {VISA[8:]}") == "tel 12 **** 1111"


digit_groups = st.lists(st.text("0123456789", min_size=1, max_size=8), min_size=1, max_size=6)
cards = st.builds(
    lambda body, cut: " ".join(filter(None, (body[:cut], body[cut:]))),
    st.text("0123456789", min_size=12, max_size=18).map(luhn_complete),
    st.integers(0, 19),
)
pieces = st.one_of(
    st.text(max_size=6),
    st.sampled_from([" ", "-", "  ", "*", "Ivan ", "№"]),
    digit_groups.map(" ".join),
    digit_groups.map("-".join),
    cards,
)
free_text = st.lists(pieces, max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(free_text)
@example(f"12 {VISA}")
@example(f"1234567 {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}")
def test_masking_leaves_no_card_shaped_run_and_is_idempotent(text: str) -> None:
    once = mask_card_numbers(text)
    assert card_shaped_left(once) == []
    assert mask_card_numbers(once) == once
    assert scrub(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_characters="0123456789"), max_size=40), cards)
def test_a_typed_card_keeps_its_first_six_and_last_four(prefix: str, card: str) -> None:
    digits = card.replace(" ", "")
    out = mask_card_numbers(f"{prefix} {card}")
    assert out == f"{prefix} {digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
