"""Checked-in bookings in the queue: in line at the slot's start, and counted in the walk-ins' estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from central.queue.engine import estimate_wait_min, wait_with_bookings
from service_common.clock import ManualClock
from tests.central.queue_helpers import act, new_ticket, open_counter, sign_in
from tests.central.test_appointments import API, book, rid


def _utc(hour: int, minute: int) -> datetime:
    """Tuesday 2026-11-24 at this Moscow time, in UTC."""
    return datetime(2026, 11, 24, hour - 3, minute, tzinfo=UTC)


# ----- the pure rule -----


def _wait(ahead: int, now: datetime, rank: datetime, slots: list[datetime], late_min: float = 10) -> int:
    def booked_before(cutoff: datetime) -> int:
        return sum(1 for s in slots if now - timedelta(minutes=late_min) <= s < cutoff)

    return wait_with_bookings(
        ahead,
        lambda n: estimate_wait_min(n, 1, 5.0),
        now=now,
        rank=rank,
        appointment_bonus_min=20,
        booked_before=booked_before,
    )


def test_wait_with_bookings() -> None:
    now = _utc(10, 0)
    slots = [_utc(9, 55), _utc(10, 5), _utc(10, 15), _utc(10, 25)]
    # Nobody ahead: only a late booked visitor (still inside the window) is ahead of a walk-in.
    assert _wait(0, now, now, slots) == 5
    assert _wait(0, now, now, slots[1:]) == 0
    # Two ahead: called at 10:10 by the first estimate; the 10:05 booking comes first, 10:15 not yet.
    assert _wait(2, now, now, slots) == (2 + 2) * 5
    # A long line: every booking before 10:20 ranks ahead; 10:25 (rank 10:05) never overtakes a 10:00 walk-in.
    assert _wait(10, now, now, slots) == (10 + 3) * 5
    # Exactly one extra round: bookings the re-estimate would reach are not chased further.
    assert _wait(1, now, now, [_utc(10, 4), _utc(10, 9)]) == 10
    # A checked-in booking's own ticket (rank = slot 10:00 - 20) waits only for earlier bookings.
    assert _wait(10, now, _utc(9, 40), slots) == (10 + 1) * 5
    # A visitor long past the late window is no longer expected.
    assert _wait(0, now, now, [_utc(9, 45)], late_min=10) == 0


# ----- the store -----


def _queued(engine: Engine, ticket_id: str) -> tuple[datetime, datetime]:
    t = db.tickets
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.c.queued_at, t.c.rank_at).where(t.c.id == ticket_id)).one()
    return row.queued_at, row.rank_at


def _check_in(client: TestClient, headers: dict[str, str], code: str) -> dict[str, Any]:
    r = client.post(f"{API}/{code}/check-in", json={"request_id": rid()}, headers=headers)
    assert r.status_code == 200, r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    return ticket


def test_a_checked_in_booking_queues_at_its_slot_start(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    early = book(client, headers)  # 09:00
    late = book(client, headers, "2026-11-24T09:30:00+03:00", phone="+79990000001")
    clock.set(datetime(2026, 11, 24, 8, 47))
    ticket = _check_in(client, headers, early["code"])
    assert ticket["issued_at"] == "2026-11-24T05:47:00Z"
    assert _queued(seeded, ticket["id"]) == (_utc(9, 0), _utc(8, 40))
    clock.set(datetime(2026, 11, 24, 9, 38))
    ticket = _check_in(client, headers, late["code"])
    assert _queued(seeded, ticket["id"]) == (_utc(9, 30), _utc(9, 10))


def test_call_order_with_a_booking(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    appt = book(client, headers)  # 09:00: in line from 08:40 with the 20-minute bonus
    clock.set(datetime(2026, 11, 24, 8, 30))
    before = new_ticket(client, headers, "C01-B")  # came more than the bonus before the slot
    clock.set(datetime(2026, 11, 24, 8, 45))
    after = new_ticket(client, headers, "C01-B")  # came later than slot - bonus
    clock.set(datetime(2026, 11, 24, 8, 55))
    booked = _check_in(client, headers, appt["code"])
    assert booked["people_ahead"] == 1
    assert client.get(f"/api/v1/tickets/{after['id']}", headers=headers).json()["ticket"]["people_ahead"] == 2
    sign_in(client)
    open_counter(client, "C01-2", ["C01-A", "C01-B"])
    called = []
    for _ in range(3):
        called.append(act(client, "call-next", "C01-2")["current"]["id"])
        act(client, "finish", "C01-2")
    assert called == [before["id"], booked["id"], after["id"]]


def test_walk_in_estimate_counts_bookings_not_checked_in(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    nine = book(client, headers)  # 09:00, C01-B
    book(client, headers, "2026-11-24T09:30:00+03:00", phone="+79990000001")  # ranks after a walk-in at 08:45
    clock.set(datetime(2026, 11, 24, 8, 45))
    for _ in range(4):
        new_ticket(client, headers, "C01-B")

    def line() -> dict[str, Any]:
        services = client.get("/api/v1/queue", headers=headers).json()["services"]
        entry: dict[str, Any] = next(s for s in services if s["service_id"] == "C01-B")
        return entry

    # 4 waiting, 5 minutes each at one counter: called at 09:05, after the 09:00 booking (rank 08:40).
    assert (line()["waiting"], line()["estimated_wait_min"]) == (4, 25)
    walk_in = new_ticket(client, headers, "C01-B")
    assert (walk_in["people_ahead"], walk_in["estimated_wait_min"]) == (4, 25)
    _check_in(client, headers, nine["code"])  # now a ticket: counted once, as a person ahead
    assert (line()["waiting"], line()["estimated_wait_min"]) == (6, 30)
    live = client.get(f"/api/v1/tickets/{walk_in['id']}", headers=headers).json()["ticket"]
    assert (live["people_ahead"], live["estimated_wait_min"]) == (5, 25)
    other = client.get("/api/v1/queue", headers=headers).json()["services"]
    assert next(s for s in other if s["service_id"] == "C01-A")["estimated_wait_min"] == 0
