"""Group commit: tickets that arrive together share one transaction, and each gets its own answer."""

from __future__ import annotations

import asyncio
import json
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
