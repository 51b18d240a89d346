"""The queue's rules as pure functions: business day, ticket display, priority order, wait estimate.

No I/O here, so the rules can be tested exhaustively (hypothesis) and reused by the kiosk.

Priority is weighed against waiting time with one score, evaluated when a counter calls::

    score = minutes waited + bonus(priority)

The ticket with the highest score among the counter's services is called next. Because every
waiting ticket's score grows at the same rate, the order of two tickets never changes while they
wait: ``score_x > score_y`` exactly when ``queued_x - bonus_x < queued_y - bonus_y``. The store
therefore keeps ``rank_at = queued_at - bonus`` per ticket and calls ``ORDER BY rank_at`` from an
index; :func:`pick_next` is the score form of the same rule, and a test checks they agree.

Nobody starves: a ticket Y can be called before a waiting ticket X only if
``queued_y - bonus_y <= queued_x - bonus_x``, so Y arrived at most ``bonus_max`` minutes after X
(``bonus_y <= bonus_max``, ``bonus_x >= 0``). Tickets arriving later than that never overtake X,
so X is called after at most the tickets that arrived before it plus the priority tickets that
arrived within ``bonus_max`` minutes after it (property-tested in tests/central/test_queue_engine.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, get_args

Priority = Literal["none", "disability", "pregnancy", "veteran", "appointment"]
Status = Literal["waiting", "called", "serving", "done", "no_show", "parked", "void"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
STATUSES: tuple[str, ...] = get_args(Status)

DEFAULT_BONUS_MIN: Mapping[str, float] = {
    "none": 0,
    "disability": 15,
    "pregnancy": 15,
    "veteran": 15,
    "appointment": 20,
}


@dataclass(frozen=True)
class QueueSettings:
    """The tunable parts of the rules; built from ``[queue]`` in the central's configuration."""

    bonus_min: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BONUS_MIN))
    default_service_min: float = 5.0
    service_samples: int = 10
    min_samples: int = 3
    board_calls: int = 8
    staff_idle_min: int = 30
    staff_max_hours: int = 12
    booking_late_min: float = 10
    """How long after its start a booking may still check in: create_app copies the appointments' value."""
    lease_ceiling: int = 999
    """Leased blocks are taken downward from here, online numbers upward from 1: the day starts at 001."""
    default_daily_volume: int = 200
    """Tickets a day a service is assumed to issue before it has a week of its own (lease sizing)."""

    def bonus(self, priority: str) -> float:
        return float(self.bonus_min.get(priority, 0))

    @property
    def bonus_max(self) -> float:
        return max((float(v) for v in self.bonus_min.values()), default=0.0)


# ----- the business day: numbering restarts at the center's local midnight -----


def business_date(instant: datetime, tz: tzinfo) -> date:
    """The center's local calendar date at ``instant``."""
    return instant.astimezone(tz).date()


def day_end(day: date, tz: tzinfo) -> datetime:
    """The first instant of the next local day (UTC), i.e. the center's next midnight.

    Where a DST jump skips midnight itself (America/Santiago in September), a nonexistent
    00:00 read with ``fold=0`` keeps the old offset, which lands on the first instant that
    really belongs to the new day.
    """
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def display(prefix: str, number: int) -> str:
    """What the ticket, the board and the voice say: the prefix letter and at least 3 digits."""
    return f"{prefix}{number:03d}"


# ----- priority against waiting time -----


def rank_at(queued_at: datetime, priority: str, settings: QueueSettings) -> datetime:
    """The sort key equivalent to the score (see the module docstring): earlier is called first."""
    return queued_at - timedelta(minutes=settings.bonus(priority))


def score(now: datetime, queued_at: datetime, priority: str, settings: QueueSettings) -> float:
    """Minutes waited plus the priority's bonus minutes."""
    return (now - queued_at).total_seconds() / 60 + settings.bonus(priority)


@dataclass(frozen=True)
class Candidate:
    id: str
    queued_at: datetime
    priority: str
    number: int = 0


def pick_next(candidates: Iterable[Candidate], now: datetime, settings: QueueSettings) -> Candidate | None:
    """The highest score; ties go to the earlier ticket, then the lower number."""
    best: Candidate | None = None
    best_key: tuple[float, datetime, int] | None = None
    for c in candidates:
        key = (-score(now, c.queued_at, c.priority, settings), c.queued_at, c.number)
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


# ----- the estimated wait -----


def average_service_min(durations_sec: Sequence[float], settings: QueueSettings) -> float:
    """Mean service time of recent finished tickets; the configured default below ``min_samples``."""
    usable = [d for d in durations_sec if d >= 0]
    return pace_min(len(usable), sum(usable) / len(usable) if usable else 0.0, settings)


def pace_min(samples: int, mean_sec: float, settings: QueueSettings) -> float:
    """:func:`average_service_min` from the count and mean the database worked out."""
    if samples < settings.min_samples:
        return settings.default_service_min
    return mean_sec / 60


def estimate_wait_min(people_ahead: int, open_counters: int, average_min: float) -> int:
    """Whole minutes until the visitor is called: people ahead shared by the open counters.

    With no counter open the estimate still assumes one counter: the visitor gets a figure that
    is right once the first counter opens, instead of "unknown" on the printed ticket.
    """
    if people_ahead <= 0:
        return 0
    counters = max(open_counters, 1)
    return math.ceil(people_ahead * average_min / counters - 1e-9)


def wait_with_bookings(
    ahead: int,
    wait_for: Callable[[int], int],
    *,
    now: datetime,
    rank: datetime,
    appointment_bonus_min: float,
    booked_before: Callable[[datetime], int],
) -> int:
    """The wait of a ticket ranked ``rank``, counting booked visitors not checked in yet.

    ``wait_for(n)`` is the wait behind ``n`` people (:func:`estimate_wait_min` with the line's pace);
    ``booked_before(t)`` counts the bookings not yet checked in (window still open) starting before ``t``.

    A booking checks in at rank ``slot - bonus``, so it is called before this ticket only when
    ``slot - bonus < rank``, and it delays this ticket only if the booked visitor is there by the
    time this ticket is called, taken as the slot's start. So the bookings that count start before
    ``min(rank + bonus, expected call time)``: a booking whose slot minus the bonus falls after this
    ticket's rank never overtakes it, however early its visitor comes. The expected call time
    grows with the bookings counted; one extra round (estimate, count the bookings before that
    call time, re-estimate) is enough: a second round would only add bookings starting in the
    minutes the first one added, less than the estimate's own error, and would cost another query.
    """
    first = wait_for(ahead)
    cutoff = min(rank + timedelta(minutes=appointment_bonus_min), now + timedelta(minutes=first))
    return wait_for(ahead + booked_before(cutoff))
