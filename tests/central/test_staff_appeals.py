"""The staff appeal calls (/api/v1/staff/appeals) and the public status page, in-process."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, seed, staff
from service_common.clock import ManualClock

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)

STAFF_API = "/api/v1/staff/appeals"


def sign_in(client: TestClient, username: str = seed.DEMO_STAFF, password: str = seed.DEMO_PASSWORD) -> None:
    r = client.post("/api/v1/staff/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text


def test_needs_an_appeals_role(client: TestClient, seeded: Engine, clock: ManualClock) -> None:
    assert client.get(STAFF_API).status_code == 401
    staff.set_account(seeded, "tech", "agent", None, "long-enough-pw", must_change=False, clock=clock)
    sign_in(client, "tech", "long-enough-pw")
    # Signed in as an agent, then made a technician (the login answer cannot show that role yet).
    with seeded.begin() as conn:
        conn.execute(sa.update(db.staff).where(db.staff.c.username == "tech").values(role="technician"))
    assert client.get(STAFF_API).status_code == 403


def test_forced_password_change_first(client: TestClient, seeded: Engine, clock: ManualClock) -> None:
    password = staff.add(seeded, "newagent", "agent", None, clock)
    sign_in(client, "newagent", password)
    refused = client.get(STAFF_API)
    assert refused.status_code == 403
    assert refused.json()["error"] == "password_change_required"


def test_list_open_and_act(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    client.post("/api/v1/appeals", json=body(kind="complaint", deadline="2026-12-11"), headers=headers)
    sign_in(client)
    answer = client.get(STAFF_API, params={"filter": "open"}).json()
    assert answer["overdue"] == 0
    listed = answer["appeals"]
    assert "A001-261123-0001" in [a["number"] for a in listed]
    one = client.get(f"{STAFF_API}/A001-261123-0001").json()
    assert one["text"] == "Почему не работает карта 411111******1111?"
    assert {d["id"] for d in one["departments"]} == {"general", "cards", "quality"}
    taken = client.post(f"{STAFF_API}/A001-261123-0001/route", json={"handler": "demo"}).json()
    assert taken["status"] == "in_progress"
    assert taken["handler"] == "demo"
    mine = client.get(STAFF_API, params={"filter": "mine"}).json()["appeals"]
    assert [a["number"] for a in mine] == ["A001-261123-0001"]
    asked = client.post(f"{STAFF_API}/A001-261123-0001/ask", json={"request": "Номер чека?"}).json()
    assert asked["status"] == "needs_info"
    early = client.post(f"{STAFF_API}/A001-261123-0001/extend", json={"new_date": "2026-12-20"})
    assert early.status_code == 409
    assert early.json()["error"] == "wrong_status"
    client.post(f"{STAFF_API}/A001-261123-0001/info-received", json={})
    answered = client.post(f"{STAFF_API}/A001-261123-0001/answer", json={"text": "Ответ по существу."}).json()
    assert answered["status"] == "answered"
    assert answered["answers"][0]["by_contact"] == "i.sokolova@bank.example"
    closed = client.post(f"{STAFF_API}/A001-261123-0001/close").json()
    assert closed["status"] == "closed"
    assert [e["by"] for e in closed["events"]][1:] == ["demo"] * 5  # every action audited with its author
    bad = client.post(f"{STAFF_API}/A001-261123-0001/reject", json={"reason": "boring"})
    assert bad.status_code == 422


def test_an_agent_works_on_their_own_or_unassigned(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    client.post("/api/v1/appeals", json=body(), headers=headers)
    staff.set_account(seeded, "agent1", "agent", None, "long-enough-pw", must_change=False, clock=clock)
    with seeded.begin() as conn:
        conn.execute(
            sa.update(db.appeals).where(db.appeals.c.number == "A001-261123-0001").values(handler="demo")
        )
    sign_in(client, "agent1", "long-enough-pw")
    refused = client.post(f"{STAFF_API}/A001-261123-0001/answer", json={"text": "x"})
    assert refused.status_code == 403


def test_public_status_page(client: TestClient, headers: dict[str, str]) -> None:
    client.post("/api/v1/appeals", json=body(), headers=headers)
    page = client.get("/appeals/status", params={"n": "A001-261123-0001", "lang": "en"})
    assert page.status_code == 200
    assert "A001-261123-0001" in page.text
    assert "Content-Security-Policy" in page.headers
    wrong = client.post("/appeals/status", data={"n": "A001-261123-0001", "last4": "0000", "lang": "en"})
    assert wrong.status_code == 403
    shown = client.post("/appeals/status", data={"n": "A001-261123-0001", "last4": "6789", "lang": "ru"})
    assert shown.status_code == 200
    assert "зарегистрировано" in shown.text
    assert "2026-11-24" in shown.text


def test_staff_page_is_served(client: TestClient) -> None:
    page = client.get("/staff/appeals")
    assert page.status_code == 200
    assert "/static/appeals.js" in page.text


def test_public_status_page_in_chinese_after_a_rejection(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    from central.appeals import desk

    client.post("/api/v1/appeals", json=body(lang="zh-Hant"), headers=headers)
    desk.extend(
        seeded, desk.Actor("demo", "supervisor"), "A001-261123-0001", clock.now(), date(2026, 12, 1), None
    )
    desk.reject(seeded, desk.Actor("demo", "supervisor"), "A001-261123-0001", clock.now(), "unreadable", None)
    shown = client.post("/appeals/status", data={"n": "a001-261123-0001", "last4": "6789", "lang": "zh-Hant"})
    assert shown.status_code == 200
    assert "已駁回" in shown.text
    assert "申訴內容無法辨識" in shown.text
    assert "答覆期限已延長: 2026-12-01" in shown.text
