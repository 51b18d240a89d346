"""The appointment slot engine: which slots a service offers, and whether one can be booked.

Pure code, no I/O and no clock: ``now`` is always an argument, so the rules are property-tested
(tests/central/test_slot_engine.py) and the central's booking transaction can call
:func:`can_book` with the count it just read under its lock.

Time model
----------
A schedule is written in the center's wall-clock time (``09:00-13:00``), but every computation
runs on UTC instants, because two datetimes in the same ``ZoneInfo`` compare and hash by wall
time and ignore ``fold``: 02:30 before and after the autumn change would be "equal", and
``datetime + timedelta`` in a zone is wall-clock arithmetic that is an hour off across a change.

* A wall time ``w`` of a day resolves to the *first instant at which the center's clock shows
  ``w`` or later*: an ordinary time is itself, a repeated (autumn) time is its first occurrence,
  a skipped (spring) time is the instant of the jump. So a window 01:00-04:00 lasts 2 real hours
  on the spring day and 4 on the autumn day, exactly as long as the staff are there.
* Slots are laid out in real time from the start of each stretch of a window that a break does
  not cover: ``slot_minutes`` long, then ``buffer_minutes`` of gap, again and again while a whole
  slot fits. A slot that would cross into a break or past the window's end is not offered; the
  grid restarts where the break ends, but never sooner than the buffer after the last slot.
  Only a window that spans a DST change itself (02:00-03:00 in Europe) can land later slots
  off the usual wall-clock grid; the grid is counted in real minutes because capacity means
  counters in parallel for a real stretch of time.
* Bookings are counted per slot start *instant*: keys of any zone are normalised to UTC, so a
  ``Counter`` keyed by :attr:`Slot.start` or by :attr:`Slot.key` gives the same answer (but a
  ``Counter`` keyed by local datetimes merges the two 02:30s of an autumn night by itself; key
  by :attr:`Slot.key` if a schedule ever covers that hour).

Calendar precedence for one date: an explicit exception wins (``None`` closes the day, a list of
windows replaces the weekday's windows, including on a public holiday, which is how a center
opens on one); otherwise a public holiday closes the day; otherwise the weekday's windows apply.
The weekday's breaks apply on exception days too (a shortened day keeps its lunch break).
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import holidays as holidays_lib

Window = tuple[time, time]
"""A stretch of one day in wall-clock time, start inclusive, end exclusive."""

Reason = Literal["outside_schedule", "in_break", "holiday", "closed", "too_soon", "beyond_horizon", "full"]
REASONS: tuple[str, ...] = get_args(Reason)

CheckIn = Literal["too_early", "ok", "too_late"]

HolidaySource = str | Collection[date] | Callable[[date], bool] | None
"""A country code ("RU", "DE-BY" with a subdivision), explicit dates, a predicate, or no holidays."""

DEFAULT_NOTICE = timedelta(hours=1)
DEFAULT_HORIZON = timedelta(days=30)

_Span = tuple[datetime, datetime]  # UTC instants, start inclusive, end exclusive


# ----- public holidays -----


class CountryHolidays:
    """Public holidays of one country (and subdivision) from the ``holidays`` package.

    The package is the one the appeal deadlines use, so "working day" means the same thing
    everywhere. Each year is built once and kept as a frozenset: looking a date up in the
    package's own dict-like object is much slower, and slot listing asks for every day.
    """

    def __init__(self, country: str, subdiv: str | None = None) -> None:
        # Built with no years so an unknown code fails now, at configuration, not mid-request.
        holidays_lib.country_holidays(country, subdiv=subdiv, years=[])
        self.country = country
        self.subdiv = subdiv
        self._years: dict[int, frozenset[date]] = {}

    @classmethod
    def from_code(cls, code: str) -> CountryHolidays:
        country, _, subdiv = code.strip().partition("-")
        return cls(country.upper(), subdiv or None)

    def year(self, year: int) -> frozenset[date]:
        days = self._years.get(year)
        if days is None:
            calendar = holidays_lib.country_holidays(self.country, subdiv=self.subdiv, years=year)
            days = frozenset(calendar.keys())
            self._years[year] = days  # a race only builds the same year twice
        return days

    def __call__(self, day: date) -> bool:
        return day in self.year(day.year)

    def __repr__(self) -> str:
        code = f"{self.country}-{self.subdiv}" if self.subdiv else self.country
        return f"CountryHolidays({code!r})"


def holiday_predicate(source: HolidaySource) -> Callable[[date], bool]:
    """One shape for every way of naming holidays, so the engine asks a single question."""
    if source is None:
        return _no_holidays
    if isinstance(source, str):
        return _country_holidays(source.strip().upper())
    if callable(source):
        return source
    return frozenset(source).__contains__


@functools.lru_cache(maxsize=64)
def _country_holidays(code: str) -> CountryHolidays:
    """One calendar per country for the process: building it was a quarter of a booking's time."""
    return CountryHolidays.from_code(code)


