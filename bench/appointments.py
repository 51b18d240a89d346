"""Slots computed per second by the slot engine, and bookings per second of a real central.

1. Slot engine, in process: a center with 10 services (slots of 10-30 minutes, 1-4 places,
   breaks, Russian public holidays, one shortened day) and a realistic load of existing
   bookings; the free slots and the free days over 30 days, median of ``--runs`` runs.
2. Booking: ``kiosk-central serve`` on a free loopback port with a fresh database (demo data,
   the same 10 schedules written onto the 10 demo services). ``--clients`` connections book
   hold -> confirm (two requests a booking), every one with its own phone number (the person
   limit); every tenth confirm is sent twice with one request_id, as a kiosk retrying, and must
   get the same bytes back. A slot's last place sometimes gets a rival attempt at the same
   moment; the loser's 409 slot_full is a correct refusal, counted apart from errors. A paced
   phase (``--rate`` bookings/s, latency from when each booking was due) and a flat-out one.
   Never more than 20,000 requests in all.
3. The database afterwards: no slot holds more bookings than its capacity, one booking per
   confirm request_id. Exits 1 if the aim (200 bookings/s, p99 <= 50 ms a request, nothing
   overbooked) is missed on SQLite.

Phases 2 and 3 run on SQLite, then on PostgreSQL beside it (a throwaway cluster, or ``--db
postgresql://...``: an empty database, which the bench seeds) when its server is installed.

    .venv/bin/python bench/appointments.py [--rate 200] [--seconds 10] [--clients 16] [--runs 9]
        [--db sqlite|postgresql[://...]|both]
    (or: .venv/bin/python -m bench.appointments, or: bench/appointments)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench import _central as rig
from bench._booking_load import Attempt, Load, Phase, check_database, run_flat_out, run_paced, warm_up
from central import db as central_db
from central.appointments import slots as engine
from central.seed_data import SERVICES_BY_CENTER

AIM_RATE = 200.0
AIM_P99_MS = 50.0
TZ = "Europe/Moscow"
HOLIDAYS = "RU"
NOTICE = timedelta(minutes=60)
HORIZON_DAYS = 30
ENGINE_NOW = datetime(2026, 12, 21, 9, 0, tzinfo=ZoneInfo(TZ))
"""A Monday: the 30 days ahead take in the New Year holidays (31 December to 8 January)."""
EXCEPTION_AFTER = timedelta(days=9)
EXCEPTION_WINDOWS = [("09:00", "15:00")]
"""A shortened day nine days on (30 December for the engine phase); the lunch breaks still apply."""
RIVAL_CHANCE = 0.25
"""How often a slot's last place gets a second attempt at the same moment."""


# ----- the 10 services -----


@dataclass(frozen=True)
class ServiceSpec:
    """One service's booking rules in the shape an operator writes them."""

    slot_minutes: int
    capacity: int
    weekdays: str
    breaks: str = ""
    saturday: str = ""
    buffer_minutes: int = 0

    def windows(self) -> dict[int, list[tuple[str, str]]]:
        week = {d: _spans(self.weekdays) for d in range(5)}
        return week | ({5: _spans(self.saturday)} if self.saturday else {})

    def week_breaks(self) -> dict[int, list[tuple[str, str]]]:
        return {d: _spans(self.breaks) for d in range(5)} if self.breaks else {}


def _spans(text: str) -> list[tuple[str, str]]:
    return [(a, b) for a, _, b in (span.partition("-") for span in text.split())]


SERVICES = [
    ServiceSpec(10, 4, "09:00-19:00", breaks="13:00-14:00"),
    ServiceSpec(15, 3, "08:30-20:00", breaks="12:30-13:15", saturday="10:00-16:00"),
    ServiceSpec(20, 2, "09:00-18:00", breaks="13:00-14:00"),
    ServiceSpec(30, 1, "09:00-18:00", breaks="13:00-13:30 16:00-16:15"),
    ServiceSpec(10, 2, "10:00-20:00", breaks="14:00-14:45", saturday="10:00-15:00", buffer_minutes=5),
    ServiceSpec(25, 3, "09:00-17:00", breaks="12:00-13:00"),
    ServiceSpec(12, 1, "08:00-12:00 15:00-19:00"),
    ServiceSpec(20, 4, "09:00-21:00", breaks="13:00-14:00 18:00-18:30", saturday="11:00-17:00"),
    ServiceSpec(30, 2, "10:00-19:00", breaks="14:00-15:00", buffer_minutes=10),
    ServiceSpec(15, 1, "09:00-18:00", breaks="13:00-14:00"),
]


