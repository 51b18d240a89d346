"""Staff at the counters: sign-in with a forced password change, sessions, and every counter action."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, staff
from central.queue.engine import QueueSettings
from service_common.clock import ManualClock

from .queue_helpers import act, new_ticket, open_counter, sign_in


def test_sign_in_sets_a_strict_http_only_cookie(client: TestClient) -> None:
    response = client.post("/api/v1/staff/login", json={"username": "demo", "password": "demo-password"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kc_staff=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert response.json()["staff"] == {
        "username": "demo",
        "role": "supervisor",
        "center_id": None,
        "must_change_password": False,
        "counter_id": None,
    }


@pytest.mark.parametrize(("username", "password"), [("demo", "wrong-password"), ("nobody", "demo-password")])
def test_wrong_credentials_are_one_answer(client: TestClient, username: str, password: str) -> None:
    response = client.post("/api/v1/staff/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "message": "wrong username or password"}
    assert "set-cookie" not in response.headers


def test_staff_api_needs_the_session_not_a_kiosk_token(client: TestClient, headers: dict[str, str]) -> None:
    for path in ("/api/v1/counters", "/api/v1/counters/C01-1", "/api/v1/staff/me"):
        assert client.get(path, headers=headers).status_code == 401
    assert client.post("/api/v1/counters/C01-1/call-next", headers=headers).status_code == 401


def test_first_sign_in_forces_a_password_change(
    client: TestClient, seeded: Engine, clock: ManualClock
) -> None:
    initial = staff.add(seeded, "ivanova", "agent", "C01", clock)
    assert len(initial) >= 12
    me = sign_in(client, "ivanova", initial)
    assert me["must_change_password"] is True
    blocked = client.get("/api/v1/counters")
    assert (blocked.status_code, blocked.json()["error"]) == (403, "password_change_required")
    weak = client.post("/api/v1/staff/password", json={"old_password": initial, "new_password": "short"})
    assert (weak.status_code, weak.json()["error"]) == (422, "weak_password")
    wrong = client.post(
        "/api/v1/staff/password", json={"old_password": "nope", "new_password": "a-long-new-password"}
    )
    assert wrong.status_code == 403
    changed = client.post(
        "/api/v1/staff/password", json={"old_password": initial, "new_password": "a-long-new-password"}
    )
    assert changed.status_code == 200
    assert changed.json()["staff"]["must_change_password"] is False
    listing = client.get("/api/v1/counters").json()
    assert [c["id"] for c in listing["centers"]] == ["C01"]  # an agent of C01 sees only C01
    assert {c["center_id"] for c in listing["counters"]} == {"C01"}
    assert client.get("/api/v1/counters/C02-1").status_code == 403
    fresh = TestClient(client.app)
    assert (
        fresh.post("/api/v1/staff/login", json={"username": "ivanova", "password": initial}).status_code
        == 401
    )
    assert sign_in(fresh, "ivanova", "a-long-new-password")["must_change_password"] is False


def test_password_hashes_are_salted_scrypt(seeded: Engine, clock: ManualClock) -> None:
    staff.set_account(seeded, "a1", "agent", None, "same-password-1", must_change=False, clock=clock)
    staff.set_account(seeded, "a2", "agent", None, "same-password-1", must_change=False, clock=clock)
    with seeded.connect() as conn:
        hashes = dict(conn.execute(sa.select(db.staff.c.username, db.staff.c.password_hash)).all())
    assert hashes["a1"].startswith("scrypt$16384$8$1$")
    assert hashes["a1"] != hashes["a2"]
    assert "same-password-1" not in hashes["a1"]
    assert staff.verify_password("same-password-1", hashes["a1"])
    assert not staff.verify_password("same-password-2", hashes["a1"])
    assert not staff.verify_password("x", "garbage")


def test_counter_list_and_opening(client: TestClient, seeded: Engine, clock: ManualClock) -> None:
    sign_in(client)
    listing = client.get("/api/v1/counters").json()
    c01 = [c for c in listing["counters"] if c["center_id"] == "C01"]
    assert [c["name"] for c in c01] == ["1", "2", "3", "4"]
    assert c01[1]["services"] == ["C01-A", "C01-B"]
    assert {s["id"] for s in listing["services"]} >= {"C01-A", "C02-A", "C03-D"}
    wrong = client.post("/api/v1/counters/C01-2/open", json={"services": ["C01-C"]})
    assert (wrong.status_code, wrong.json()["error"]) == (422, "invalid_request")
    assert client.post("/api/v1/counters/C09-1/open", json={"services": ["C01-A"]}).status_code == 404
    state = open_counter(client, "C01-2", ["C01-B", "C01-A"])
    assert state["counter"]["serving"] == ["C01-A", "C01-B"]
    assert state["counter"]["open"] is True
    assert client.get("/api/v1/staff/me").json()["staff"]["counter_id"] == "C01-2"
    moved = open_counter(client, "C01-3", ["C01-C"])  # one counter per session: the first closes
    assert moved["counter"]["open"] is True
    assert not next(c for c in client.get("/api/v1/counters").json()["counters"] if c["id"] == "C01-2")[
        "open"
    ]


def test_a_counter_in_use_is_refused_to_an_agent_but_a_supervisor_may_take_it(
    client: TestClient, seeded: Engine, clock: ManualClock
) -> None:
    staff.set_account(seeded, "agent1", "agent", None, "agent-one-password", must_change=False, clock=clock)
    staff.set_account(seeded, "agent2", "agent", None, "agent-two-password", must_change=False, clock=clock)
    first, second = TestClient(client.app), TestClient(client.app)
    sign_in(first, "agent1", "agent-one-password")
    sign_in(second, "agent2", "agent-two-password")
    open_counter(first, "C01-2", ["C01-A"])
    taken = second.post("/api/v1/counters/C01-2/open", json={"services": ["C01-A"]})
    assert (taken.status_code, taken.json()["error"]) == (409, "counter_taken")
    not_mine = second.post("/api/v1/counters/C01-2/call-next")
    assert (not_mine.status_code, not_mine.json()["error"]) == (409, "counter_not_open")
    sign_in(client)  # demo is a supervisor
    assert open_counter(client, "C01-2", ["C01-A"])["counter"]["opened_by"] == "demo"
    assert first.post("/api/v1/counters/C01-2/call-next").status_code == 409


def test_call_recall_start_finish(client: TestClient, headers: dict[str, str], clock: ManualClock) -> None:
    sign_in(client)
    open_counter(client, "C01-2", ["C01-A", "C01-B"])
    assert act(client, "call-next", "C01-2")["result"] == "empty"
    a = new_ticket(client, headers, "C01-A")
    new_ticket(client, headers, "C01-C")  # not served at counter 2
    state = act(client, "call-next", "C01-2")
    assert state["result"] == "called"
    assert (state["current"]["id"], state["current"]["status"], state["current"]["counter"]) == (
        a["id"],
        "called",
        "2",
    )
    board = client.get("/api/v1/board/C01").json()
    assert [(c["display"], c["counter"]) for c in board["calls"]] == [("A001", "2")]
    first_call = board["calls"][0]["call_id"]
    busy = client.post("/api/v1/counters/C01-2/call-next")
    assert (busy.status_code, busy.json()["error"]) == (409, "counter_busy")
    clock.advance(timedelta(seconds=30))
    assert act(client, "recall", "C01-2")["result"] == "recalled"
    recalled = client.get("/api/v1/board/C01").json()["calls"][0]
    assert recalled["call_id"] != first_call  # the board flashes it again
    assert act(client, "start", "C01-2")["current"]["status"] == "serving"
    assert act(client, "recall", "C01-2", expect=409)["error"] == "wrong_status"
    done = act(client, "finish", "C01-2")
    assert done["current"] is None
    assert client.get(f"/api/v1/tickets/{a['id']}", headers=headers).json()["ticket"]["status"] == "done"
    assert act(client, "call-next", "C01-2")["result"] == "empty"
    assert act(client, "finish", "C01-2", expect=409)["error"] == "no_current_ticket"


def test_no_show_park_unpark_and_transfer(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    sign_in(client)
    open_counter(client, "C01-1", ["C01-A"])
    first = new_ticket(client, headers, "C01-A")
    clock.advance(timedelta(minutes=1))
    second = new_ticket(client, headers, "C01-A")
    clock.advance(timedelta(minutes=1))
    third = new_ticket(client, headers, "C01-A")
    act(client, "call-next")
    assert act(client, "no-show")["current"] is None
    assert (
        client.get(f"/api/v1/tickets/{first['id']}", headers=headers).json()["ticket"]["status"] == "no_show"
    )
    assert client.get("/api/v1/board/C01").json()["calls"] == []  # no-shows drop off the board

    assert act(client, "call-next")["current"]["id"] == second["id"]
    parked = act(client, "park")
    assert parked["current"] is None
    assert [t["id"] for t in parked["parked"]] == [second["id"]]
    assert act(client, "call-next")["current"]["id"] == third["id"]
    assert act(client, "unpark", ticket_id=second["id"], expect=409)["error"] == "counter_busy"
    # Transfer the third to service D: same number, back to waiting, keeps its place in time.
    moved = act(client, "transfer", service_id="C01-D")
    assert moved["current"] is None
    ticket = client.get(f"/api/v1/tickets/{third['id']}", headers=headers).json()["ticket"]
    assert (ticket["status"], ticket["service_id"], ticket["display"], ticket["counter"]) == (
        "waiting",
        "C01-D",
        "A003",
        None,
    )
    clock.advance(timedelta(seconds=5))
    later_d = new_ticket(client, headers, "C01-D")
    assert later_d["people_ahead"] == 1  # the transferred ticket is ahead: it queued earlier
    assert act(client, "call-next")["result"] == "empty"  # counter 1 serves only A now
    back = act(client, "unpark", ticket_id=second["id"])
    assert (back["current"]["id"], back["current"]["status"]) == (second["id"], "called")
    assert back["parked"] == []
    assert act(client, "transfer", service_id="C02-A", expect=422)["error"] == "invalid_request"
    act(client, "finish")


def test_sign_out_closes_the_counter_and_idle_sessions_expire(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    sign_in(client)
    open_counter(client, "C01-1", ["C01-A"])
    queue = client.get("/api/v1/queue", headers=headers).json()
    assert queue["services"][0]["open_counters"] == 1
    assert client.post("/api/v1/staff/logout").status_code == 204
    assert client.get("/api/v1/queue", headers=headers).json()["services"][0]["open_counters"] == 0
    assert client.get("/api/v1/staff/me").status_code == 401

    sign_in(client)
    open_counter(client, "C01-1", ["C01-A"])
    clock.advance(timedelta(minutes=20))
    assert client.get("/api/v1/counters/C01-1").status_code == 200  # activity pushes expiry on
    clock.advance(timedelta(minutes=29))
    assert client.get("/api/v1/counters/C01-1").status_code == 200
    clock.advance(timedelta(minutes=31))  # idle longer than staff_idle_min (30)
    assert client.get("/api/v1/counters/C01-1").status_code == 401
    assert client.get("/api/v1/queue", headers=headers).json()["services"][0]["open_counters"] == 0


def test_sessions_end_after_the_maximum_hours(seeded: Engine, clock: ManualClock) -> None:
    rules = QueueSettings(staff_idle_min=60, staff_max_hours=2)
    token = staff.sign_in(seeded, "demo", "demo-password", clock.now(), rules)
    assert token is not None
    for _ in range(2):
        clock.advance(timedelta(minutes=50))
        assert staff.authenticate(seeded, token, clock.now(), rules) is not None
    clock.advance(timedelta(minutes=50))  # 150 minutes after sign-in, never idle for an hour
    assert staff.authenticate(seeded, token, clock.now(), rules) is None