def _no_holidays(day: date) -> bool:
    return False


# ----- the schedule -----


@dataclass(frozen=True, kw_only=True)
class BookingSchedule:
    """When one service at one center can be booked; separate from opening (walk-in) hours.

    ``windows`` and ``breaks`` are keyed by weekday (0 = Monday). ``horizon`` may be a number of
    days. ``exceptions`` maps a date to ``None`` (closed) or to that day's windows.
    """

    windows: Mapping[int, Sequence[Window]]
    slot_minutes: int
    tz: str | tzinfo
    capacity: int = 1
    breaks: Mapping[int, Sequence[Window]] = field(default_factory=dict)
    buffer_minutes: int = 0
    min_notice: timedelta = DEFAULT_NOTICE
    horizon: timedelta | int = DEFAULT_HORIZON
    holidays: HolidaySource = None
    exceptions: Mapping[date, Sequence[Window] | None] = field(default_factory=dict)

    zone: tzinfo = field(init=False, repr=False, compare=False)
    horizon_delta: timedelta = field(init=False, repr=False, compare=False)
    is_holiday: Callable[[date], bool] = field(init=False, repr=False, compare=False)
    _week: tuple[tuple[Window, ...], ...] = field(init=False, repr=False, compare=False)
    _week_breaks: tuple[tuple[Window, ...], ...] = field(init=False, repr=False, compare=False)
    _exceptions: dict[date, tuple[Window, ...] | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.slot_minutes <= 0:
            raise ValueError("slot_minutes must be positive")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1 counter")
        if self.buffer_minutes < 0:
            raise ValueError("buffer_minutes must not be negative")
        if self.min_notice < timedelta(0):
            raise ValueError("min_notice must not be negative")
        horizon = timedelta(days=self.horizon) if isinstance(self.horizon, int) else self.horizon
        if horizon <= timedelta(0):
            raise ValueError("horizon must be positive")
        for key in (*self.windows, *self.breaks):
            if key not in range(7):
                raise ValueError(f"weekday {key!r} is not 0 (Monday) .. 6 (Sunday)")
        set_ = object.__setattr__  # frozen: derived fields are set once, here
        set_(self, "zone", ZoneInfo(self.tz) if isinstance(self.tz, str) else self.tz)
        set_(self, "horizon_delta", horizon)
        set_(self, "is_holiday", holiday_predicate(self.holidays))
        set_(self, "_week", tuple(_merge(self.windows.get(d, ())) for d in range(7)))
        set_(self, "_week_breaks", tuple(_merge(self.breaks.get(d, ())) for d in range(7)))
        set_(
            self,
            "_exceptions",
            {day: None if w is None else _merge(w) for day, w in self.exceptions.items()},
        )

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    def windows_on(self, day: date) -> tuple[Window, ...] | None:
        """The day's booking windows, or ``None`` when an exception closes it (holidays aside)."""
        if day in self._exceptions:
            return self._exceptions[day]
        return self._week[day.weekday()]

    def has_exception(self, day: date) -> bool:
        return day in self._exceptions

    def breaks_on(self, day: date) -> tuple[Window, ...]:
        return self._week_breaks[day.weekday()]


def _merge(windows: Sequence[Window]) -> tuple[Window, ...]:
    """Sorted, with overlapping or touching windows joined, so the grid runs on across a seam."""
    for start, end in windows:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("window times are wall-clock times: no tzinfo")
        if not start < end:
            raise ValueError(f"window {start}-{end} must end after it starts (no crossing midnight)")
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


# ----- wall time to instants -----


def resolve(day: date, wall_time: time, tz: tzinfo) -> datetime:
    """The first instant (UTC) at which the clock in ``tz`` shows ``wall_time`` or later on ``day``.

    Repeated times take their first occurrence; skipped times become the instant of the jump.
    """
    wall = datetime.combine(day, wall_time)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = min(first, second), max(first, second)
    if _wall(lo, tz) == wall:
        return lo
    if _wall(hi, tz) == wall:
        return hi
    # A skipped time: the jump lies in (lo, hi], a span of the jump's size; find it to the second.
    lo_ts, hi_ts = math.floor(lo.timestamp()), math.ceil(hi.timestamp())
    while hi_ts - lo_ts > 1:
        mid = (lo_ts + hi_ts) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), tz) >= wall:
            hi_ts = mid
        else:
            lo_ts = mid
    return datetime.fromtimestamp(hi_ts, UTC)


