"""Cost of one ticket-creation transaction in-process (no HTTP), with N tickets waiting in its line.

Fills one service's line per N (C01-A, C01-B, ...) to N waiting tickets (group commits of 250),
then creates tickets one at a time in each line in turn, timing each create transaction (wall
and CPU): taking turns, the line lengths share whatever else the machine is doing. Each new
ticket is voided afterwards, untimed, so the lines stay at N. The medians are printed: a flat
transaction costs the same at 10 and at 5,000 waiting.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from central import db, migrate, seed
from central.context import Context
from central.queue import store
from central.queue.schemas import TicketCreate
from service_common.clock import SystemClock

CENTER = "C01"
SERVICES = ("C01-A", "C01-B", "C01-C", "C01-D")


@dataclass(frozen=True)
class Cost:
    waiting: int
    wall_ms: float
    cpu_ms: float


def _item(service: str) -> store.NewTicket:
    return store.NewTicket(None, CENTER, TicketCreate(request_id=uuid.uuid4().hex, service_id=service))


def measure(url: str, waiting: list[int], samples: int = 300) -> list[Cost]:
    """Median cost at each line length. ``url``: a bench database, migrated and seeded here."""
    engine = db.create_engine(url)
    migrate.upgrade(engine)
    clock = SystemClock()
    seed.seed_demo(engine, clock)
    ctx = Context(engine=engine, clock=clock, version="bench")
    t = db.tickets
    lines = dict(zip(SERVICES, waiting, strict=False))
    times: dict[str, tuple[list[float], list[float]]] = {s: ([], []) for s in lines}
    try:
        with db.write_transaction(engine) as conn:  # the lines start empty
            conn.execute(sa.update(t).where(t.c.status == "waiting").values(status="void"))
        for service, target in lines.items():
            for have in range(0, target, 250):
                store.create_tickets(ctx, [_item(service) for _ in range(min(250, target - have))])
        for i in range(-samples // 5, samples):  # the first fifth warms caches, untimed
            for service, (walls, cpus) in times.items():
                item = _item(service)
                w0, c0 = time.perf_counter(), time.process_time()
                (result,) = store.create_tickets(ctx, [item])
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                assert not isinstance(result, store.Refusal), result
                if i >= 0:
                    walls.append(wall)
                    cpus.append(cpu)
                with db.write_transaction(engine) as conn:
                    conn.execute(
                        sa.update(t).where(t.c.request_id == item.request.request_id).values(status="void")
                    )
    finally:
        engine.dispose()
    return [
        Cost(lines[s], statistics.median(w) * 1000, statistics.median(c) * 1000)
        for s, (w, c) in times.items()
    ]