def _windows(spans: dict[int, list[tuple[str, str]]]) -> dict[int, list[engine.Window]]:
    return {d: [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in w] for d, w in spans.items()}


def schedule(spec: ServiceSpec, exception_day: date) -> engine.BookingSchedule:
    """The engine's schedule for a spec, as the central builds it from the rows it is written to."""
    return engine.BookingSchedule(
        windows=_windows(spec.windows()),
        breaks=_windows(spec.week_breaks()),
        slot_minutes=spec.slot_minutes,
        capacity=spec.capacity,
        buffer_minutes=spec.buffer_minutes,
        min_notice=NOTICE,
        horizon=HORIZON_DAYS,
        holidays=HOLIDAYS,
        tz=TZ,
        exceptions={exception_day: _windows({0: EXCEPTION_WINDOWS})[0]},
    )


# ----- phase 1: the slot engine -----


def existing_bookings(
    sched: engine.BookingSchedule, first: date, now: datetime, rng: random.Random
) -> dict[datetime, int]:
    """Near days mostly full, later ones mostly free: about 80% of places tomorrow, 10% in a month."""
    counts: dict[datetime, int] = {}
    for slot in engine.slots(sched, first, first + timedelta(days=HORIZON_DAYS), {}, now):
        days = (slot.start.date() - first).days
        share = 0.05 + 0.8 * 0.9**days
        booked = sum(rng.random() < share for _ in range(slot.capacity))
        if booked:
            counts[slot.key] = booked
    return counts