def _wall(instant: datetime, tz: tzinfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _utc(when: datetime, what: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return when.astimezone(UTC)


# ----- one day -----


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One day of a schedule as UTC instants; independent of ``now`` and bookings."""

    day: date
    closed_by: Literal["closed", "holiday"] | None
    windows: tuple[_Span, ...]
    breaks: tuple[_Span, ...]
    grid: tuple[_Span, ...]


def day_plan(schedule: BookingSchedule, day: date) -> DayPlan:
    """The day's windows, breaks and slot grid (before notice, horizon and bookings)."""
    windows = schedule.windows_on(day)
    if windows is None:
        return DayPlan(day, "closed", (), (), ())
    if not schedule.has_exception(day) and schedule.is_holiday(day):
        return DayPlan(day, "holiday", (), (), ())
    tz = schedule.zone
    spans = tuple(s for s in ((resolve(day, a, tz), resolve(day, b, tz)) for a, b in windows) if s[0] < s[1])
    pauses = tuple(
        s
        for s in ((resolve(day, a, tz), resolve(day, b, tz)) for a, b in schedule.breaks_on(day))
        if s[0] < s[1]
    )
    length, gap = schedule.slot_length, schedule.buffer
    grid: list[_Span] = []
    for open_from, open_to in _subtract(spans, pauses):
        t = open_from if not grid else max(open_from, grid[-1][1] + gap)
        while t + length <= open_to:
            grid.append((t, t + length))
            t += length + gap
    return DayPlan(day, None, spans, pauses, tuple(grid))


def _subtract(spans: Sequence[_Span], holes: Sequence[_Span]) -> Iterator[_Span]:
    """The parts of ``spans`` (sorted, disjoint) that no hole covers, in order."""
    for start, end in spans:
        cursor = start
        for h_start, h_end in holes:  # holes are sorted and disjoint: a day has a handful
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                yield cursor, h_start
            cursor = max(cursor, h_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


# ----- slots -----


@dataclass(frozen=True, slots=True)
class Slot:
    """One bookable stretch; ``start``/``end`` are in the center's zone."""

    start: datetime
    end: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def key(self) -> datetime:
        """The start in UTC: the safe key for booking counts (see the module docstring)."""
        return self.start.astimezone(UTC)


def booking_counts(bookings: Mapping[datetime, int]) -> dict[datetime, int]:
    """Counts keyed by UTC instant; negative counts read as none, keys off the grid are harmless."""
    counts: dict[datetime, int] = {}
    for when, n in bookings.items():
        key = _utc(when, "a booking time")
        counts[key] = counts.get(key, 0) + n
    return {k: max(0, n) for k, n in counts.items()}


def iter_slots(
    schedule: BookingSchedule,
    start_date: date,
    end_date: date,
    bookings: Mapping[datetime, int],
    now: datetime,
) -> Iterator[Slot]:
    """Offered slots on local dates ``start_date``..``end_date`` (both included), in time order."""
    counts = booking_counts(bookings)
    for _day, spans in _offered(schedule, start_date, end_date, now):
        yield from _to_slots(schedule, spans, counts)


def slots(
    schedule: BookingSchedule,
    start_date: date,
    end_date: date,
    bookings: Mapping[datetime, int],
    now: datetime,
) -> list[Slot]:
    """Every offered slot, full ones included (the day view greys them out)."""
    return list(iter_slots(schedule, start_date, end_date, bookings, now))


def free_slots(
    schedule: BookingSchedule,
    start_date: date,
    end_date: date,
    bookings: Mapping[datetime, int],
    now: datetime,
) -> list[Slot]:
    """The slots a visitor can still pick."""
    return [s for s in iter_slots(schedule, start_date, end_date, bookings, now) if s.free > 0]


def days_with_free_slots(
    schedule: BookingSchedule,
    start_date: date,
    end_date: date,
    bookings: Mapping[datetime, int],
    now: datetime,
) -> list[date]:
    """The dates the day picker enables; stops looking at a day's first free slot."""
    counts = booking_counts(bookings)
    cap = schedule.capacity
    return [
        day
        for day, spans in _offered(schedule, start_date, end_date, now)
        if any(counts.get(s, 0) < cap for s, _ in spans)
    ]


def _offered(
    schedule: BookingSchedule, start_date: date, end_date: date, now: datetime
) -> Iterator[tuple[date, Sequence[_Span]]]:
    """Each day with grid slots inside notice and horizon, with those slots (UTC)."""
    now_utc = _utc(now, "now")
    earliest = now_utc + schedule.min_notice
    latest = now_utc + schedule.horizon_delta  # exclusive
    tz = schedule.zone
    # A day's slots lie within its local date (a day before or after only where a DST jump
    # swallows midnight), so days that cannot reach [earliest, latest) are not even planned.
    first = max(start_date, earliest.astimezone(tz).date() - timedelta(days=1))
    last = min(end_date, latest.astimezone(tz).date() + timedelta(days=1))
    day = first
    while day <= last:
        grid = day_plan(schedule, day).grid
        if grid:
            lo = bisect.bisect_left(grid, earliest, key=_start)
            hi = bisect.bisect_left(grid, latest, key=_start)
            if lo < hi:
                yield day, grid[lo:hi]
        day += timedelta(days=1)


def _start(span: _Span) -> datetime:
    return span[0]


def _to_slots(
    schedule: BookingSchedule, spans: Sequence[_Span], counts: Mapping[datetime, int]
) -> Iterator[Slot]:
    tz, cap = schedule.zone, schedule.capacity
    for start, end in spans:
        yield Slot(start.astimezone(tz), end.astimezone(tz), cap, counts.get(start, 0))


# ----- one booking -----


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to "may this slot be booked now": ``reason`` is ``None`` when it may."""

    reason: Reason | None = None
    slot: Slot | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def __bool__(self) -> bool:
        return self.ok


def can_book(
    schedule: BookingSchedule,
    start: datetime,
    bookings: Mapping[datetime, int] | int,
    now: datetime,
) -> Verdict:
    """Whether one more booking fits in the slot starting at ``start``.

    ``bookings`` is either all counts (as for :func:`slots`) or the count already in this slot,
    which is what the booking transaction reads under its lock. The verdict agrees with
    :func:`free_slots` for every instant (property-tested). A calendar reason wins over a
    timing one, so a visitor hears "holiday", not "too soon", for a date that never opens.
    """
    start_utc = _utc(start, "start")
    now_utc = _utc(now, "now")
    day = start_utc.astimezone(schedule.zone).date()
    plan = day_plan(schedule, day)
    if plan.closed_by is not None:
        return Verdict(plan.closed_by)
    span = _find(plan.grid, start_utc)
    if span is None:  # a DST jump over midnight can push a day's last slots into the next date
        span = _find(day_plan(schedule, day - timedelta(days=1)).grid, start_utc)
    if span is None:
        stretch = (start_utc, start_utc + schedule.slot_length)
        if any(_overlaps(stretch, w) for w in plan.windows) and any(
            _overlaps(stretch, b) for b in plan.breaks
        ):
            return Verdict("in_break")
        return Verdict("outside_schedule")
    if start_utc < now_utc + schedule.min_notice:
        return Verdict("too_soon")
    if start_utc >= now_utc + schedule.horizon_delta:
        return Verdict("beyond_horizon")
    booked = bookings if isinstance(bookings, int) else booking_counts(bookings).get(start_utc, 0)
    tz = schedule.zone
    slot = Slot(span[0].astimezone(tz), span[1].astimezone(tz), schedule.capacity, max(0, booked))
    if slot.free <= 0:
        return Verdict("full", slot)
    return Verdict(None, slot)


def _find(grid: Sequence[_Span], start: datetime) -> _Span | None:
    i = bisect.bisect_left(grid, start, key=_start)
    return grid[i] if i < len(grid) and grid[i][0] == start else None


def _overlaps(a: _Span, b: _Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# ----- the person's limits -----


def person_limit_ok(active_bookings: int, max_active: int) -> bool:
    """Whether a person holding ``active_bookings`` may take one more (``max_active`` <= 0: no limit)."""
    return max_active <= 0 or active_bookings < max_active


def cooldown_until(
    cancellations: Sequence[datetime],
    now: datetime,
    max_cancellations: int,
    window: timedelta,
    cooldown: timedelta,
) -> datetime | None:
    """When a person who cancels too often may book again, or ``None`` if they may now.

    ``max_cancellations`` cancellations within any ``window`` (both ends included) trip a
    cool-down of ``cooldown`` from the cancellation that tripped it. Every trip counts, not only
    the trips still inside ``window`` of ``now``: a short window with a long cool-down must not
    forgive the person just because the cancellations themselves have aged. Cancellations after
    ``now`` are ignored (they cannot have happened yet); ``max_cancellations`` <= 0 turns it off.
    The result is in ``now``'s zone.
    """
    now_utc = _utc(now, "now")
    if max_cancellations <= 0:
        return None
    times = sorted(t for t in (_utc(c, "a cancellation") for c in cancellations) if t <= now_utc)
    until: datetime | None = None
    lo = 0
    for hi, t in enumerate(times):
        while times[lo] < t - window:
            lo += 1
        if hi - lo + 1 >= max_cancellations:
            candidate = t + cooldown
            until = candidate if until is None or candidate > until else until
    if until is None or until <= now_utc:
        return None
    assert now.tzinfo is not None
    return until.astimezone(now.tzinfo)


# ----- check-in -----


def checkin_window(slot_start: datetime, early: timedelta, late: timedelta) -> tuple[datetime, datetime]:
    """When check-in opens and closes (both included), in real minutes even across a DST change."""
    start_utc = _utc(slot_start, "slot_start")
    tz = slot_start.tzinfo
    assert tz is not None
    return (start_utc - early).astimezone(tz), (start_utc + late).astimezone(tz)


def checkin_verdict(now: datetime, slot_start: datetime, early: timedelta, late: timedelta) -> CheckIn:
    """Whether a visitor arriving ``now`` is checked in; the window's ends are still "ok"."""
    opens, closes = checkin_window(slot_start, early, late)
    now_utc = _utc(now, "now")
    if now_utc < opens.astimezone(UTC):
        return "too_early"
    if now_utc > closes.astimezone(UTC):
        return "too_late"
    return "ok"


def missed(now: datetime, slot_start: datetime, late: timedelta) -> bool:
    """Whether a booking not checked in by ``now`` is missed: exactly when check-in is "too_late"."""
    return _utc(now, "now") > _utc(slot_start, "slot_start") + late
