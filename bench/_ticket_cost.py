"""Cost of one ticket-creation transaction in-process (no HTTP), with N tickets waiting in its line.

Fills one service's line to N waiting tickets (group commits of 250), then creates ``samples``
more one at a time, timing each create transaction (wall and CPU); each new ticket is voided
afterwards, untimed, so the line stays at N. The median is printed: a flat transaction costs the
same at 10 and at 5,000 waiting.
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

SERVICE, CENTER = "C01-A", "C01"


@dataclass(frozen=True)
class Cost:
    waiting: int
    wall_ms: float
    cpu_ms: float


def _item() -> store.NewTicket:
    return store.NewTicket(None, CENTER, TicketCreate(request_id=uuid.uuid4().hex, service_id=SERVICE))


def measure(url: str, waiting: list[int], samples: int = 300) -> list[Cost]:
    """Median cost at each line length. ``url``: an empty database (SQLite file or PostgreSQL), migrated and seeded here."""
    engine = db.create_engine(url)
    migrate.upgrade(engine)
    clock = SystemClock()
    seed.seed_demo(engine, clock)
    ctx = Context(engine=engine, clock=clock, version="bench")
    t = db.tickets
    out: list[Cost] = []
    have = 0
    with db.write_transaction(engine) as conn:  # a bench database: the line starts empty
        line = (t.c.queue_service_id == SERVICE) & (t.c.status == "waiting")
        conn.execute(sa.update(t).where(line).values(status="void"))
    try:
        for target in sorted(waiting):
            while have < target:
                batch = min(250, target - have)
                store.create_tickets(ctx, [_item() for _ in range(batch)])
                have += batch
            walls: list[float] = []
            cpus: list[float] = []
            for i in range(-samples // 5, samples):  # the first fifth warms caches, untimed
                if i == 0:
                    walls.clear()
                    cpus.clear()
                item = _item()
                w0, c0 = time.perf_counter(), time.process_time()
                (result,) = store.create_tickets(ctx, [item])
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                assert not isinstance(result, store.Refusal), result
                with db.write_transaction(engine) as conn:
                    conn.execute(
                        sa.update(t).where(t.c.request_id == item.request.request_id).values(status="void")
                    )
            out.append(Cost(target, statistics.median(walls) * 1000, statistics.median(cpus) * 1000))
    finally:
        engine.dispose()
    return out
