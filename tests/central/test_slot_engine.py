"""The appointment slot engine: properties over random schedules, and the calendar's sharp edges.

The properties check the engine against a reference written differently: wall times are
resolved here by scanning minute by minute (the engine bisects), windows are merged as UTC
instants (the engine merges wall times), and containment is checked slot by slot.
"""

from __future__ import annotations

import itertools
import time as clock
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.appointments.slots import (
    REASONS,
    BookingSchedule,
    CountryHolidays,
    Slot,
    Window,
    booking_counts,
    can_book,
    checkin_verdict,
    checkin_window,
    cooldown_until,
    days_with_free_slots,
    free_slots,
    missed,
    person_limit_ok,
    resolve,
    slots,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
# Each zone with dates near which it changes its clocks (Moscow and UTC never do), so random
# schedules keep running into skipped and repeated hours.
AROUND: dict[str, tuple[date, ...]] = {
    "Europe/Berlin": (date(2026, 3, 29), date(2026, 10, 25)),
    "America/Santiago": (date(2026, 4, 5), date(2026, 9, 6)),  # September: midnight is skipped
    "Australia/Lord_Howe": (date(2026, 4, 5), date(2026, 10, 4)),  # a 30-minute change
    "Europe/Moscow": (date(2026, 3, 29), date(2026, 10, 25)),
    "UTC": (date(2027, 1, 1),),
}
ZONES = tuple(AROUND)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WEEKDAYS = {d: [(time(9), time(13)), (time(14), time(18))] for d in range(5)}


# ----- an independent reference -----


def ref_resolve(day: date, wall_time: time, tz: tzinfo) -> datetime:
    """First instant whose wall time is ``wall_time`` or later, found by scanning minutes."""
    wall = datetime.combine(day, wall_time)
    candidates = [wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1)]
    real = [c for c in candidates if c.astimezone(tz).replace(tzinfo=None) == wall]
    if real:
        return min(real)
    u = min(candidates).replace(second=0, microsecond=0)
    while u.astimezone(tz).replace(tzinfo=None) < wall:
        u += timedelta(minutes=1)
    return u


def union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(s for s in spans if s[0] < s[1]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


@dataclass
class Case:
    schedule: BookingSchedule
    holiday_dates: frozenset[date]
    now: datetime
    start_date: date
    end_date: date

    @property
    def tz(self) -> tzinfo:
        return self.schedule.zone

    def windows(self, day: date) -> list[tuple[datetime, datetime]] | None:
        """The day's booking windows as UTC instants; None when the day is closed."""
        exceptions = self.schedule.exceptions
        if day in exceptions:
            listed = exceptions[day]
            if listed is None:
                return None
        elif day in self.holiday_dates:
            return None
        else:
            listed = self.schedule.windows.get(day.weekday(), [])
        return union([(ref_resolve(day, a, self.tz), ref_resolve(day, b, self.tz)) for a, b in listed])

    def breaks(self, day: date) -> list[tuple[datetime, datetime]]:
        listed = self.schedule.breaks.get(day.weekday(), [])
        return [(ref_resolve(day, a, self.tz), ref_resolve(day, b, self.tz)) for a, b in listed]


# ----- strategies -----

# Half the wall times fall in the small hours, where the clocks change.
minutes_of_day = st.integers(0, 24 * 60 - 1) | st.integers(0, 5 * 60)


def wall(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@st.composite
def windows_st(
    draw: st.DrawFn, min_size: int = 0, max_size: int = 3, shortest: int = 30, longest: int = 10 * 60
) -> list[Window]:
    """Possibly overlapping or touching stretches of one day, none crossing midnight."""
    result: list[Window] = []
    pairs = st.tuples(minutes_of_day, st.integers(shortest, longest))
    for start, length in draw(st.lists(pairs, min_size=min_size, max_size=max_size)):
        end = min(start + length, 24 * 60 - 1)
        if start < end:
            result.append((wall(start), wall(end)))
    return result


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    around = draw(st.sampled_from(AROUND[zone]))
    now_local = datetime.combine(around - timedelta(days=draw(st.integers(0, 4))), time(0)) + timedelta(
        seconds=draw(st.integers(0, 24 * 3600 - 1))
    )
    now = now_local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    nearby = st.sampled_from([around + timedelta(days=k) for k in range(-4, 14)])
    holiday_dates = frozenset(draw(st.sets(nearby, max_size=6)))
    exceptions = draw(st.dictionaries(nearby, st.none() | windows_st(), max_size=4))
    days_off = draw(st.sets(st.integers(0, 6), max_size=3))
    schedule = BookingSchedule(
        windows={d: draw(windows_st(min_size=1)) for d in range(7) if d not in days_off},
        breaks={d: draw(windows_st(max_size=2, shortest=1, longest=120)) for d in range(7)},
        slot_minutes=draw(st.sampled_from([5, 10, 15, 20, 25, 30, 45, 60, 90, 120])),
        capacity=draw(st.integers(1, 4)),
        buffer_minutes=draw(st.sampled_from([0, 0, 5, 10, 15, 30])),
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 30, 60, 180, 24 * 60]))),
        horizon=draw(st.sampled_from([7, 1, 3, 14])),
        tz=zone,
        # Generated holiday sets come in through the injectable predicate.
        holidays=holiday_dates.__contains__,
        exceptions=exceptions,
    )
    start_date = now_local.date() + timedelta(days=draw(st.integers(-2, 1)))
    end_date = start_date + timedelta(days=draw(st.integers(-1, 16)))
    return Case(schedule, holiday_dates, now, start_date, end_date)


