"""Many kiosks race for the last place of one slot against real server processes: exactly one wins.

Two ``kiosk-central serve`` processes share the SQLite file, so the race crosses processes too:
the count and the insert of a hold sit in one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import Engine

from central.appointments.booking import AppointmentDesk
from central.appointments.records import BookingRefusal
from central.appointments.schemas import HoldCreate
from central.context import Context
from service_common.clock import ManualClock
from tests.conftest import start_central

CLIENTS = 16
SERVICE = "C01-A"  # capacity 2: one place is held first, the racers fight for the other


@pytest.mark.e2e
def test_concurrent_holds_on_the_last_place(tmp_path: Path) -> None:
    first = start_central(tmp_path / "central.db")
    second = start_central(tmp_path / "central.db", seed=False)
    try:
        tokens = [first.enrol(f"KIOSK-R{i}") for i in range(4)]
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        days = requests.get(
            f"{first.url}/api/v1/appointments/days", params={"service_id": SERVICE}, headers=auth, timeout=10
        )
        assert days.status_code == 200, days.text
        day = days.json()["days"][0]
        slots = requests.get(
            f"{first.url}/api/v1/appointments/slots",
            params={"service_id": SERVICE, "date": day},
            headers=auth,
            timeout=10,
        ).json()["slots"]
        slot = next(s for s in slots if s["free"] == 2)
        body = {"request_id": str(uuid.uuid4()), "service_id": SERVICE, "slot_start": slot["start"]}
        assert (
            requests.post(
                f"{first.url}/api/v1/appointments/holds", json=body, headers=auth, timeout=10
            ).status_code
            == 201
        )

        barrier = threading.Barrier(CLIENTS)

        def race(i: int) -> tuple[int, str]:
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {tokens[i % len(tokens)]}"
                url = (first if i % 2 else second).url
                session.get(f"{url}/health", timeout=10)  # connected before the start
                barrier.wait()
                r = session.post(
                    f"{url}/api/v1/appointments/holds",
                    json={
                        "request_id": str(uuid.uuid4()),
                        "service_id": SERVICE,
                        "slot_start": slot["start"],
                    },
                    timeout=30,
                )
                return r.status_code, r.json().get("error", "")

        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(race, range(CLIENTS)))
    finally:
        second.stop()
        first.stop()
    tally = Counter(results)
    assert tally == {(201, ""): 1, (409, "slot_full"): CLIENTS - 1}, tally
    print(f"raced {CLIENTS} clients, 1 won")


def race_desk(engine: Engine, clock: ManualClock, threads: int = CLIENTS) -> Counter[str]:
    """Threads with their own connections hold the one place of a slot through the desk itself."""
    desk = AppointmentDesk(Context(engine=engine, clock=clock, version="test"))
    barrier = threading.Barrier(threads)

    def one(_i: int) -> str:
        body = HoldCreate(
            request_id=str(uuid.uuid4()),
            service_id="C01-B",
            slot_start=datetime.fromisoformat("2026-11-24T09:00:00+03:00"),
        )
        barrier.wait()
        try:
            desk.hold(body)
        except BookingRefusal as refusal:
            return refusal.code
        return "held"

    with ThreadPoolExecutor(threads) as pool:
        return Counter(pool.map(one, range(threads)))


def test_concurrent_holds_through_the_desk(seeded: Engine, clock: ManualClock) -> None:
    assert race_desk(seeded, clock) == {"held": 1, "slot_full": CLIENTS - 1}
