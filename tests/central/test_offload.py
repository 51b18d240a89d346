"""central.offload: the same answers as inline, and a handler that blocks no longer holds up the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central.app import create_app
from central.offload import Offload
from central.serving import handler_threads
from service_common.clock import ManualClock


@pytest.fixture
def offloaded(seeded: Engine, clock: ManualClock) -> Iterator[TestClient]:
    with TestClient(Offload(create_app(seeded, clock), threads=2)) as test_client:
        yield test_client


def test_answers_are_those_of_the_app(offloaded: TestClient, headers: dict[str, str]) -> None:
    body = {"request_id": "off-1", "service_id": "C01-A"}
    first = offloaded.post("/api/v1/tickets", json=body, headers=headers)
    assert first.status_code == 201
    again = offloaded.post("/api/v1/tickets", json=body, headers=headers)
    assert again.status_code == 200
    assert again.content == first.content  # idempotent, byte for byte
    ticket = first.json()["ticket"]
    assert (
        offloaded.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).json()["ticket"]["id"]
        == ticket["id"]
    )
    assert offloaded.get("/api/v1/tickets/nope", headers=headers).json()["error"] == "not_found"
    assert offloaded.post("/api/v1/tickets", json=body).status_code == 401
    bad = offloaded.post(
        "/api/v1/tickets", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert offloaded.get("/static/board.css").status_code == 200
    assert offloaded.get("/health").json()["db"] == "ok"


def test_many_at_once_each_get_their_own_ticket(offloaded: TestClient, headers: dict[str, str]) -> None:
    def issue(i: int) -> int:
        answer = offloaded.post(
            "/api/v1/tickets", json={"request_id": f"many-{i}", "service_id": "C01-A"}, headers=headers
        )
        assert answer.status_code == 201
        return int(answer.json()["ticket"]["number"])

    with ThreadPoolExecutor(6) as pool:
        numbers = list(pool.map(issue, range(24)))
    assert len(set(numbers)) == 24


def test_a_blocked_handler_does_not_hold_up_the_others() -> None:
    """Inline, ``/wait`` would block the only loop and ``/release`` could never run (deadlock)."""
    released = threading.Event()
    app = FastAPI()

    @app.get("/wait")
    async def wait() -> dict[str, bool]:
        return {"released": released.wait(timeout=10)}  # blocking, like a query on a slow network

    @app.get("/release")
    async def release() -> dict[str, bool]:
        released.set()
        return {"done": True}

    with TestClient(Offload(app, threads=2)) as client, ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(client.get, "/wait")
        assert client.get("/release").json() == {"done": True}
        assert waiting.result(timeout=10).json() == {"released": True}


def test_inline_on_sqlite_threads_elsewhere() -> None:
    assert handler_threads("auto", 4, "sqlite") == 0
    assert handler_threads("auto", 4, "postgresql") == 4
    assert handler_threads("inline", 4, "postgresql") == 0
    assert handler_threads("threads", 3, "sqlite") == 3


def test_an_unhandled_error_is_a_500_as_inline() -> None:
    app = FastAPI()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(Offload(app, threads=1), raise_server_exceptions=False) as client:
        assert client.get("/boom").status_code == 500
    with TestClient(Offload(app, threads=1)) as client, pytest.raises(RuntimeError, match="boom"):
        client.get("/boom")
