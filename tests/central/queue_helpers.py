"""Small helpers shared by the queue tests (plain functions, so fixtures stay in conftest)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from central.seed import DEMO_PASSWORD, DEMO_STAFF


def new_ticket(
    client: TestClient, headers: dict[str, str], service_id: str = "C01-A", expect: int = 201, **extra: Any
) -> dict[str, Any]:
    body = {"request_id": str(uuid.uuid4()), "service_id": service_id, **extra}
    response = client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == expect, response.text
    ticket: dict[str, Any] = response.json().get("ticket", response.json())
    return ticket


def sign_in(client: TestClient, username: str = DEMO_STAFF, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/staff/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    staff: dict[str, Any] = response.json()["staff"]
    return staff


def open_counter(
    client: TestClient, counter_id: str = "C01-1", services: list[str] | None = None
) -> dict[str, Any]:
    services = services or ["C01-A", "C01-B", "C01-C", "C01-D"]
    response = client.post(f"/api/v1/counters/{counter_id}/open", json={"services": services})
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def act(
    client: TestClient, action: str, counter_id: str = "C01-1", expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = client.post(f"/api/v1/counters/{counter_id}/{action}", json=body or None)
    assert response.status_code == expect, response.text
    state: dict[str, Any] = response.json()
    return state
