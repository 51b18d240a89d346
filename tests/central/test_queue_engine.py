"""The queue's pure rules: business day and midnight, display, priority order, estimates, no starvation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.queue import engine
from central.queue.engine import Candidate, QueueSettings

RULES = QueueSettings()
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_display_pads_to_three_digits() -> None:
    assert engine.display("A", 1) == "A001"
    assert engine.display("B", 17) == "B017"
    assert engine.display("C", 999) == "C999"
    assert engine.display("D", 1000) == "D1000"  # a record day still gets distinct numbers


@pytest.mark.parametrize(
    ("zone", "day", "midnight_utc"),
    [
        # No DST: always 21:00 UTC.
        ("Europe/Moscow", date(2026, 3, 28), datetime(2026, 3, 28, 21, 0, tzinfo=UTC)),
        ("Europe/Moscow", date(2026, 10, 24), datetime(2026, 10, 24, 21, 0, tzinfo=UTC)),
        # Berlin: the DST switch at 02:00 makes a 23-hour and a 25-hour day; midnight moves in UTC.
        ("Europe/Berlin", date(2026, 3, 28), datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2026, 3, 29), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2026, 10, 25), datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
        # Santiago skips midnight itself on 6 September 2026: the day starts at 01:00 local (04:00 UTC).
        ("America/Santiago", date(2026, 9, 5), datetime(2026, 9, 6, 4, 0, tzinfo=UTC)),
        # ...and on 5 April repeats 23:00-24:00 of the 4th: the 5th still starts once, at 04:00 UTC.
        ("America/Santiago", date(2026, 4, 4), datetime(2026, 4, 5, 4, 0, tzinfo=UTC)),
    ],
)
def test_day_end_is_the_next_local_midnight(zone: str, day: date, midnight_utc: datetime) -> None:
    tz = ZoneInfo(zone)
    end = engine.day_end(day, tz)
    assert end == midnight_utc
    assert engine.business_date(end, tz) == day + timedelta(days=1)
    assert engine.business_date(end - timedelta(microseconds=1), tz) == day


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
@settings(max_examples=300)
def test_business_day_is_monotonic_and_bounded_by_day_end(naive: datetime) -> None:
    for name in ("Europe/Moscow", "Europe/Berlin", "America/Santiago", "America/Havana"):
        tz = ZoneInfo(name)
        instant = naive.replace(tzinfo=UTC)
        day = engine.business_date(instant, tz)
        assert instant < engine.day_end(day, tz)
        assert engine.business_date(instant + timedelta(minutes=30), tz) >= day


def test_rank_is_queue_time_minus_bonus() -> None:
    assert engine.rank_at(T0, "none", RULES) == T0
    assert engine.rank_at(T0, "appointment", RULES) == T0 - timedelta(minutes=20)
    assert engine.rank_at(T0, "veteran", RULES) == T0 - timedelta(minutes=15)


def test_pick_next_weighs_priority_against_waiting() -> None:
    walk_in = Candidate("w", T0, "none", 1)
    veteran_soon = Candidate("v", T0 + timedelta(minutes=10), "veteran", 2)
    veteran_late = Candidate("late", T0 + timedelta(minutes=20), "veteran", 3)
    now = T0 + timedelta(minutes=30)
    assert engine.pick_next([walk_in, veteran_soon], now, RULES) == veteran_soon
    assert engine.pick_next([walk_in, veteran_late], now, RULES) == walk_in
    assert engine.pick_next([], now, RULES) is None
    tie = Candidate("tie", T0, "none", 0)
    assert engine.pick_next([walk_in, tie], now, RULES) == tie  # same time: lower number first


candidates = st.lists(
    st.tuples(st.integers(0, 600), st.sampled_from(engine.PRIORITIES)), min_size=1, max_size=30
).map(
    lambda items: [
        Candidate(f"t{i}", T0 + timedelta(seconds=secs * 7), prio, i + 1)
        for i, (secs, prio) in enumerate(items)
    ]
)


@given(candidates, st.integers(0, 10_000))
def test_rank_order_is_the_score_order_at_any_time(tickets: list[Candidate], later_s: int) -> None:
    """What the store's ORDER BY rank_at, number picks is what the score picks."""
    now = max(c.queued_at for c in tickets) + timedelta(seconds=later_s)
    by_score = engine.pick_next(tickets, now, RULES)
    by_rank = min(tickets, key=lambda c: (engine.rank_at(c.queued_at, c.priority, RULES), c.number))
    assert by_score is not None
    assert engine.rank_at(by_score.queued_at, by_score.priority, RULES) == engine.rank_at(
        by_rank.queued_at, by_rank.priority, RULES
    )