def draw_bookings(data: st.DataObject, case: Case, offered: list[Slot]) -> Counter[datetime]:
    """Counts on offered slots (keyed by local or UTC start), over-full ones, and stray keys."""
    bookings: Counter[datetime] = Counter()
    cap = case.schedule.capacity
    if offered:
        for slot in data.draw(st.lists(st.sampled_from(offered), max_size=12)):
            key = slot.key if data.draw(st.booleans()) else slot.start
            bookings[key] = data.draw(st.integers(0, cap + 2))
    for minutes in data.draw(st.lists(st.integers(-3000, 30000), max_size=4)):
        bookings[case.now + timedelta(minutes=minutes, seconds=7)] += 1
    return bookings


# ----- properties -----


@given(cases(), st.data())
@PROPERTY
def test_offered_slots_respect_the_schedule(case: Case, data: st.DataObject) -> None:
    sch = case.schedule
    bookings = draw_bookings(data, case, slots(sch, case.start_date, case.end_date, {}, case.now))
    offered = slots(sch, case.start_date, case.end_date, bookings, case.now)
    counts = booking_counts(bookings)
    earliest = case.now + sch.min_notice
    latest = case.now + sch.horizon_delta
    for slot in offered:
        start, end = slot.key, slot.end.astimezone(UTC)
        day = slot.start.date()
        assert slot.start.tzinfo is sch.zone
        assert case.start_date <= day <= case.end_date
        assert end - start == timedelta(minutes=sch.slot_minutes)
        windows = case.windows(day)
        assert windows is not None, "offered on a closed day or a holiday"
        assert any(a <= start and end <= b for a, b in windows), "outside every booking window"
        assert not any(start < b and a < end for a, b in case.breaks(day)), "overlaps a break"
        assert earliest <= start < latest
        assert slot.capacity == sch.capacity
        assert slot.booked == counts.get(start, 0)
        assert slot.free == max(0, sch.capacity - slot.booked)
    for before, after in itertools.pairwise(offered):
        assert before.key < after.key
        assert before.end.astimezone(UTC) <= after.key
        if before.start.date() == after.start.date():
            assert after.key - before.end.astimezone(UTC) >= timedelta(minutes=sch.buffer_minutes)

    free = free_slots(sch, case.start_date, case.end_date, bookings, case.now)
    assert free == [s for s in offered if s.free > 0]
    assert all(s.booked < s.capacity for s in free)
    days = days_with_free_slots(sch, case.start_date, case.end_date, bookings, case.now)
    assert days == sorted({s.start.date() for s in free})


