"""The booking clients of ``bench/appointments.py``: hold -> confirm (-> the same confirm again)
over keep-alive connections, paced or flat out, their figures per phase, and the check of the
database afterwards (nothing overbooked, one booking per confirm request_id)."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import _central as rig
from central import db as central_db

HOLDS = "/api/v1/appointments/holds"
NAMES = ["Анна Смирнова", "Иван Петров", "陳美玲", "王小明", "John Smith", "Мария Иванова", "林志強"]
LANGUAGES = ["ru", "ru", "zh-Hant", "en"]


@dataclass(frozen=True)
class Attempt:
    service_id: str
    slot_start: str
    rival: bool = False


@dataclass
class Phase:
    name: str
    requests: list[float] = field(default_factory=list)
    kinds: dict[str, list[float]] = field(default_factory=dict)
    bookings: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    rivals: int = 0
    rivals_won: int = 0
    replayed: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0

    def note(self, kind: str, latency: float) -> None:
        self.requests.append(latency)
        self.kinds.setdefault(kind, []).append(latency)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def rate(self) -> float:
        return len(self.bookings) / self.elapsed if self.elapsed else 0.0

    def p99(self) -> float:
        return rig.percentile(self.requests, 0.99)

    def report(self) -> list[str]:
        errors = sum(self.errors.values())
        kinds = ", ".join(f"{k} p99 {rig.percentile(v, 0.99):.1f} ms" for k, v in self.kinds.items())
        return [
            f"{self.name:<26} {len(self.bookings):>5} booked in {self.elapsed:5.1f} s = {self.rate:5.0f} bookings/s  "
            f"({len(self.requests)} requests = {len(self.requests) / (self.elapsed or 1):.0f}/s)  "
            f"refused slot_full {self.refused} (rivals {self.rivals}, {self.rivals_won} won)  "
            f"retried confirms identical {self.replayed}  "
            f"errors {errors}{' ' + json.dumps(self.errors) if errors else ''}",
            f"{'':<26} per request {rig.latency_summary(self.requests)}  ({kinds})",
            f"{'':<26} per booking {rig.latency_summary(self.bookings)}  "
            f"(central's CPU: {self.server_cpu * 1000 / max(1, len(self.requests)):.2f} ms a request)",
        ]


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error", "?"))
    except ValueError:
        return "?"


class Load:
    """Hands out the attempts and books them, within the request budget; remembers what it booked."""

    def __init__(self, tokens: dict[str, str], plan: Sequence[Attempt], seed: int = 7) -> None:
        self.tokens = tokens  # center -> its kiosk's token: a kiosk books only its own center
        self.plan: Iterator[Attempt] = iter(plan)
        self.random = random.Random(seed)
        self.confirms = itertools.count(1)
        self.left = rig.MAX_REQUESTS
        self.sent = 0
        self.booked: dict[str, str] = {}  # confirm request_id -> hold id, for each 201
        self.exhausted = False

    def take(self, planned: int) -> list[Attempt]:
        """The next ``planned`` attempts with the rivals among them."""
        out: list[Attempt] = []
        while (nxt := self.next()) is not None:
            if not nxt.rival:
                if planned == 0:
                    self.plan = itertools.chain([nxt], self.plan)
                    break
                planned -= 1
            out.append(nxt)
        return out

    def next(self) -> Attempt | None:
        attempt = next(self.plan, None)
        self.exhausted = attempt is None
        return attempt

    async def book(self, conn: rig.Connection, attempt: Attempt, since: float, phase: Phase) -> None:
        """hold -> confirm (-> the same confirm again); latency of the booking counts from ``since``."""
        if self.left < 3:
            return
        self.left -= 3  # at most three requests; what is not sent goes back
        sent = [0]
        try:
            await self._book(conn, attempt, since, phase, sent)
        finally:
            self.left += 3 - sent[0]

    async def _book(
        self, conn: rig.Connection, attempt: Attempt, since: float, phase: Phase, sent: list[int]
    ) -> None:
        loop = asyncio.get_running_loop()
        token = self.tokens[attempt.service_id.partition("-")[0]]

        async def post(path: str, body: bytes) -> tuple[int, bytes]:
            sent[0] += 1
            self.sent += 1
            return await conn.post(path, token, body)

        hold = {
            "request_id": str(uuid.uuid4()),
            "service_id": attempt.service_id,
            "slot_start": attempt.slot_start,
        }
        status, body = await post(HOLDS, json.dumps(hold).encode())
        phase.note("hold", loop.time() - since)
        phase.rivals += attempt.rival
        if status != 201:
            code = _error_code(body) if status == 409 else str(status)
            if code == "slot_full":
                phase.refused += 1
            else:
                phase.error(f"hold {status} {code}")
            return
        phase.rivals_won += attempt.rival
        hold_id = json.loads(body)["hold"]["id"]
        n = next(self.confirms)
        confirm = {
            "request_id": str(uuid.uuid4()),
            "name": NAMES[n % len(NAMES)],
            "phone": f"+7 9{n:09d}",  # one person per booking: the limit of two never bites
            "language": LANGUAGES[n % len(LANGUAGES)],
        }
        path, payload = f"{HOLDS}/{hold_id}/confirm", json.dumps(confirm, ensure_ascii=False).encode()
        started = loop.time()
        status, first = await post(path, payload)
        done = loop.time()
        phase.note("confirm", done - started)
        if status != 201:
            phase.error(f"confirm {status} {_error_code(first)}")
            return
        self.booked[confirm["request_id"]] = hold_id
        phase.bookings.append(done - since)
        if n % 10 == 0:  # a kiosk retrying after a timeout: the same bytes back, no second booking
            started = loop.time()
            status, again = await post(path, payload)
            phase.note("retry", loop.time() - started)
            if status == 200 and again == first:
                phase.replayed += 1
            else:
                phase.error(f"retry {status}{' differs' if status == 200 else ''}")


async def run_paced(port: int, load: Load, rate: float, seconds: float, clients: int, phase: Phase) -> None:
    """Booking i is due at start + i/rate, its rival (if any) at the same moment.

    A booking still waiting for a connection ``seconds`` after it was due is dropped as an error,
    so a central far too slow for the rate cannot keep the bench running for minutes.
    """
    batch = load.take(int(rate * seconds))
    dues: list[float] = []
    planned = 0
    for i, attempt in enumerate(batch):
        if attempt.rival and i and batch[i - 1] == Attempt(attempt.service_id, attempt.slot_start):
            dues.append(dues[-1])  # the same moment as the attempt it races
        else:
            dues.append(planned / rate)
            planned += not attempt.rival

    async def job(conn: rig.Connection, i: int, due: float) -> None:
        if asyncio.get_running_loop().time() - due > seconds:
            phase.error(f"not sent: over {seconds:.0f} s late")
        else:
            await load.book(conn, batch[i], due, phase)

    phase.elapsed = await rig.paced(port, dues, clients, job)


async def run_flat_out(port: int, load: Load, seconds: float, clients: int, phase: Phase) -> None:
    async def job(conn: rig.Connection) -> bool:
        attempt = load.next() if load.left >= 3 else None
        if attempt is None:
            return False
        await load.book(conn, attempt, asyncio.get_running_loop().time(), phase)
        return True

    phase.elapsed = await rig.flat_out(port, seconds, clients, job)


async def warm_up(port: int, load: Load) -> None:
    conn = await rig.Connection.open(port)
    for attempt in load.take(20):
        await load.book(conn, attempt, asyncio.get_running_loop().time(), Phase("warm-up"))
    conn.close()


def check_database(db: Path | str, load: Load) -> tuple[bool, int, str]:
    """Whether the database agrees with what the clients were told; the overbooked count; a line."""
    eng = central_db.create_engine(db)
    try:
        with eng.connect() as conn:
            overbooked, over_with_holds = (
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM (SELECT count(*) AS n, max(s.capacity) AS cap FROM appointments a "
                        "JOIN booking_settings s ON s.service_id = a.service_id "
                        f"WHERE a.status IN ({statuses}) GROUP BY a.service_id, a.slot_start_utc) AS slot "
                        "WHERE n > cap"
                    )
                ).scalar_one()
                for statuses in ("'confirmed', 'checked_in'", "'confirmed', 'checked_in', 'held'")
            )
            rows = conn.execute(
                sa.text("SELECT confirm_request_id, id FROM appointments WHERE confirm_request_id IS NOT NULL")
            ).all()
            by_status: dict[str, int] = {
                r[0]: r[1]
                for r in conn.execute(sa.text("SELECT status, count(*) FROM appointments GROUP BY status"))
            }
    finally:
        eng.dispose()
    stored: dict[str, str] = {r[0]: r[1] for r in rows}
    one_each = len(rows) == len(stored) == len(load.booked) and stored == load.booked
    ok = one_each and overbooked == 0 and over_with_holds == 0
    line = (
        f"database: {json.dumps(by_status)}; {overbooked} slots over capacity ({over_with_holds} counting holds); "
        f"{len(rows)} bookings for {len(load.booked)} confirmed request ids"
        f"{'' if one_each else ' (MISMATCH)'} -> {'ok' if ok else 'WRONG'}"
    )
    return ok, overbooked, line
