"""The appeal rules both sides share: deadlines in working days and registration numbers."""

from __future__ import annotations

from datetime import date

import pytest

from service_common.appeals import (
    RegistrationNumber,
    add_working_days,
    answer_deadline,
    working_days_between,
)


def test_filing_day_does_not_count_and_weekends_are_skipped() -> None:
    friday = date(2026, 12, 4)
    assert answer_deadline(friday, "question") == date(2026, 12, 7)  # Monday
    assert answer_deadline(friday, "application") == date(2026, 12, 9)
    assert answer_deadline(friday, "feedback") is None


def test_russian_new_year_holidays_do_not_count() -> None:
    # 31 Dec 2026 is a Thursday; 1-8 Jan are public holidays in Russia.
    assert answer_deadline(date(2026, 12, 31), "question", country="RU") == date(2027, 1, 11)
    assert answer_deadline(date(2026, 12, 31), "question", country=None) == date(2027, 1, 1)


def test_a_paper_letter_gets_ten_working_days() -> None:
    assert answer_deadline(date(2026, 12, 4), "question", source="letter", country=None) == date(2026, 12, 18)


def test_paused_days_are_counted_in_working_days() -> None:
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 8), None) == 2
    assert add_working_days(date(2026, 12, 4), 0, None) == date(2026, 12, 4)


def test_registration_number_round_trip() -> None:
    number = RegistrationNumber(7, date(2026, 12, 4), 12)
    assert str(number) == "A007-261204-0012"
    assert RegistrationNumber.parse(" a007-261204-0012 ") == number
    with pytest.raises(ValueError):
        RegistrationNumber.parse("A7-2612-1")
    with pytest.raises(ValueError):
        answer_deadline(date(2026, 12, 4), "praise")
