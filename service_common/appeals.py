"""The rules of appeals that the kiosk and central must apply identically.

A kiosk registers an appeal offline: it gives the visitor a registration number and an answer
deadline on paper at once, and central later receives the same record. So the number format and
the deadline arithmetic live here, not in either side, and both sides call the same functions.

Deadlines are counted in working days of the center's region (the ``holidays`` package, the
same calendar as appointment slots): the day of filing does not count, Saturdays, Sundays and
public holidays do not count, and the deadline is the end of the last working day counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays as holidays_lib

Kind = Literal["question", "application", "complaint", "feedback"]
KINDS: tuple[Kind, ...] = ("question", "application", "complaint", "feedback")

Source = Literal["kiosk", "letter", "staff"]
"""How the appeal came in: filed at a kiosk, a paper letter registered by staff, or staff on the visitor's word."""
SOURCES: tuple[Source, ...] = ("kiosk", "letter", "staff")

ReplyBy = Literal["sms", "email", "letter", "center"]
"""How the visitor wants the answer."""
REPLY_BY: tuple[ReplyBy, ...] = ("sms", "email", "letter", "center")

Status = Literal[
    "registered", "needs_info", "in_progress", "extended", "answered", "closed", "rejected", "overdue"
]
STATUSES: tuple[Status, ...] = (
    "registered", "needs_info", "in_progress", "extended", "answered", "closed", "rejected", "overdue",
)  # fmt: skip

RejectReason = Literal["abusive", "unreadable", "commercial_secret", "repeat", "not_competent"]
REJECT_REASONS: tuple[RejectReason, ...] = (
    "abusive", "unreadable", "commercial_secret", "repeat", "not_competent",
)  # fmt: skip

ANSWER_DAYS: dict[Kind, int | None] = {"question": 1, "application": 3, "complaint": 14, "feedback": None}
"""Working days to answer, by kind (the customer service standard). Feedback owes no answer."""
LETTER_DAYS = 10
"""A paper letter registered by staff: working days to answer, whatever its kind."""


@lru_cache(maxsize=64)
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdiv, years=[year]).keys())


def is_working_day(day: date, country: str | None, subdiv: str | None = None) -> bool:
    """Monday to Friday and not a public holiday of ``country`` (None: no holidays)."""
    if day.weekday() >= 5:
        return False
    return country is None or day not in _holidays(country, subdiv, day.year)


def add_working_days(start: date, days: int, country: str | None, subdiv: str | None = None) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, country, subdiv):
            counted += 1
    return day


def working_days_between(start: date, end: date, country: str | None, subdiv: str | None = None) -> int:
    """Working days after ``start`` up to and including ``end``: how long a paused clock stood still."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, country, subdiv):
            count += 1
    return count


def answer_days(kind: str, source: str = "kiosk") -> int | None:
    if kind not in KINDS:
        raise ValueError(f"unknown appeal kind {kind!r}")
    if source == "letter":
        return LETTER_DAYS
    return ANSWER_DAYS[kind]


def answer_deadline(
    filed_on: date, kind: str, source: str = "kiosk", country: str | None = "RU", subdiv: str | None = None
) -> date | None:
    """The last day to answer an appeal filed on ``filed_on`` (the center's local date); None for feedback."""
    days = answer_days(kind, source)
    return None if days is None else add_working_days(filed_on, days, country, subdiv)


# ----- registration numbers -----

_NUMBER = re.compile(r"^A(\d{3,6})-(\d{6})-(\d{4,6})$")


@dataclass(frozen=True)
class RegistrationNumber:
    """``A<serial>-<YYMMDD>-<seq>``: unique across the fleet without asking central.

    ``serial`` is the kiosk's short number that central assigns at enrolment (0 is central itself,
    for appeals staff register); ``seq`` counts the kiosk's appeals of that local day.
    """

    serial: int
    day: date
    seq: int

    def __str__(self) -> str:
        return f"A{self.serial:03d}-{self.day:%y%m%d}-{self.seq:04d}"

    @classmethod
    def parse(cls, text: str) -> RegistrationNumber:
        """Accepts what a visitor types: spaces dropped, any case; ValueError when it is not a number."""
        cleaned = re.sub(r"\s+", "", text).upper()
        match = _NUMBER.match(cleaned)
        if not match:
            raise ValueError(f"not an appeal registration number: {text!r}")
        serial, day, seq = match.groups()
        parsed = date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
        return cls(int(serial), parsed, int(seq))