def _median_ms(runs: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        started = perf_counter()
        work()
        times.append(perf_counter() - started)
    return statistics.median(times) * 1000


def slot_engine(runs: int) -> list[str]:
    """Free slots and free days of 10 services over 30 days; the report lines."""
    now = ENGINE_NOW
    first = now.date()
    last = first + timedelta(days=HORIZON_DAYS)
    exception_day = first + EXCEPTION_AFTER
    rng = random.Random(11)
    scheds = [schedule(spec, exception_day) for spec in SERVICES]
    bookings = [existing_bookings(s, first, now, rng) for s in scheds]
    offered = sum(len(engine.slots(s, first, last, b, now)) for s, b in zip(scheds, bookings, strict=True))
    places = sum(s.capacity * len(engine.slots(s, first, last, {}, now)) for s in scheds)
    booked = sum(sum(b.values()) for b in bookings)
    free = [0]

    def free_slots() -> None:
        free[0] = sum(
            len(engine.free_slots(s, first, last, b, now)) for s, b in zip(scheds, bookings, strict=True)
        )

    def free_days() -> None:
        for s, b in zip(scheds, bookings, strict=True):
            engine.days_with_free_slots(s, first, last, b, now)

    def afresh() -> None:
        for spec, b in zip(SERVICES, bookings, strict=True):
            engine.free_slots(schedule(spec, exception_day), first, last, b, now)

    warm = _median_ms(runs, free_slots)
    days = _median_ms(runs, free_days)
    cold = _median_ms(runs, afresh)
    return [
        f"slot engine: 10 services over {HORIZON_DAYS} days from {first:%a %Y-%m-%d} ({HOLIDAYS} holidays, "
        f"a shortened {exception_day:%d %b}), {places:,} places, {booked:,} already booked; median of {runs} runs",
        f"  free_slots, 10 x {HORIZON_DAYS} days           {warm:7.1f} ms  {offered:,} slots offered, "
        f"{free[0]:,} with a free place = {offered / warm * 1000:,.0f} slots/s",
        f"  days_with_free_slots, 10 x {HORIZON_DAYS} days {days:7.1f} ms",
        f"  free_slots, schedules built afresh {cold:7.1f} ms  (as central builds one per request: "
        f"{offered / cold * 1000:,.0f} slots/s)",
    ]


# ----- phase 2: booking through a real central -----


def demo_services() -> list[str]:
    return [f"{center}-{letter}" for center, letters in SERVICES_BY_CENTER.items() for letter in letters]


def write_schedules(db: Path | str, exception_day: date) -> None:
    """The 10 specs onto the 10 demo services, and the shortened day at every center."""
    services = demo_services()
    assert len(services) == len(SERVICES), "the demo no longer has 10 services"
    eng = central_db.create_engine(db)
    bs = central_db.booking_settings
    with central_db.write_transaction(eng) as conn:
        for service_id, spec in zip(services, SERVICES, strict=True):
            center = service_id.split("-")[0]
            conn.execute(
                sa.update(bs)
                .where(bs.c.service_id == service_id)
                .values(
                    slot_minutes=spec.slot_minutes,
                    capacity=spec.capacity,
                    buffer_minutes=spec.buffer_minutes,
                    min_notice_min=int(NOTICE.total_seconds() // 60),
                    horizon_days=HORIZON_DAYS,
                    holiday_country=HOLIDAYS,
                )
            )
            for table, week in (
                (central_db.booking_schedules, spec.windows()),
                (central_db.booking_breaks, spec.week_breaks()),
            ):
                conn.execute(sa.delete(table).where(table.c.service_id == service_id))
                rows = [
                    {"center_id": center, "service_id": service_id, "weekday": d, "start": a, "end": b}
                    for d, spans in week.items()
                    for a, b in spans
                ]
                if rows:
                    conn.execute(sa.insert(table), rows)
        ex = central_db.schedule_exceptions
        conn.execute(sa.delete(ex).where(ex.c.date == exception_day))
        conn.execute(
            sa.insert(ex),
            [
                {"center_id": c, "date": exception_day, "closed": False, "windows": EXCEPTION_WINDOWS}
                for c in SERVICES_BY_CENTER
            ],
        )
    eng.dispose()


def attempts(now: datetime, exception_day: date, rng: random.Random) -> tuple[int, list[Attempt]]:
    """Every place of the next 30 days once, in random order, with some rivals for last places.

    The notice counts from ten minutes on and the horizon from now, so that no slot drifts out
    of bounds while the bench runs. Returns the number of places and the attempts.
    """
    later = now + timedelta(minutes=10)
    first = later.astimezone(ZoneInfo(TZ)).date()
    places: list[tuple[str, str]] = []
    for service_id, spec in zip(demo_services(), SERVICES, strict=True):
        sched = schedule(spec, exception_day)
        for slot in engine.slots(sched, first, first + timedelta(days=HORIZON_DAYS + 1), {}, later):
            if slot.start < now + sched.horizon_delta:
                places += [(service_id, slot.start.isoformat())] * slot.capacity
    rng.shuffle(places)
    last_seen = {place: i for i, place in enumerate(places)}
    out: list[Attempt] = []
    for i, (service_id, start) in enumerate(places):
        pair = [Attempt(service_id, start)]
        if last_seen[(service_id, start)] == i and rng.random() < RIVAL_CHANCE:
            pair.insert(rng.randrange(2), Attempt(service_id, start, rival=True))  # either may be first
        out += pair
    return len(places), out


def booking(args: argparse.Namespace, url: str | None = None) -> tuple[bool, list[str]]:
    """The booking phases on a fresh SQLite file, or on the PostgreSQL database ``url``."""
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="bench-appointments-"))
    db: Path | str = url or workdir / "central.db"
    tokens = rig.seed_with_kiosks(workdir, db, SERVICES_BY_CENTER)
    now = datetime.now(ZoneInfo(TZ))
    exception_day = now.date() + EXCEPTION_AFTER
    write_schedules(db, exception_day)
    places, plan = attempts(now, exception_day, random.Random(5))
    load = Load(tokens, plan)
    server = rig.Server(workdir, db)
    results: list[Phase] = []
    try:
        server.wait_ready()
        asyncio.run(warm_up(server.port, load))
        first = Phase(f"paced {args.rate:.0f}/s, {args.clients} conns")
        cpu = server.cpu_seconds()
        asyncio.run(run_paced(server.port, load, args.rate, args.seconds, args.clients, first))
        first.server_cpu, cpu = server.cpu_seconds() - cpu, server.cpu_seconds()
        results.append(first)
        second = Phase(f"flat out, {args.clients} conns")
        asyncio.run(run_flat_out(server.port, load, args.seconds, args.clients, second))
        second.server_cpu = server.cpu_seconds() - cpu
        results.append(second)
    finally:
        server.stop()
    note = rig.machine_note(server.port, workdir if args.keep else None, load_before)
    lines = [
        note.replace("fresh SQLite database", "fresh PostgreSQL database") if url else note,
        f"booking: {places:,} places over the next {HORIZON_DAYS} days on 10 services; {load.sent:,} requests sent"
        f"{' (every place was tried: the figures are cut short)' if load.exhausted else ''}",
    ]
    for phase in results:
        lines += phase.report()
    db_ok, overbooked, line = check_database(db, load)
    lines.append(line)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    first, second = results
    met = (
        db_ok
        and overbooked == 0
        and first.rate >= AIM_RATE * 0.98
        and first.p99() <= AIM_P99_MS
        and not first.errors
        and second.rate >= AIM_RATE
        and not second.errors
    )
    lines.append(
        f"aim: >= {AIM_RATE:.0f} bookings/s sustained, p99 <= {AIM_P99_MS:.0f} ms a request, none overbooked: "
        f"{'met' if met else 'NOT met'} (paced {first.rate:.0f} bookings/s at p99 {first.p99():.1f} ms, "
        f"flat-out {second.rate:.0f} bookings/s at p99 {second.p99():.1f} ms, {overbooked} overbooked)"
    )
    return met, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=AIM_RATE, help="paced phase, bookings/s (default 200)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each booking phase (default 10)"
    )
    parser.add_argument("--clients", type=int, default=16, help="connections, 1-64 (default 16)")
    parser.add_argument("--runs", type=int, default=9, help="slot engine runs; the median counts (default 9)")
    parser.add_argument("--keep", action="store_true", help="keep the database and server log afterwards")
    parser.add_argument(
        "--db",
        default="both",
        help="sqlite, postgresql (a throwaway cluster), postgresql://URL (an empty database there: "
        "it is seeded and counted), or both (default): SQLite, then PostgreSQL beside it when its "
        "server is installed; the aim is SQLite's",
    )
    args = parser.parse_args(argv)
    if args.db not in ("sqlite", "both", "postgresql") and "://" not in args.db:
        parser.error("--db must be sqlite, both, postgresql or a postgresql://... URL")
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be 1..64")
    if not 1 <= args.runs <= 100:
        parser.error("--runs must be 1..100")
    if args.rate * args.seconds * (1 + RIVAL_CHANCE) * 3 > rig.MAX_REQUESTS // 2:
        parser.error(f"--rate x --seconds must leave the paced phase under {rig.MAX_REQUESTS // 2} requests")
    for line in slot_engine(args.runs):
        print(line, flush=True)
    met = True
    if args.db in ("sqlite", "both"):
        print("db=sqlite", flush=True)
        met, lines = booking(args)
        print("\n".join(lines), flush=True)
    if args.db != "sqlite":
        from bench._queue_compare import postgres
        from tests import pgcluster

        if args.db == "both" and not pgcluster.available():
            print("db=postgresql: no PostgreSQL server installed here (bash run.sh test installs one); skipped")
        else:
            print("db=postgresql", flush=True)
            with postgres(args.db.partition("://")[2] and args.db) as (url, _):
                pg_met, lines = booking(args, url)
            print("\n".join(lines), flush=True)
            met = met if args.db == "both" else pg_met
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
