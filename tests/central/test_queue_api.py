"""The kiosk's queue API: tickets (idempotent), leases and offline upload, void, the queue view."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, kiosks
from service_common.clock import ManualClock

from .conftest import bearer
from .queue_helpers import act, new_ticket, open_counter, sign_in

MOSCOW = ZoneInfo("Europe/Moscow")


def count_tickets(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(db.tickets)).scalar_one())


def test_create_ticket_shape(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    request_id = str(uuid.uuid4())
    body = {"request_id": request_id, "service_id": "C01-B", "priority": "pregnancy", "language": "zh-Hant"}
    response = client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    ticket = response.json()["ticket"]
    assert ticket["request_id"] == request_id
    assert (ticket["center_id"], ticket["service_id"], ticket["prefix"]) == ("C01", "C01-B", "B")
    assert (ticket["number"], ticket["display"], ticket["status"]) == (1, "B001", "waiting")
    assert (ticket["priority"], ticket["language"], ticket["issued_by"]) == ("pregnancy", "zh-Hant", "kiosk")
    assert ticket["issued_at"] == "2026-11-23T07:00:00Z"
    assert ticket["business_date"] == "2026-11-23"
    assert (ticket["called_at"], ticket["counter"], ticket["lease_id"]) == (None, None, None)
    assert (ticket["people_ahead"], ticket["estimated_wait_min"]) == (0, 0)
    assert ticket["status_url"].startswith(f"http://127.0.0.1:8470/t/{ticket['id']}?s=")
    second = new_ticket(client, headers, "C01-B")
    assert (second["display"], second["people_ahead"], second["estimated_wait_min"]) == ("B002", 1, 5)
    assert (
        client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).json()["ticket"]["people_ahead"] == 0
    )


def test_same_request_id_is_one_ticket_with_the_same_body(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-A"}
    first = client.post("/api/v1/tickets", json=body, headers=headers)
    new_ticket(client, headers)  # the queue moves on in between
    sign_in(client)
    open_counter(client)
    act(client, "call-next")
    again = client.post("/api/v1/tickets", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.content == first.content  # byte for byte, although the ticket has been called since
    assert count_tickets(seeded) == 2
    live = client.get(f"/api/v1/tickets/{first.json()['ticket']['id']}", headers=headers).json()["ticket"]
    assert (live["status"], live["counter"]) == ("called", "1")


def test_request_id_reused_for_something_else_is_a_conflict(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    body = {"request_id": "fixed-id", "service_id": "C01-A"}
    assert client.post("/api/v1/tickets", json=body, headers=headers).status_code == 201
    other = client.post("/api/v1/tickets", json={**body, "service_id": "C01-B"}, headers=headers)
    assert other.status_code == 409
    assert other.json() == {"error": "idempotency_conflict", "message": other.json()["message"]}
    second_kiosk = bearer(kiosks.add(seeded, "KIOSK-T2", "C01", clock))
    assert client.post("/api/v1/tickets", json=body, headers=second_kiosk).status_code == 409


def test_kiosk_acts_only_on_its_own_center(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    other = bearer(kiosks.add(seeded, "KIOSK-C02", "C02", clock))
    foreign = new_ticket(client, other, "C02-A")
    for response in (
        client.post("/api/v1/tickets", json={"request_id": "x1", "service_id": "C02-A"}, headers=headers),
        client.get(f"/api/v1/tickets/{foreign['id']}", headers=headers),
        client.post(f"/api/v1/tickets/{foreign['id']}/void", json={"reason": "printer"}, headers=headers),
        client.post(
            "/api/v1/leases", json={"request_id": "l1", "service_id": "C02-A", "size": 10}, headers=headers
        ),
        client.get("/api/v1/queue", params={"center_id": "C02"}, headers=headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
    assert client.get("/api/v1/queue", params={"center_id": "C01"}, headers=headers).status_code == 200
    assert client.get("/api/v1/tickets", headers=headers).status_code == 405


def test_unknown_things_and_bad_bodies(client: TestClient, headers: dict[str, str]) -> None:
    unknown = client.post("/api/v1/tickets", json={"request_id": "u", "service_id": "C01-Z"}, headers=headers)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert client.get("/api/v1/tickets/nope", headers=headers).status_code == 404
    for body in (
        {"service_id": "C01-A"},
        {"request_id": "r", "service_id": "C01-A", "priority": "vip"},
        {"request_id": "r", "service_id": "C01-A", "language": "de"},
        {"request_id": "r", "service_id": "C01-A", "status": "called"},
        {"request_id": "r", "service_id": "C01-A", "issued_at": "2026-11-23T10:00:00"},  # naive
    ):
        response = client.post("/api/v1/tickets", json=body, headers=headers)
        assert (response.status_code, response.json()["error"]) == (422, "invalid_request"), body
    assert client.post("/api/v1/tickets", json={"request_id": "r", "service_id": "C01-A"}).status_code == 401


def test_void_only_waiting_tickets_and_idempotently(client: TestClient, headers: dict[str, str]) -> None:
    ticket = new_ticket(client, headers)
    first = client.post(f"/api/v1/tickets/{ticket['id']}/void", json={"reason": "paper jam"}, headers=headers)
    again = client.post(f"/api/v1/tickets/{ticket['id']}/void", json={"reason": "paper jam"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["ticket"]["status"] == again.json()["ticket"]["status"] == "void"
    called = new_ticket(client, headers)
    sign_in(client)
    open_counter(client)
    assert act(client, "call-next")["current"]["id"] == called["id"]  # the void one is skipped
    refused = client.post(f"/api/v1/tickets/{called['id']}/void", json={"reason": "x"}, headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (409, "not_waiting")


# ----- leases and offline tickets -----


def lease(
    client: TestClient,
    headers: dict[str, str],
    size: int,
    service_id: str = "C01-A",
    request_id: str | None = None,
) -> dict[str, Any]:
    body = {"request_id": request_id or str(uuid.uuid4()), "service_id": service_id, "size": size}
    response = client.post("/api/v1/leases", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    leased: dict[str, Any] = response.json()["lease"]
    return leased


def test_lease_reserves_a_block_from_the_top_and_online_numbers_count_up(
    client: TestClient, headers: dict[str, str]
) -> None:
    assert new_ticket(client, headers)["number"] == 1
    block = lease(client, headers, 20, request_id="lease-1")
    assert block["prefix"] == "A"
    assert (block["first"], block["last"], block["business_date"]) == (980, 999, "2026-11-23")
    assert block["expires_at"] == "2026-11-23T21:00:00Z"  # Moscow midnight
    assert new_ticket(client, headers)["number"] == 2
    again = client.post(
        "/api/v1/leases", json={"request_id": "lease-1", "service_id": "C01-A", "size": 20}, headers=headers
    )
    assert again.status_code == 200
    assert again.json()["lease"] == block
    assert new_ticket(client, headers)["number"] == 3
    changed = client.post(
        "/api/v1/leases", json={"request_id": "lease-1", "service_id": "C01-A", "size": 5}, headers=headers
    )
    assert changed.status_code == 409
    for size in (0, 201):
        bad = client.post(
            "/api/v1/leases", json={"request_id": "x", "service_id": "C01-A", "size": size}, headers=headers
        )
        assert bad.status_code == 422


def test_offline_tickets_enter_the_line_by_issue_time(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    block = lease(client, headers, 10)
    clock.advance(timedelta(minutes=5))  # 10:05, the link is down; the kiosk issues from its lease
    offline_issued = clock.now()
    clock.advance(timedelta(minutes=5))  # 10:10 an online ticket from another kiosk
    online = new_ticket(client, headers)
    assert online["number"] == 1
    clock.advance(timedelta(minutes=10))  # 10:20 the link is back: the outbox is uploaded
    upload = {
        "request_id": str(uuid.uuid4()),
        "service_id": "C01-A",
        "lease_id": block["id"],
        "number": block["first"],
        "issued_at": offline_issued.isoformat(),
    }
    response = client.post("/api/v1/tickets", json=upload, headers=headers)
    assert response.status_code == 201, response.text
    offline = response.json()["ticket"]
    assert (offline["display"], offline["lease_id"], offline["people_ahead"]) == ("A990", block["id"], 0)
    assert offline["issued_at"] == "2026-11-23T07:05:00Z"
    assert (
        client.get(f"/api/v1/tickets/{online['id']}", headers=headers).json()["ticket"]["people_ahead"] == 1
    )
    assert client.post("/api/v1/tickets", json=upload, headers=headers).content == response.content
    sign_in(client)
    open_counter(client)
    assert act(client, "call-next")["current"]["display"] == "A990"  # by issue time, not upload time
    act(client, "finish")
    assert act(client, "call-next")["current"]["display"] == "A001"


def test_an_offline_ticket_that_did_not_print_is_uploaded_void(
    client: TestClient, headers: dict[str, str]
) -> None:
    block = lease(client, headers, 3)
    body = {
        "request_id": "void-up",
        "service_id": "C01-A",
        "lease_id": block["id"],
        "number": block["first"] + 1,
        "status": "void",
    }
    response = client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201
    assert response.json()["ticket"]["status"] == "void"
    assert client.get("/api/v1/queue", headers=headers).json()["services"][0]["waiting"] == 0


def test_lease_conflicts(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    block = lease(client, headers, 5)
    other_kiosk = bearer(kiosks.add(seeded, "KIOSK-T2", "C01", clock))
    other_block = lease(client, other_kiosk, 5)
    b_block = lease(client, headers, 5, "C01-B")

    def upload(
        number: int, lease_id: object, who: dict[str, str] = headers, **extra: object
    ) -> tuple[int, str]:
        body = {
            "request_id": str(uuid.uuid4()),
            "service_id": "C01-A",
            "lease_id": lease_id,
            "number": number,
            **extra,
        }
        response = client.post("/api/v1/tickets", json=body, headers=who)
        return response.status_code, response.json().get("error", "")

    conflict = (409, "lease_conflict")
    assert upload(block["last"] + 1, block["id"]) == conflict
    assert upload(other_block["first"], other_block["id"]) == conflict  # another kiosk's lease
    assert upload(b_block["first"], b_block["id"]) == conflict  # a lease of another service
    assert upload(3, None) == conflict  # a number without a lease
    assert upload(block["first"], block["id"])[0] == 201
    assert upload(block["first"], block["id"]) == conflict  # that number is already a ticket
    clock.set(datetime(2026, 11, 24, 0, 5))  # after the center's midnight
    late = (datetime(2026, 11, 24, 0, 1, tzinfo=MOSCOW)).isoformat()
    assert upload(block["first"] + 1, block["id"], issued_at=late) == conflict  # issued after expiry
    before = (datetime(2026, 11, 23, 23, 50, tzinfo=MOSCOW)).isoformat()
    assert upload(block["first"] + 1, block["id"], issued_at=before)[0] == 201  # issued in time, sent later
    with seeded.connect() as conn:
        days = conn.execute(
            sa.select(db.tickets.c.business_date).where(db.tickets.c.lease_id == block["id"])
        ).all()
    assert {d[0].isoformat() for d in days} == {"2026-11-23"}


def test_numbers_never_repeat_between_leases_and_online(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    second = bearer(kiosks.add(seeded, "KIOSK-T2", "C01", clock))
    leased: list[int] = []
    online: list[int] = []
    for i in range(6):
        who = headers if i % 2 else second
        block = lease(client, who, 3 + i)
        leased += list(range(int(block["first"]), int(block["last"]) + 1))
        online.append(new_ticket(client, who)["number"])
    assert online == [1, 2, 3, 4, 5, 6]  # the day starts at 001 whatever the kiosks lease
    assert sorted(leased) == list(range(1000 - len(leased), 1000))  # leases: from the top, no gaps
    assert not set(online) & set(leased)


# ----- numbering restarts at the center's midnight -----


def set_zone(engine: Engine, center_id: str, zone: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(db.centers).where(db.centers.c.id == center_id).values(timezone=zone))


@pytest.mark.parametrize(
    ("zone", "before_midnight", "after_midnight", "expires_at"),
    [
        ("Europe/Moscow", "2026-11-23T23:59:30", "2026-11-24T00:00:00", "2026-11-23T21:00:00Z"),
        # Berlin, the night into the spring DST switch (a 23-hour day follows) and into the autumn one.
        ("Europe/Berlin", "2026-03-28T23:59:00", "2026-03-29T00:00:01", "2026-03-28T23:00:00Z"),
        ("Europe/Berlin", "2026-03-29T23:59:00", "2026-03-30T00:00:00", "2026-03-29T22:00:00Z"),
        ("Europe/Berlin", "2026-10-25T23:59:00", "2026-10-26T00:00:00", "2026-10-25T23:00:00Z"),
        # Santiago, where the spring switch skips midnight: the new day starts at 01:00.
        ("America/Santiago", "2026-09-05T23:59:00", "2026-09-06T01:00:00", "2026-09-06T04:00:00Z"),
    ],
)
def test_numbering_restarts_at_local_midnight(
    client: TestClient,
    headers: dict[str, str],
    seeded: Engine,
    clock: ManualClock,
    zone: str,
    before_midnight: str,
    after_midnight: str,
    expires_at: str,
) -> None:
    set_zone(seeded, "C01", zone)
    tz = ZoneInfo(zone)
    clock.set(datetime.fromisoformat(before_midnight).replace(tzinfo=tz))
    first, second = new_ticket(client, headers), new_ticket(client, headers)
    assert (first["display"], second["display"]) == ("A001", "A002")
    assert lease(client, headers, 5)["expires_at"] == expires_at
    clock.set(datetime.fromisoformat(after_midnight).replace(tzinfo=tz))
    fresh = new_ticket(client, headers)
    assert fresh["display"] == "A001"
    assert fresh["business_date"] == after_midnight[:10]
    assert fresh["business_date"] != first["business_date"]
    queue = client.get("/api/v1/queue", headers=headers).json()
    assert queue["business_date"] == after_midnight[:10]
    assert queue["services"][0]["waiting"] == 1  # yesterday's leftovers are not in today's line


# ----- the queue view and estimates -----


def test_queue_view_and_estimates(client: TestClient, headers: dict[str, str], clock: ManualClock) -> None:
    empty = client.get("/api/v1/queue", headers=headers).json()
    assert empty["center_id"] == "C01"
    assert [s["service_id"] for s in empty["services"]] == ["C01-A", "C01-B", "C01-C", "C01-D"]
    assert empty["services"][0]["name"]["zh-Hant"] == "卡片與帳戶"
    assert empty["recent_calls"] == []
    for _ in range(4):
        new_ticket(client, headers)
    view = client.get("/api/v1/queue", headers=headers).json()["services"][0]
    assert (view["waiting"], view["open_counters"], view["estimated_wait_min"]) == (4, 0, 20)  # default 5 min
    sign_in(client)
    open_counter(client, "C01-1", ["C01-A"])
    other = TestClient(client.app)
    sign_in(other)
    open_counter(other, "C01-2", ["C01-A", "C01-B"])
    view = client.get("/api/v1/queue", headers=headers).json()["services"][0]
    assert (view["open_counters"], view["estimated_wait_min"]) == (2, 10)
    for minutes in (2, 2, 2):  # three finished services of 2 minutes: the default gives way
        act(client, "call-next")
        act(client, "start")
        clock.advance(timedelta(minutes=minutes))
        act(client, "finish")
    view = client.get("/api/v1/queue", headers=headers).json()
    service = view["services"][0]
    assert (service["waiting"], service["estimated_wait_min"]) == (1, 1)  # 1 ahead * 2 min / 2 counters
    assert [c["display"] for c in view["recent_calls"]] == ["A003", "A002", "A001"]
    assert view["recent_calls"][0]["counter"] == "1"
    ticket = new_ticket(client, headers)
    assert (ticket["people_ahead"], ticket["estimated_wait_min"]) == (1, 1)


def test_a_new_ticket_is_estimated_as_its_live_view_counts_it(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    """Creation reads the pace, open counters and bookings in one statement of its own (with SQL
    that differs per database); the live view reads them row by row: the two must agree."""

    def check(service_id: str = "C01-A", **extra: Any) -> tuple[int, int]:
        made = new_ticket(client, headers, service_id, **extra)
        live = client.get(f"/api/v1/tickets/{made['id']}", headers=headers).json()["ticket"]
        assert (made["people_ahead"], made["estimated_wait_min"]) == (
            live["people_ahead"], live["estimated_wait_min"]
        ), made  # fmt: skip
        return made["people_ahead"], made["estimated_wait_min"]

    for _ in range(6):
        check()
    assert check("C01-B") == (0, 0)
    sign_in(client)
    open_counter(client, "C01-1", ["C01-A"])
    other = TestClient(client.app)
    sign_in(other)
    open_counter(other, "C01-2", ["C01-B", "C01-A"])
    assert check() == (6, 15)  # the default 5 minutes, 2 counters
    for seconds in (95, 130, 201, 44):  # a mean that is no whole number of minutes
        act(client, "call-next")
        act(client, "start")
        clock.advance(timedelta(seconds=seconds))
        act(client, "finish")
    assert check() == (3, 3)  # 3 x 117.5 s / 2 counters: 2.9 minutes
    check("C01-B", priority="disability")
    clock.advance(timedelta(hours=3))  # both staff sessions have lapsed: counted as one counter
    assert check() == (4, 8)


def test_priority_through_the_api(client: TestClient, headers: dict[str, str], clock: ManualClock) -> None:
    walk_in = new_ticket(client, headers)
    clock.advance(timedelta(minutes=10))
    veteran = new_ticket(client, headers, priority="veteran")  # 15 bonus minutes > 10 minutes waited
    clock.advance(timedelta(minutes=10))
    appointment = new_ticket(client, headers, priority="appointment")  # 20 bonus = 20 waited: a tie
    assert veteran["people_ahead"] == 0
    assert appointment["people_ahead"] == 2  # the tie goes to the lower number
    sign_in(client)
    open_counter(client)
    order = []
    for _ in range(3):
        order.append(act(client, "call-next")["current"]["id"])
        act(client, "finish")
    assert order == [veteran["id"], walk_in["id"], appointment["id"]]


def test_body_replayed_is_valid_json_with_the_ticket(client: TestClient, headers: dict[str, str]) -> None:
    body = {"request_id": "json-check", "service_id": "C01-D", "issued_by": "staff:ivanova"}
    raw = client.post("/api/v1/tickets", json=body, headers=headers).content
    assert json.loads(raw)["ticket"]["issued_by"] == "staff:ivanova"
