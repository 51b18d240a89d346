"""Heartbeats and the fleet state: colours, "never seen" apart from "offline", hysteresis, access."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import kiosks, staff
from service_common.clock import ManualClock

from .conftest import bearer
from .fleet_helpers import heartbeat


def beat(
    client: TestClient, headers: dict[str, str], clock: ManualClock, **changes: object
) -> dict[str, object]:
    answer = client.post("/api/v1/fleet/heartbeat", json=heartbeat(clock.now(), **changes), headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def sign_in(
    client: TestClient, engine: Engine, clock: ManualClock, role: str, center: str | None = None
) -> None:
    staff.set_account(engine, f"u-{role}", role, center, "a-long-password-1", must_change=False, clock=clock)
    answer = client.post(
        "/api/v1/staff/login", json={"username": f"u-{role}", "password": "a-long-password-1"}
    )
    assert answer.status_code == 200, answer.text


def fleet(client: TestClient) -> dict[str, dict[str, object]]:
    answer = client.get("/api/v1/staff/fleet")
    assert answer.status_code == 200, answer.text
    return {k["kiosk_id"]: k for k in answer.json()["kiosks"]}


def test_colours_from_device_states(client: TestClient, headers: dict[str, str], clock: ManualClock) -> None:
    assert beat(client, headers, clock) == {
        "colour": "green",
        "connection": "online",
        "reasons": [],
        "commands": [],
    }
    low = beat(client, headers, clock, printer={"reasons": ["media-low"], "raw": "EOT4=0x1E"})
    assert (low["colour"], low["reasons"]) == ("yellow", ["printer:media-low"])
    empty = beat(client, headers, clock, printer={"reasons": ["media-empty", "door-open"], "raw": ""})
    assert empty["colour"] == "red"
    assert empty["reasons"] == ["printer:media-empty", "printer:door-open"]
    forecast = {"near_end": False, "printed_mm": 70000, "roll_mm": 80000, "tickets_left": 12}
    assert beat(client, headers, clock, printer={"reasons": [], "paper": forecast})["colour"] == "yellow"
    absent = beat(client, headers, clock, card_reader={"configured": True, "present": False})
    assert absent["reasons"] == ["card_reader:absent"]
    not_fitted = beat(client, headers, clock, card_reader={"configured": False, "present": False})
    assert not_fitted["colour"] == "green"
    stale = beat(
        client, headers, clock, outbox_refused=1, last_sync_at=(clock.now() - timedelta(hours=1)).isoformat()
    )
    assert stale["reasons"] == ["outbox:refused", "sync:stale"]


def test_resent_heartbeat_is_recorded_once(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    body = heartbeat(clock.now())
    for _ in range(3):
        assert client.post("/api/v1/fleet/heartbeat", json=body, headers=headers).status_code == 200
    from central.fleet.state import history

    assert len(history(seeded, "KIOSK-T1")) == 1


def test_never_seen_offline_and_hysteresis(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    kiosks.add(seeded, "KIOSK-NEW", "C01", clock)
    sign_in(client, seeded, clock, "technician")
    beat(client, headers, clock)
    view = fleet(client)
    assert view["KIOSK-NEW"]["connection"] == "never_seen"
    assert view["KIOSK-NEW"]["colour"] is None
    assert view["KIOSK-T1"]["connection"] == "online"

    clock.advance(timedelta(seconds=89))  # 2 missed heartbeats of 30 s: not yet
    assert fleet(client)["KIOSK-T1"]["connection"] == "online"
    clock.advance(timedelta(seconds=2))
    gone = fleet(client)["KIOSK-T1"]
    assert (gone["connection"], gone["colour"]) == ("offline", "red")
    assert gone["reasons"] == ["kiosk:offline"]
    assert fleet(client)["KIOSK-NEW"]["connection"] == "never_seen"  # still no alarm for it

    # One heartbeat back is not enough: the link may be flapping.
    assert beat(client, headers, clock)["connection"] == "offline"
    assert fleet(client)["KIOSK-T1"]["connection"] == "offline"
    clock.advance(timedelta(seconds=30))
    assert beat(client, headers, clock)["connection"] == "online"
    assert fleet(client)["KIOSK-T1"]["offline_since"] is None

    # A flapping link (one heartbeat, then silence, again and again) stays offline.
    clock.advance(timedelta(seconds=120))
    for _ in range(3):
        assert beat(client, headers, clock)["connection"] == "offline"
        clock.advance(timedelta(seconds=90))


def test_fleet_page_roles_and_centers(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    other = kiosks.add(seeded, "KIOSK-C02", "C02", clock)
    beat(client, headers, clock)
    beat(client, bearer(other), clock)
    assert client.get("/api/v1/staff/fleet").status_code == 401
    sign_in(client, seeded, clock, "agent", "C01")
    assert client.get("/api/v1/staff/fleet").status_code == 403
    sign_in(client, seeded, clock, "supervisor", "C01")
    assert set(fleet(client)) == {"KIOSK-T1"}
    sign_in(client, seeded, clock, "admin")
    assert set(fleet(client)) == {"KIOSK-T1", "KIOSK-C02"}
    page = client.get("/staff/fleet")
    assert page.status_code == 200
    assert "fleet.js" in page.text


def test_heartbeat_needs_a_kiosk_token(client: TestClient, clock: ManualClock) -> None:
    answer = client.post("/api/v1/fleet/heartbeat", json=heartbeat(clock.now()))
    assert answer.status_code == 401
