"""Group commit: tickets that arrive together share one transaction, and each gets its own answer."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

import pytest
from sqlalchemy.engine import Engine

from central import kiosks
from central.context import Context
from central.queue import store
from central.queue.schemas import TicketCreate
from central.queue.writer import TicketWriter
from service_common.clock import ManualClock


def item(
    kiosk: str = "K1", center: str = "C01", service: str = "C01-A", request_id: str | None = None
) -> store.NewTicket:
    return store.NewTicket(
        kiosk, center, TicketCreate(request_id=request_id or str(uuid.uuid4()), service_id=service)
    )


@pytest.fixture
def ctx(seeded: Engine, clock: ManualClock) -> Context:
    kiosks.add(seeded, "K1", "C01", clock)
    return Context(engine=seeded, clock=clock, version="test")


def test_concurrent_requests_share_a_group_and_keep_their_own_answers(ctx: Context) -> None:
    writer = TicketWriter(ctx)
    items = [item() for _ in range(20)]
    items.append(item(request_id=items[0].request.request_id))  # a retry inside the same group
    items.append(item(service="C02-A"))  # another center's service: refused alone

    async def all_at_once() -> list[tuple[bool, bytes] | BaseException]:
        return await asyncio.gather(*(writer.create(i) for i in items), return_exceptions=True)

    results = asyncio.run(all_at_once())
    assert writer.groups == 1
    assert writer.tickets == len(items)
    created = [r for r in results[:20] if isinstance(r, tuple)]
    assert all(flag for flag, _ in created)
    numbers = [json.loads(body)["ticket"]["number"] for _, body in created]
    assert numbers == list(range(1, 21))
    assert results[20] == (False, created[0][1])  # the retry gets the first answer's bytes
    refusal = results[21]
    assert isinstance(refusal, store.Refusal)
    assert refusal.status == 403


def test_a_lone_request_is_written_without_waiting_a_turn_of_the_loop(ctx: Context) -> None:
    """With nothing else ready to run, no request could join its group: it is written at once."""
    writer = TicketWriter(ctx)

    async def lone() -> tuple[bool, bytes]:
        step = writer.create(item())
        try:
            step.send(None)  # one step: it must finish without suspending
        except StopIteration as finished:
            result: tuple[bool, bytes] = finished.value
            return result
        step.close()
        raise AssertionError("the lone request waited for a turn of the loop")

    created, body = asyncio.run(lone())
    assert (created, json.loads(body)["ticket"]["number"]) == (True, 1)
    assert (writer.groups, writer.tickets) == (1, 1)


def test_a_failing_group_is_retried_one_by_one(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = TicketWriter(ctx)

    def broken(_ctx: Context, _items: list[store.NewTicket]) -> list[object]:
        raise RuntimeError("simulated failure of the group transaction")

    monkeypatch.setattr(store, "create_tickets", broken)
    monkeypatch.setattr(
        store,
        "create_ticket",
        lambda c, k, center, req: (True, req.request_id.encode()),
    )

    async def two() -> list[tuple[bool, bytes]]:
        return list(
            await asyncio.gather(writer.create(item(request_id="a")), writer.create(item(request_id="b")))
        )

    assert asyncio.run(two()) == [(True, b"a"), (True, b"b")]


def test_groups_are_capped(ctx: Context) -> None:
    writer = TicketWriter(ctx, max_group=4)

    async def ten() -> list[tuple[bool, bytes]]:
        return await asyncio.gather(*(writer.create(item()) for _ in range(10)))

    results = asyncio.run(ten())
    assert writer.groups == 3
    assert sorted(json.loads(body)["ticket"]["number"] for _, body in results) == list(range(1, 11))


def test_on_handler_threads_one_writer_thread_groups_what_waits(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As under central.offload: each request on a thread of its own with its own event loop."""
    writer = TicketWriter(ctx)
    writer.use_thread()
    first_group = threading.Event()
    all_queued = threading.Event()
    real = store.create_tickets

    def held(c: Context, items: list[store.NewTicket]) -> list[tuple[bool, bytes] | store.Refusal]:
        if not first_group.is_set():  # the first request alone: the others queue meanwhile
            first_group.set()
            assert all_queued.wait(10)
        return real(c, items)

    monkeypatch.setattr(store, "create_tickets", held)
    items = [item() for _ in range(7)] + [item(service="C02-A")]
    results: dict[int, tuple[bool, bytes] | BaseException] = {}

    def handler(i: int) -> None:
        try:
            results[i] = asyncio.run(writer.create(items[i]))
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=handler, args=(0,))]
    threads[0].start()
    assert first_group.wait(10)
    threads += [threading.Thread(target=handler, args=(i,)) for i in range(1, len(items))]
    for t in threads[1:]:
        t.start()
    while writer.queued() < len(items) - 1:
        time.sleep(0.01)
    all_queued.set()
    for t in threads:
        t.join(10)
    writer.close()
    assert (writer.groups, writer.tickets) == (2, 8)
    created = [results[i] for i in range(7)]
    numbers = sorted(json.loads(r[1])["ticket"]["number"] for r in created if isinstance(r, tuple))
    assert numbers == list(range(1, 8))
    refusal = results[7]
    assert isinstance(refusal, store.Refusal)
    assert refusal.status == 403


def test_closing_the_writer_thread_writes_what_is_queued(ctx: Context) -> None:
    writer = TicketWriter(ctx)
    writer.use_thread()

    async def three() -> list[tuple[bool, bytes]]:
        return list(await asyncio.gather(*(writer.create(item()) for _ in range(3))))

    assert len(asyncio.run(three())) == 3
    writer.close()
    writer.close()  # twice: nothing left to stop
    assert writer.tickets == 3
    assert asyncio.run(writer.create(item()))[0]  # closed: back to groups on the caller's loop