def test_average_uses_the_default_below_min_samples() -> None:
    assert engine.average_service_min([], RULES) == 5
    assert engine.average_service_min([60, 120], RULES) == 5
    assert engine.average_service_min([60, 120, 180], RULES) == 2
    custom = QueueSettings(default_service_min=7, min_samples=1)
    assert engine.average_service_min([], custom) == 7
    assert engine.average_service_min([30], custom) == 0.5


@pytest.mark.parametrize(
    ("ahead", "counters", "average", "minutes"),
    [
        (0, 0, 5.0, 0),
        (1, 1, 5.0, 5),
        (4, 2, 5.0, 10),
        (3, 2, 5.0, 8),  # 7.5 rounds up: better early than late
        (3, 0, 5.0, 15),  # no counter open: estimated as if one were
        (10, 3, 2.0, 7),
    ],
)
def test_estimate(ahead: int, counters: int, average: float, minutes: int) -> None:
    assert engine.estimate_wait_min(ahead, counters, average) == minutes


# ----- nobody starves -----


@dataclass
class Arrival:
    number: int
    at_min: float
    priority: str
    service_min: float


arrivals = st.lists(
    st.tuples(st.floats(0, 240), st.sampled_from(engine.PRIORITIES), st.floats(1, 20)),
    min_size=1,
    max_size=60,
).map(
    lambda items: [
        Arrival(i + 1, at, prio, dur) for i, (at, prio, dur) in enumerate(sorted(items, key=lambda x: x[0]))
    ]
)


def simulate(tickets: list[Arrival], counters: int, rules: QueueSettings) -> list[tuple[float, Arrival]]:
    """Counters call with pick_next whenever they are free; returns (call minute, ticket) in call order."""
    free_at = [0.0] * counters
    waiting: list[Arrival] = []
    pending = list(tickets)
    called: list[tuple[float, Arrival]] = []
    while pending or waiting:
        k = min(range(counters), key=lambda i: free_at[i])
        now = free_at[k]
        if not waiting or (pending and pending[0].at_min <= now):
            while pending and pending[0].at_min <= now:
                waiting.append(pending.pop(0))
            if not waiting:
                free_at[k] = pending[0].at_min
                continue
        by_number = {c.number: c for c in waiting}
        choice = engine.pick_next(
            [
                Candidate(str(c.number), T0 + timedelta(minutes=c.at_min), c.priority, c.number)
                for c in waiting
            ],
            T0 + timedelta(minutes=now),
            rules,
        )
        assert choice is not None
        ticket = by_number[choice.number]
        waiting.remove(ticket)
        called.append((now, ticket))
        free_at[k] = now + ticket.service_min
    return called


@given(
    arrivals, st.integers(1, 4), st.sampled_from([RULES, QueueSettings(bonus_min={"none": 0, "veteran": 45})])
)
@settings(max_examples=300, deadline=None)
def test_nobody_starves(tickets: list[Arrival], counters: int, rules: QueueSettings) -> None:
    """The bound, for every walk-in W (priority "none") under any arrivals and service times:

    * no ticket that arrived more than ``bonus_max`` minutes after W is called before W, so
    * the tickets called before W are at most those that arrived before it (its place without
      priorities, first come first served) plus the priority tickets that arrived within
      ``bonus_max`` minutes after it.
    """
    order = simulate(tickets, counters, rules)
    assert sorted(t.number for _, t in order) == [t.number for t in tickets]  # everyone is called
    position = {t.number: i for i, (_, t) in enumerate(order)}
    for walk_in in (t for t in tickets if t.priority == "none"):
        ahead = [t for _, t in order[: position[walk_in.number]]]
        for other in ahead:
            assert other.at_min <= walk_in.at_min + rules.bonus_max, (walk_in, other)
        earlier = [t for t in tickets if (t.at_min, t.number) < (walk_in.at_min, walk_in.number)]
        overtakers = [
            t
            for t in tickets
            if t.priority != "none"
            and (t.at_min, t.number) > (walk_in.at_min, walk_in.number)
            and t.at_min <= walk_in.at_min + rules.bonus_max
        ]
        assert len(ahead) <= len(earlier) + len(overtakers)


def test_a_steady_stream_of_priority_tickets_does_not_hold_a_walk_in_forever() -> None:
    """The concrete case: a veteran every minute for two hours, one counter, 2-minute services."""
    walk_in = Arrival(1, 0.0, "none", 2)
    stream = [Arrival(i + 2, 0.5 + i, "veteran", 2) for i in range(120)]
    order = simulate([walk_in, *stream], 1, RULES)
    when = next(at for at, t in order if t.number == 1)
    overtaken = [t for at, t in order if t.number != 1 and at < when]
    assert all(t.at_min <= 15 for t in overtaken)
    assert when <= 2 * (15 + 1) + 2
