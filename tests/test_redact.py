"""Phone masking: what a receipt or a screen may show of a visitor's number."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service_common.redact import mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+79123456789", "+7 *** ***-67-89"),
        ("+7 (912) 345-67-89", "+7 *** ***-67-89"),
        ("+886 912 345 678", "+886 *** ** 5678"),  # Taiwan: three-digit country code
        ("+886-2-2345-6789", "+886 *** ** 6789"),
        ("+852 9123 4567", "+852 **** 4567"),  # no lone star group
        ("+44 20 7946 0958", "+44 *** *** 0958"),
        ("0044 20 7946 0958", "+44 *** *** 0958"),  # the international prefix written as 00
        ("+1 415 555 0123", "+1 *** *** 0123"),
        ("89123456789", "*** **** 6789"),  # no "+": the country is not guessed
        ("+7", "****"),
        ("1234", "****"),
        ("00000", "****"),  # the international prefix and three digits
        ("", "****"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(st.text("0123456789 +-()", max_size=24))
def test_mask_phone_shows_at_most_the_country_code_and_four_digits(phone: str) -> None:
    masked = mask_phone(phone)
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("00") and len(digits) > 2:  # "00" is the international prefix, not digits
        digits = digits[2:]
    shown = re.sub(r"\D", "", masked)
    assert len(shown) <= 3 + 4
    if len(digits) > 4:
        assert shown.endswith(digits[-4:])
    else:
        assert masked == "****"
    if not phone.strip().startswith("+"):
        assert len(shown) <= 4 or phone.strip().startswith("00")