@given(cases(), st.data())
@PROPERTY
def test_can_book_agrees_with_free_slots(case: Case, data: st.DataObject) -> None:
    sch = case.schedule
    span_from = case.now.astimezone(sch.zone).date() - timedelta(days=2)
    span_to = span_from + timedelta(days=20)
    all_slots = slots(sch, span_from, span_to, {}, case.now)
    bookings = draw_bookings(data, case, all_slots)
    free = {s.key: s for s in free_slots(sch, span_from, span_to, bookings, case.now)}
    offered = {s.key for s in slots(sch, span_from, span_to, bookings, case.now)}
    # Grid starts regardless of notice and horizon: the same schedule, seen from long before.
    unbounded = replace(sch, min_notice=timedelta(0), horizon=400)
    whole_grid = [s.key for s in slots(unbounded, span_from, span_to, {}, case.now - timedelta(days=60))]
    pool = [*free, *offered, *whole_grid]
    shifted = [k + timedelta(minutes=m) for k in pool for m in (-1, 1)]
    randoms = data.draw(st.lists(st.integers(-2 * 24 * 60, 18 * 24 * 60), max_size=10))
    candidates = {*pool, *shifted, *(case.now + timedelta(minutes=m) for m in randoms)}
    ordered = sorted(candidates)
    for i, candidate in enumerate(ordered[:: max(1, len(ordered) // 400)]):  # a spread of at most ~400
        local = candidate.astimezone(sch.zone)
        verdict = can_book(sch, local if i % 2 else candidate, bookings, case.now)
        assert verdict.ok == (candidate in free), (candidate, verdict)
        assert verdict.reason is None or verdict.reason in REASONS
        if verdict.ok:
            assert verdict.slot == free[candidate]
        elif candidate in offered:
            assert verdict.reason == "full"
        day = local.date()
        if day in sch.exceptions and sch.exceptions[day] is None:
            assert verdict.reason == "closed"
        elif day not in sch.exceptions and day in case.holiday_dates:
            assert verdict.reason == "holiday"
        if verdict.reason == "too_soon":
            assert candidate < case.now + sch.min_notice
        if verdict.reason == "beyond_horizon":
            assert candidate >= case.now + sch.horizon_delta


@given(cases(), st.data())
@PROPERTY
def test_booking_until_refused_never_exceeds_capacity(case: Case, data: st.DataObject) -> None:
    sch = case.schedule
    span_from = case.now.astimezone(sch.zone).date() - timedelta(days=1)
    span_to = span_from + timedelta(days=16)
    offered = slots(sch, span_from, span_to, {}, case.now)
    initial = draw_bookings(data, case, offered)
    counts = Counter(booking_counts(initial))
    targets = data.draw(st.lists(st.sampled_from(offered), max_size=4, unique=True)) if offered else []
    strays = [
        case.now + timedelta(minutes=m) for m in data.draw(st.lists(st.integers(-600, 20000), max_size=3))
    ]
    attempts = data.draw(
        st.lists(st.sampled_from([*(t.key for t in targets), *strays]), max_size=30)
        if targets or strays
        else st.just([])
    )
    for when in attempts:
        # Half the time with all counts, half with the one count the DB transaction would read.
        given_counts: Mapping[datetime, int] | int = counts if data.draw(st.booleans()) else counts[when]
        if can_book(sch, when, given_counts, case.now):
            counts[when] += 1
    start_counts = booking_counts(initial)
    for key, n in counts.items():
        before = start_counts.get(key, 0)
        assert n == before or n <= sch.capacity
    offered_keys = {s.key for s in offered}
    for target in targets:
        tries = attempts.count(target.key)
        before = start_counts.get(target.key, 0)
        expected = max(before, min(sch.capacity, before + tries)) if target.key in offered_keys else before
        assert counts[target.key] == expected  # every place is taken, and no more
    for stray in strays:
        if stray not in offered_keys:
            assert counts[stray] == start_counts.get(stray, 0)


@given(cases(), st.data())
@PROPERTY
def test_notice_and_horizon_boundaries_to_the_microsecond(case: Case, data: st.DataObject) -> None:
    """Seen from just before and just after a slot's notice and horizon edges."""
    sch = case.schedule
    unbounded = replace(sch, min_notice=timedelta(0), horizon=400)
    day_from = case.now.astimezone(sch.zone).date() - timedelta(days=1)
    grid = slots(unbounded, day_from, day_from + timedelta(days=16), {}, case.now - timedelta(days=60))
    if not grid:
        return
    target = data.draw(st.sampled_from(grid))
    edge = data.draw(st.sampled_from([sch.min_notice, sch.horizon_delta]))
    delta = data.draw(st.sampled_from([timedelta(microseconds=1), timedelta(0), -timedelta(microseconds=1)]))
    delta += timedelta(seconds=data.draw(st.integers(-90, 90)))
    now = target.key - edge + delta
    if target.key < now + sch.min_notice:
        expected: str | None = "too_soon"
    elif target.key >= now + sch.horizon_delta:
        expected = "beyond_horizon"
    else:
        expected = None
    zone_now = now.astimezone(sch.zone) if data.draw(st.booleans()) else now
    assert can_book(sch, target.start, {}, zone_now).reason == expected
    day = target.start.date()
    listed = [s.key for s in slots(sch, day, day, {}, zone_now)]
    assert (target.key in listed) == (expected is None)


@given(
    st.integers(0, 20 * 60),
    st.integers(1, 4 * 60),
    st.integers(5, 120),
    st.integers(0, 30),
)
@settings(max_examples=80, deadline=None)
def test_a_plain_window_is_filled_with_as_many_slots_as_fit(
    start_min: int, length_min: int, slot: int, gap: int
) -> None:
    end_min = min(start_min + length_min, 24 * 60 - 1)
    window = (time(start_min // 60, start_min % 60), time(end_min // 60, end_min % 60))
    sch = BookingSchedule(
        windows={0: [window]},
        slot_minutes=slot,
        buffer_minutes=gap,
        tz="Europe/Moscow",
        min_notice=timedelta(0),
    )
    monday = date(2026, 11, 30)
    now = datetime(2026, 11, 29, tzinfo=MOSCOW)
    offered = slots(sch, monday, monday, {}, now)
    assert len(offered) == max(0, (end_min - start_min + gap) // (slot + gap))
    if offered:
        assert offered[0].start == datetime.combine(monday, window[0], MOSCOW)


@given(st.sampled_from(ZONES), st.integers(0, 1), st.integers(-1, 1), minutes_of_day)
@settings(max_examples=200, deadline=None)
def test_resolve_matches_the_minute_scan(zone: str, which: int, shift: int, minute: int) -> None:
    dates = AROUND[zone]
    day = dates[which % len(dates)] + timedelta(days=shift)
    wall = time(minute // 60, minute % 60)
    assert resolve(day, wall, ZoneInfo(zone)) == ref_resolve(day, wall, ZoneInfo(zone))


# ----- the calendar -----


def weekday_schedule(**overrides: object) -> BookingSchedule:
    params: dict[str, object] = {
        "windows": WEEKDAYS,
        "breaks": {d: [(time(11), time(11, 30))] for d in range(5)},
        "slot_minutes": 30,
        "capacity": 2,
        "tz": "Europe/Moscow",
        "holidays": "RU",
    }
    params.update(overrides)
    return BookingSchedule(**params)  # type: ignore[arg-type]


def test_russian_new_year_holidays_are_closed() -> None:
    sch = weekday_schedule()
    now = datetime(2026, 12, 28, 12, 0, tzinfo=MOSCOW)
    days = days_with_free_slots(sch, date(2026, 12, 28), date(2027, 1, 15), {}, now)
    assert date(2027, 1, 1) not in days
    assert not any(date(2027, 1, 1) <= d <= date(2027, 1, 8) for d in days)  # the whole New Year break
    assert date(2027, 1, 11) in days  # the first working Monday
    assert can_book(sch, datetime(2027, 1, 1, 9, 0, tzinfo=MOSCOW), 0, now).reason == "holiday"
    assert can_book(sch, datetime(2027, 1, 11, 9, 0, tzinfo=MOSCOW), 0, now).ok


def test_an_exception_opens_a_holiday_and_another_closes_a_working_day() -> None:
    sch = weekday_schedule(
        exceptions={date(2027, 1, 8): [(time(10), time(12))], date(2027, 1, 12): None},
    )
    now = datetime(2027, 1, 4, 12, 0, tzinfo=MOSCOW)
    day = slots(sch, date(2027, 1, 8), date(2027, 1, 8), {}, now)
    assert [s.start.time() for s in day] == [time(10), time(10, 30), time(11, 30)]  # the break still applies
    assert can_book(sch, datetime(2027, 1, 12, 9, 0, tzinfo=MOSCOW), 0, now).reason == "closed"
    assert slots(sch, date(2027, 1, 12), date(2027, 1, 12), {}, now) == []


def test_a_shortened_day() -> None:
    sch = weekday_schedule(exceptions={date(2026, 12, 30): [(time(9), time(13))]})
    now = datetime(2026, 12, 28, 12, 0, tzinfo=MOSCOW)
    short = slots(sch, date(2026, 12, 30), date(2026, 12, 30), {}, now)
    assert short[-1].end == datetime(2026, 12, 30, 13, 0, tzinfo=MOSCOW)
    assert len(short) == 7  # 09:00-13:00 in half hours, less the 11:00 break
    assert can_book(sch, datetime(2026, 12, 30, 14, 0, tzinfo=MOSCOW), 0, now).reason == "outside_schedule"
    normal = slots(sch, date(2026, 12, 29), date(2026, 12, 29), {}, now)
    assert normal[-1].end == datetime(2026, 12, 29, 18, 0, tzinfo=MOSCOW)


def test_holiday_sources() -> None:
    bavaria, germany = CountryHolidays.from_code("DE-BY"), CountryHolidays.from_code("de")
    assert bavaria(date(2026, 1, 6))  # Epiphany is Bavarian only
    assert not germany(date(2026, 1, 6))
    assert germany(date(2026, 12, 25))
    with pytest.raises(NotImplementedError):
        weekday_schedule(holidays="XX")
    listed = weekday_schedule(holidays={date(2026, 12, 1)})
    now = datetime(2026, 11, 23, 10, 0, tzinfo=MOSCOW)
    assert can_book(listed, datetime(2026, 12, 1, 9, 0, tzinfo=MOSCOW), 0, now).reason == "holiday"
    assert can_book(listed, datetime(2026, 12, 2, 9, 0, tzinfo=MOSCOW), 0, now).ok
    none = weekday_schedule(holidays=None)
    assert can_book(
        none, datetime(2027, 1, 1, 9, 0, tzinfo=MOSCOW), 0, datetime(2026, 12, 28, tzinfo=MOSCOW)
    ).ok


def test_every_reason() -> None:
    sch = weekday_schedule()
    now = datetime(2026, 11, 23, 10, 0, tzinfo=MOSCOW)  # a Monday

    def reason(when: datetime, booked: int = 0) -> str | None:
        return can_book(sch, when, booked, now).reason

    assert reason(datetime(2026, 11, 23, 10, 30, tzinfo=MOSCOW)) == "too_soon"  # inside the hour of notice
    assert reason(datetime(2026, 11, 23, 11, 0, tzinfo=MOSCOW)) == "in_break"
    assert reason(datetime(2026, 11, 23, 10, 45, tzinfo=MOSCOW)) == "in_break"  # would cross into it
    assert reason(datetime(2026, 11, 23, 12, 0, tzinfo=MOSCOW)) is None  # exactly 2 h ahead
    assert reason(datetime(2026, 11, 23, 12, 5, tzinfo=MOSCOW)) == "outside_schedule"  # off the grid
    assert reason(datetime(2026, 11, 23, 13, 0, tzinfo=MOSCOW)) == "outside_schedule"  # between windows
    assert reason(datetime(2026, 11, 28, 10, 0, tzinfo=MOSCOW)) == "outside_schedule"  # Saturday
    assert reason(datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW), booked=2) == "full"
    assert reason(datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW), booked=5) == "full"  # over-full data
    assert reason(datetime(2026, 12, 23, 9, 0, tzinfo=MOSCOW)) is None  # 29 days 23 hours ahead
    assert reason(datetime(2026, 12, 23, 10, 0, tzinfo=MOSCOW)) == "beyond_horizon"  # exactly 30 days
    assert reason(datetime(2026, 11, 23, 11, 0, tzinfo=UTC)) is None  # 14:00 Moscow, any zone will do
    verdict = can_book(sch, datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW), 1, now)
    assert verdict
    assert verdict.slot is not None
    assert verdict.slot.free == 1
    assert verdict.slot.end == datetime(2026, 11, 24, 9, 30, tzinfo=MOSCOW)


def test_notice_counts_real_hours_across_the_spring_change() -> None:
    sch = night_schedule(windows={d: [(time(9), time(18))] for d in range(7)}, min_notice=timedelta(hours=24))
    now = datetime(2026, 3, 28, 10, 0, tzinfo=BERLIN)  # 24 real hours later it is 11:00 CEST
    assert can_book(sch, datetime(2026, 3, 29, 10, 30, tzinfo=BERLIN), 0, now).reason == "too_soon"
    assert can_book(sch, datetime(2026, 3, 29, 11, 0, tzinfo=BERLIN), 0, now).ok
    first = slots(sch, date(2026, 3, 29), date(2026, 3, 29), {}, now)[0]
    assert first.start == datetime(2026, 3, 29, 11, 0, tzinfo=BERLIN)


def test_the_buffer_holds_across_a_short_break() -> None:
    sch = weekday_schedule(
        windows={0: [(time(9), time(11))]}, breaks={0: [(time(9, 30), time(9, 35))]}, buffer_minutes=10
    )
    monday = date(2026, 11, 30)
    offered = slots(sch, monday, monday, {}, datetime(2026, 11, 23, 10, 0, tzinfo=MOSCOW))
    assert [s.start.time() for s in offered] == [time(9), time(9, 40), time(10, 20)]


def test_touching_windows_run_on_as_one() -> None:
    sch = weekday_schedule(
        windows={0: [(time(10), time(11)), (time(9), time(10))]}, slot_minutes=45, breaks={}
    )
    monday = date(2026, 11, 30)
    offered = slots(sch, monday, monday, {}, datetime(2026, 11, 23, 10, 0, tzinfo=MOSCOW))
    assert [s.start.time() for s in offered] == [time(9), time(9, 45)]


def test_notice_and_horizon_edges_are_exact() -> None:
    sch = weekday_schedule()
    slot_at = datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW)
    assert can_book(sch, slot_at, 0, slot_at - timedelta(hours=1)).ok
    assert (
        can_book(sch, slot_at, 0, slot_at - timedelta(hours=1) + timedelta(microseconds=1)).reason
        == "too_soon"
    )
    assert can_book(sch, slot_at, 0, slot_at - timedelta(days=30)).reason == "beyond_horizon"
    assert can_book(sch, slot_at, 0, slot_at - timedelta(days=30) + timedelta(microseconds=1)).ok


# ----- daylight saving time -----


def night_schedule(zone: str = "Europe/Berlin", **overrides: object) -> BookingSchedule:
    params: dict[str, object] = {
        "windows": {6: [(time(1), time(4)), (time(9), time(10))]},  # Sundays
        "slot_minutes": 30,
        "tz": zone,
        "min_notice": timedelta(0),
    }
    params.update(overrides)
    return BookingSchedule(**params)  # type: ignore[arg-type]


def test_berlin_spring_forward_loses_an_hour_of_slots() -> None:
    day = date(2026, 3, 29)
    offered = slots(night_schedule(), day, day, {}, datetime(2026, 3, 28, tzinfo=BERLIN))
    assert [s.start.strftime("%H:%M %Z") for s in offered] == [
        "01:00 CET", "01:30 CET", "03:00 CEST", "03:30 CEST", "09:00 CEST", "09:30 CEST",
    ]  # fmt: skip
    assert [s.key.strftime("%H:%M") for s in offered[:4]] == ["00:00", "00:30", "01:00", "01:30"]
    assert all(s.end.astimezone(UTC) - s.key == timedelta(minutes=30) for s in offered)
    # Same-zone subtraction is wall-clock arithmetic: the slot before the jump "lasts" 90 minutes.
    assert offered[1].end - offered[1].start == timedelta(minutes=90)
    # A window starting in the skipped hour starts when the clock jumps.
    late = night_schedule(windows={6: [(time(2, 30), time(4))]})
    assert [
        s.start.strftime("%H:%M %Z") for s in slots(late, day, day, {}, datetime(2026, 3, 28, tzinfo=BERLIN))
    ] == [
        "03:00 CEST",
        "03:30 CEST",
    ]


def test_berlin_fall_back_offers_the_repeated_hour_twice() -> None:
    day = date(2026, 10, 25)
    sch = night_schedule()
    now = datetime(2026, 10, 24, tzinfo=BERLIN)
    offered = slots(sch, day, day, {}, now)
    night = offered[:-2]
    assert [s.start.strftime("%H:%M %Z") for s in night] == [
        "01:00 CEST", "01:30 CEST", "02:00 CEST", "02:30 CEST", "02:00 CET", "02:30 CET", "03:00 CET", "03:30 CET",
    ]  # fmt: skip
    assert [s.start.fold for s in night] == [0, 0, 0, 0, 1, 1, 0, 0]
    assert offered[-2].key == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 CET
    # The two 02:30s are different slots: a booking of the second fills only the second.
    second = night[5]
    counted = slots(sch, day, day, {second.start: sch.capacity}, now)
    assert [s.booked for s in counted[:8]] == [0, 0, 0, 0, 0, 1, 0, 0]
    assert can_book(sch, second.start, {second.key: 1}, now).reason == "full"
    assert can_book(sch, night[3].start, {second.key: 1}, now).ok  # the first 02:30


def test_moscow_has_no_clock_change() -> None:
    sch = night_schedule("Europe/Moscow")
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        offered = slots(sch, day, day, {}, datetime.combine(day - timedelta(days=1), time(0), MOSCOW))
        assert len(offered) == 8
        assert offered[0].key == datetime.combine(day - timedelta(days=1), time(22), UTC)
        assert offered[-2].key == datetime.combine(day, time(6), UTC)


def test_daytime_slots_follow_the_wall_clock_across_the_change() -> None:
    sch = night_schedule(windows={d: [(time(9), time(10))] for d in range(7)})
    offered = slots(sch, date(2026, 3, 28), date(2026, 3, 30), {}, datetime(2026, 3, 27, tzinfo=BERLIN))
    assert {s.start.time() for s in offered} == {time(9), time(9, 30)}
    assert [s.key.hour for s in offered] == [8, 8, 7, 7, 7, 7]


# ----- check-in, missed, limits -----


def test_checkin_window_boundaries() -> None:
    start = datetime(2026, 11, 24, 10, 0, tzinfo=MOSCOW)
    early, late = timedelta(minutes=15), timedelta(minutes=10)
    opens, closes = checkin_window(start, early, late)
    assert (opens, closes) == (start - early, start + late)
    tick = timedelta(microseconds=1)
    assert checkin_verdict(opens - tick, start, early, late) == "too_early"
    assert checkin_verdict(opens, start, early, late) == "ok"
    assert checkin_verdict(start, start, early, late) == "ok"
    assert checkin_verdict(closes, start, early, late) == "ok"
    assert checkin_verdict(closes + tick, start, early, late) == "too_late"
    assert checkin_verdict(closes.astimezone(UTC), start, early, late) == "ok"  # any zone for now
    assert not missed(closes, start, late)
    assert missed(closes + tick, start, late)


def test_checkin_window_counts_real_minutes_across_a_clock_change() -> None:
    start = datetime(2026, 3, 29, 3, 5, tzinfo=BERLIN)  # five minutes after the jump
    opens, closes = checkin_window(start, timedelta(minutes=15), timedelta(minutes=10))
    assert opens.strftime("%H:%M %Z") == "01:50 CET"
    assert closes.strftime("%H:%M %Z") == "03:15 CEST"
    early = timedelta(minutes=15)
    assert (
        checkin_verdict(datetime(2026, 3, 29, 1, 49, tzinfo=BERLIN), start, early, timedelta(0))
        == "too_early"
    )
    assert checkin_verdict(datetime(2026, 3, 29, 1, 50, tzinfo=BERLIN), start, early, timedelta(0)) == "ok"
    autumn = datetime(2026, 10, 25, 2, 5, tzinfo=BERLIN, fold=1)  # 02:05 CET, the second one
    ten = timedelta(minutes=10)
    assert not missed(datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN), autumn, ten)  # 02:30 CEST: an hour early
    assert missed(datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1), autumn, ten)  # 02:30 CET


@given(st.integers(-120, 120), st.integers(0, 60), st.integers(0, 60))
@settings(max_examples=100, deadline=None)
def test_missed_is_exactly_too_late(offset_min: int, early_min: int, late_min: int) -> None:
    start = datetime(2026, 11, 24, 10, 0, tzinfo=MOSCOW)
    now = start + timedelta(minutes=offset_min)
    early, late = timedelta(minutes=early_min), timedelta(minutes=late_min)
    assert missed(now, start, late) == (checkin_verdict(now, start, early, late) == "too_late")


def test_person_limit() -> None:
    assert person_limit_ok(0, 2)
    assert person_limit_ok(1, 2)
    assert not person_limit_ok(2, 2)
    assert not person_limit_ok(3, 2)
    assert person_limit_ok(10, 0)  # no limit configured


def test_cooldown_after_repeated_cancellations() -> None:
    t0 = datetime(2026, 11, 23, 10, 0, tzinfo=MOSCOW)
    window, cooldown = timedelta(days=7), timedelta(days=3)

    def until(cancelled: list[datetime], now: datetime, limit: int = 3) -> datetime | None:
        return cooldown_until(cancelled, now, limit, window, cooldown)

    three = [t0, t0 + timedelta(days=2), t0 + timedelta(days=6)]
    tripped = three[-1]
    assert until(three[:2], tripped) is None
    assert until(three, tripped) == tripped + cooldown
    assert until(three, tripped + cooldown - timedelta(microseconds=1)) == tripped + cooldown
    assert until(three, tripped + cooldown) is None  # served
    assert until(list(reversed(three)), tripped) == tripped + cooldown  # order does not matter
    spread = [t0, t0 + timedelta(days=5), t0 + timedelta(days=10)]  # never three within 7 days
    assert until(spread, t0 + timedelta(days=10)) is None
    exact = [t0, t0 + timedelta(days=3), t0 + window]  # both ends of the window count
    assert until(exact, t0 + window) == t0 + window + cooldown
    assert until(three, t0) is None  # the later ones have not happened yet at t0
    assert until(three, tripped, limit=0) is None  # off
    # A short window and a long cool-down: aged cancellations still serve out the cool-down.
    burst = [t0, t0 + timedelta(hours=1)]
    assert cooldown_until(burst, t0 + timedelta(days=5), 2, timedelta(days=1), timedelta(days=7)) == (
        t0 + timedelta(hours=1) + timedelta(days=7)
    )


# ----- validation -----


@pytest.mark.parametrize(
    "overrides",
    [
        {"slot_minutes": 0},
        {"capacity": 0},
        {"buffer_minutes": -5},
        {"horizon": 0},
        {"min_notice": timedelta(minutes=-1)},
        {"windows": {7: [(time(9), time(10))]}},
        {"windows": {0: [(time(10), time(9))]}},
        {"breaks": {0: [(time(10), time(10))]}},
        {"exceptions": {date(2026, 12, 1): [(time(18), time(9))]}},
    ],
)
def test_bad_schedules_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        weekday_schedule(**overrides)


def test_naive_times_are_refused() -> None:
    sch = weekday_schedule()
    naive = datetime(2026, 11, 24, 9, 0)
    aware = naive.replace(tzinfo=MOSCOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        slots(sch, date(2026, 11, 24), date(2026, 11, 24), {}, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        can_book(sch, naive, 0, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        slots(sch, date(2026, 11, 24), date(2026, 11, 24), {naive: 1}, aware)


# ----- speed (a printed figure, never an assert) -----


def test_ten_services_for_thirty_days_is_fast(capsys: pytest.CaptureFixture[str]) -> None:
    holidays = CountryHolidays("RU")  # one calendar shared by all services, as the central would
    services = [
        weekday_schedule(
            slot_minutes=10 + 5 * (i % 4), capacity=1 + i % 3, buffer_minutes=i % 2 * 5, holidays=holidays
        )
        for i in range(10)
    ]
    now = datetime(2026, 12, 20, 10, 0, tzinfo=MOSCOW)
    slots(services[0], date(2026, 12, 20), date(2027, 1, 19), {}, now)  # the package's import, once
    timings: list[float] = []
    count = 0
    for _ in range(5):
        began = clock.perf_counter()
        count = sum(len(slots(s, date(2026, 12, 20), date(2027, 1, 19), {}, now)) for s in services)
        timings.append(clock.perf_counter() - began)
    with capsys.disabled():
        print(
            f"\nslot engine: {count} slots for 10 services x 30 days in {min(timings) * 1000:.1f} ms (best of 5)"
        )
    assert count > 0
