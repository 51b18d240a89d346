"""Staff of a center see, route and act only on that center's appeals; the head office sees all."""

from __future__ import annotations

import json

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import cli_appeals, db, staff
from service_common.clock import ManualClock

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)

STAFF_API = "/api/v1/staff/appeals"
PW = "long-enough-pw"
HERE, THERE = "A001-261123-0001", "A001-261123-0002"


def _two_centers(client: TestClient, headers: dict[str, str], engine: Engine, clock: ManualClock) -> None:
    """Appeal HERE at C01, THERE at C02; agents and supervisors of each, and one of the head office."""
    for seq in (1, 2):
        assert client.post("/api/v1/appeals", json=body(seq), headers=headers).status_code < 300
    with engine.begin() as conn:
        conn.execute(sa.update(db.appeals).where(db.appeals.c.number == THERE).values(center_id="C02"))
    for name, role, center in (
        ("agent_a", "agent", "C01"), ("agent_b", "agent", "C02"), ("super_b", "supervisor", "C02"),
        ("head", "supervisor", None),
    ):  # fmt: skip
        staff.set_account(engine, name, role, center, PW, must_change=False, clock=clock)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(db.appeal_handlers).values(
                username="agent_b", department_id="general", name="Б. Агентова", contact="b@bank.example"
            )
        )


def _sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    assert client.post("/api/v1/staff/login", json={"username": username, "password": PW}).status_code == 200


def _numbers(client: TestClient, which: str = "all") -> set[str]:
    listed = client.get(STAFF_API, params={"filter": which}).json()["appeals"]
    return {a["number"] for a in listed} & {HERE, THERE}


def test_an_agent_sees_and_acts_only_on_their_center(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    _two_centers(client, headers, seeded, clock)
    _sign_in(client, "agent_a")
    assert _numbers(client) == {HERE}
    assert _numbers(client, "open") == {HERE}
    refused = client.get(f"{STAFF_API}/{THERE}")
    assert refused.status_code == 403
    assert "another center" in refused.json()["message"]
    for action, payload in (
        ("route", {"handler": "agent_a"}), ("ask", {"request": "?"}), ("info-received", {}),
        ("extend", {"new_date": "2027-01-20", "reason": "x"}), ("answer", {"text": "x"}), ("close", None),
        ("reject", {"reason": "unreadable"}),
    ):  # fmt: skip
        r = client.post(f"{STAFF_API}/{THERE}/{action}", json=payload)
        assert r.status_code == 403, (action, r.text)
        assert r.json()["error"] == "forbidden"
    assert client.get(f"{STAFF_API}/{HERE}").status_code == 200
    assert client.get(f"{STAFF_API}/A001-261123-0099").status_code == 404  # a missing one stays a 404
    with seeded.connect() as conn:
        untouched = conn.execute(
            sa.select(db.appeals.c.status).where(db.appeals.c.number == THERE)
        ).scalar_one()
    assert untouched == "registered"


def test_routing_to_a_handler_of_a_center_shows_it_there(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    _two_centers(client, headers, seeded, clock)
    _sign_in(client, "head")
    assert _numbers(client) == {HERE, THERE}  # head office: every center
    routed = client.post(f"{STAFF_API}/{HERE}/route", json={"handler": "agent_b"})
    assert routed.status_code == 200, routed.text
    _sign_in(client, "super_b")
    assert _numbers(client) == {HERE, THERE}  # C02's own, and the one routing sent to its agent
    _sign_in(client, "agent_b")
    assert client.post(f"{STAFF_API}/{HERE}/answer", json={"text": "Ответ."}).status_code == 200
    _sign_in(client, "agent_a")
    assert _numbers(client) == {HERE}  # still C01's appeal


def test_overdue_count_is_the_centers(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    _two_centers(client, headers, seeded, clock)
    with seeded.begin() as conn:
        conn.execute(sa.update(db.appeals).where(db.appeals.c.number == THERE).values(status="overdue"))
    _sign_in(client, "agent_a")
    assert client.get(STAFF_API).json()["overdue"] == 0
    _sign_in(client, "agent_b")
    assert client.get(STAFF_API).json()["overdue"] == 1


def test_export_and_report_by_an_explicit_center(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    _two_centers(client, headers, seeded, clock)
    every = {json.loads(line)["number"] for line in cli_appeals.export_lines(seeded)}
    assert {HERE, THERE} <= every
    only_b = {json.loads(line)["number"] for line in cli_appeals.export_lines(seeded, "C02")}
    assert only_b == {THERE}
    first = clock.now().date().replace(year=2026, month=11, day=1)
    last = first.replace(day=30)
    whole = cli_appeals.report(seeded, first, last, clock.now())
    part = cli_appeals.report(seeded, first, last, clock.now(), "C02")
    assert part["center"] == "C02"
    assert part["total"] == 1
    assert whole["total"] >= 2
