"""Central adopts the number on the kiosk's paper; leases count down so the day starts at 001."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.central.queue_helpers import act, new_ticket, open_counter, sign_in


def _lease(
    client: TestClient, headers: dict[str, str], size: int = 20, service: str = "C01-A"
) -> dict[str, Any]:
    body = {"request_id": str(uuid.uuid4()), "service_id": service, "size": size}
    response = client.post("/api/v1/leases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    lease: dict[str, Any] = response.json()["lease"]
    return lease


def _offline(lease: dict[str, Any], request_id: str, number: int, **extra: Any) -> dict[str, Any]:
    return {"request_id": request_id, "service_id": lease["service_id"], "lease_id": lease["id"],
            "number": number, **extra}  # fmt: skip


def test_the_day_starts_at_001_however_many_numbers_are_leased(
    client: TestClient, headers: dict[str, str]
) -> None:
    first = _lease(client, headers, 80)
    second = _lease(client, headers, 50)
    assert (first["first"], first["last"]) == (920, 999)
    assert (second["first"], second["last"]) == (870, 919)
    assert new_ticket(client, headers)["display"] == "A001"


def test_a_lease_that_would_reach_the_online_numbers_is_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    new_ticket(client, headers)
    for _ in range(4):
        _lease(client, headers, 200)
    _lease(client, headers, 190)  # 9..999 leased, 1 given online
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-A", "size": 20}
    refused = client.post("/api/v1/leases", json=body, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"] == "numbers_exhausted"
    assert new_ticket(client, headers)["display"] == "A002"  # online tickets go on


def test_a_lease_replay_returns_the_same_block(client: TestClient, headers: dict[str, str]) -> None:
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-A", "size": 20}
    one = client.post("/api/v1/leases", json=body, headers=headers)
    two = client.post("/api/v1/leases", json=body, headers=headers)
    assert (one.status_code, two.status_code) == (201, 200)
    assert one.json()["lease"]["id"] == two.json()["lease"]["id"]
    assert _lease(client, headers)["last"] == one.json()["lease"]["first"] - 1  # nothing burnt between


def test_an_offline_record_for_a_ticket_central_made_takes_the_printed_number(
    client: TestClient, headers: dict[str, str]
) -> None:
    lease = _lease(client, headers)
    made = new_ticket(client, headers)  # the kiosk never saw this answer
    adopted = client.post(
        "/api/v1/tickets", json=_offline(lease, made["request_id"], lease["first"]), headers=headers
    )
    assert adopted.status_code == 200, adopted.text
    ticket = adopted.json()["ticket"]
    assert ticket["id"] == made["id"]
    assert ticket["display"] == f"A{lease['first']:03d}"
    late = client.post("/api/v1/tickets", json={"request_id": made["request_id"], "service_id": "C01-A"},
                       headers=headers)  # fmt: skip
    assert late.json()["ticket"]["display"] == ticket["display"]  # every replay answers the paper's number
    again = client.post(
        "/api/v1/tickets", json=_offline(lease, made["request_id"], lease["first"]), headers=headers
    )
    assert again.json()["ticket"]["display"] == ticket["display"]


def test_an_adopted_ticket_called_under_its_old_number_waits_again(
    client: TestClient, headers: dict[str, str]
) -> None:
    lease = _lease(client, headers)
    made = new_ticket(client, headers)
    sign_in(client)
    open_counter(client)
    act(client, "call-next")  # the board shows A001; nobody holds it
    adopted = client.post(
        "/api/v1/tickets", json=_offline(lease, made["request_id"], lease["first"]), headers=headers
    )
    assert adopted.json()["ticket"]["status"] == "waiting"


def test_a_void_offline_record_voids_the_ticket_central_made(
    client: TestClient, headers: dict[str, str]
) -> None:
    lease = _lease(client, headers)
    made = new_ticket(client, headers)
    body = _offline(lease, made["request_id"], lease["first"], status="void")
    assert client.post("/api/v1/tickets", json=body, headers=headers).json()["ticket"]["status"] == "void"


def test_queue_view_gives_each_service_a_daily_volume(client: TestClient, headers: dict[str, str]) -> None:
    queue = client.get("/api/v1/queue", headers=headers).json()
    assert all(s["daily_volume"] == 200 for s in queue["services"])  # no history yet: the default


def test_a_kiosk_holds_and_releases_only_its_own_centers_places(
    client: TestClient, headers: dict[str, str], seeded: Any, clock: Any
) -> None:
    from central import kiosks

    other = {"Authorization": f"Bearer {kiosks.add(seeded, 'KIOSK-C02', 'C02', clock)}"}
    day = client.get("/api/v1/appointments/days", params={"service_id": "C01-A"}, headers=headers).json()[
        "days"
    ][0]
    slot = client.get("/api/v1/appointments/slots", params={"service_id": "C01-A", "date": day},
                      headers=headers).json()["slots"][0]  # fmt: skip
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-A", "slot_start": slot["start"]}
    assert client.post("/api/v1/appointments/holds", json=body, headers=other).status_code == 403
    hold = client.post("/api/v1/appointments/holds", json=body, headers=headers).json()["hold"]
    assert client.post(f"/api/v1/appointments/holds/{hold['id']}/release", headers=other).status_code == 204
    confirm = {"request_id": str(uuid.uuid4()), "name": "Анна", "phone": "+7 912 345-67-89", "language": "ru"}
    assert (
        client.post(
            f"/api/v1/appointments/holds/{hold['id']}/confirm", json=confirm, headers=other
        ).status_code
        == 403
    )
    booked = client.post(f"/api/v1/appointments/holds/{hold['id']}/confirm", json=confirm, headers=headers)
    assert booked.status_code == 201, booked.text  # the other center's release changed nothing
