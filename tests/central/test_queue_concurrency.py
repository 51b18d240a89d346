"""Many writers at once on one SQLite file: numbers stay unique, retries stay one ticket.

The HTTP server runs endpoints inline on one event loop, so requests never overlap inside it;
these tests call the store from threads (separate connections, like a second process or the
CLI) to prove the transactions themselves are safe.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine

from central import kiosks
from central.context import Context
from central.queue import leases, store
from central.queue.schemas import LeaseCreate, TicketCreate
from service_common.clock import ManualClock

THREADS = 8
PER_THREAD = 25


def test_concurrent_creation_gives_unique_numbers(seeded: Engine, clock: ManualClock) -> None:
    ctx = Context(engine=seeded, clock=clock, version="test")
    kiosk_ids = [f"K{i}" for i in range(THREADS)]
    for kid in kiosk_ids:
        kiosks.add(seeded, kid, "C01", clock)
    shared_ids = [str(uuid.uuid4()) for _ in range(PER_THREAD)]  # every thread also retries these
    start = threading.Barrier(THREADS)
    leased: list[range] = []
    lock = threading.Lock()

    def work(index: int) -> list[tuple[str, bool, bytes]]:
        start.wait()
        out = []
        for i in range(PER_THREAD):
            own = TicketCreate(request_id=str(uuid.uuid4()), service_id="C01-A")
            created, body = store.create_ticket(ctx, kiosk_ids[index], "C01", own)
            out.append((own.request_id, created, body))
            retry = TicketCreate(request_id=shared_ids[i], service_id="C01-A")
            # Every thread races to create the same shared tickets as kiosk K0 (a kiosk retrying).
            created, body = store.create_ticket(ctx, "K0", "C01", retry)
            out.append((retry.request_id, created, body))
            if i % 5 == 0:
                _, lease = leases.create_lease(
                    ctx,
                    kiosk_ids[index],
                    "C01",
                    LeaseCreate(request_id=str(uuid.uuid4()), service_id="C01-A", size=3),
                )
                with lock:
                    leased.append(range(lease.first, lease.last + 1))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for chunk in pool.map(work, range(THREADS)) for r in chunk]

    by_request: dict[str, set[bytes]] = {}
    created_count = Counter[str]()
    for request_id, created, body in results:
        by_request.setdefault(request_id, set()).add(body)
        created_count[request_id] += created
    assert all(len(bodies) == 1 for bodies in by_request.values())  # every retry got the same bytes
    assert all(created_count[rid] == 1 for rid in by_request)  # and exactly one creation each
    numbers = [json.loads(next(iter(b)))["ticket"]["number"] for b in by_request.values()]
    leased_numbers = [n for block in leased for n in block]
    assert len(numbers) == THREADS * PER_THREAD + PER_THREAD
    everything = numbers + leased_numbers
    assert len(everything) == len(set(everything))  # no number twice, leased or online
    assert sorted(numbers) == list(range(1, len(numbers) + 1))  # online: up from 1, no gaps
    assert sorted(leased_numbers) == list(range(1000 - len(leased_numbers), 1000))  # leases: down from 999
