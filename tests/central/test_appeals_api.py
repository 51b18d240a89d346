"""POST /appeals, /appeals/batch, status lookup with lock-out, satisfaction: on real SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from service_common.clock import ManualClock

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)

API = "/api/v1"


def test_file_an_appeal_and_replay_it(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    b = body()
    first = client.post(f"{API}/appeals", json=b, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"number": "A001-261123-0001", "status": "registered", "deadline": "2026-11-24"}
    again = client.post(f"{API}/appeals", json=b, headers=headers)
    assert again.json() == first.json()
    with seeded.connect() as conn:
        rows = conn.execute(sa.select(db.appeals).where(db.appeals.c.kiosk_id.is_not(None))).all()
        events = conn.execute(
            sa.select(db.appeal_events).where(db.appeal_events.c.appeal_id == b["id"])
        ).all()
    assert len(rows) == 1
    assert len(events) == 1
    assert rows[0].text == "Почему не работает карта 411111******1111?"
    assert rows[0].phone_last4 == "6789"
    assert rows[0].kiosk_id == "KIOSK-T1"


def test_number_taken_by_another_id(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post(f"{API}/appeals", json=body(), headers=headers).status_code == 200
    taken = client.post(f"{API}/appeals", json=body(), headers=headers)
    assert taken.status_code == 409
    assert taken.json()["error"] == "number_taken"


def test_no_contact_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(f"{API}/appeals", json=body(phone=None, email=None), headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "no_contact"


def test_bad_fields_are_a_clear_422(client: TestClient, headers: dict[str, str]) -> None:
    for bad in (
        {"kind": "rant"},
        {"number": "12345"},
        {"text": "   "},
        {"id": "x"},
        {"filed_at": "yesterday"},
    ):
        response = client.post(f"{API}/appeals", json=body(**bad), headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["error"] == "invalid_request"


def test_unknown_center(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(f"{API}/appeals", json=body(center_id="C99"), headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "unknown_center"


def test_email_gets_an_acknowledgement(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    client.post(f"{API}/appeals", json=body(email="Anna@Example.org", reply_by="email"), headers=headers)
    with seeded.connect() as conn:
        n = db.appeal_notices
        notice = conn.execute(sa.select(n).where(n.c.to == "Anna@Example.org")).one()
    assert notice.to == "Anna@Example.org"
    assert notice.purpose == "ack"
    assert "A001-261123-0001" in notice.subject
    assert "2026-11-24" in notice.text


def test_batch_stores_refuses_and_replays(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    bodies = [body(i) for i in range(1, 6)]
    bodies.append(body(9, phone=None))  # no contact
    bodies.append({"id": "junk", "number": 7})
    bodies.append(body(1))  # another id, number 1 again
    response = client.post(f"{API}/appeals/batch", json={"appeals": bodies}, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["stored"] * 5 + ["refused"] * 3
    assert [r["error"] for r in results[5:]] == ["no_contact", "invalid_request", "number_taken"]
    assert results[6]["id"] == "junk"
    assert results[6]["number"] is None
    replay = client.post(f"{API}/appeals/batch", json={"appeals": bodies[:5]}, headers=headers).json()
    assert [r["outcome"] for r in replay["results"]] == ["duplicate"] * 5
    with seeded.connect() as conn:
        count = sa.select(sa.func.count()).select_from(db.appeals).where(db.appeals.c.kiosk_id.is_not(None))
        assert conn.execute(count).scalar() == 5


def test_batch_is_limited_to_200(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(
        f"{API}/appeals/batch", json={"appeals": [body(i) for i in range(201)]}, headers=headers
    )
    assert response.status_code == 422


def test_status_lookup_and_lock_out(client: TestClient, headers: dict[str, str], clock: ManualClock) -> None:
    client.post(f"{API}/appeals", json=body(), headers=headers)
    ok = client.get(f"{API}/appeals/a001-261123-0001", params={"phone_last4": "6789"}, headers=headers)
    assert ok.status_code == 200, ok.text
    status = ok.json()
    assert status["status"] == "registered"
    assert status["deadline"] == "2026-11-24"
    assert status["history"][0]["status"] == "registered"
    assert status["history"][0]["note"]["en"] == "Appeal registered"
    assert status["answer"] is None
    assert status["can_rate"] is False
    unknown = client.get(f"{API}/appeals/A001-261123-0999", params={"phone_last4": "6789"}, headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    for _ in range(4):
        wrong = client.get(f"{API}/appeals/A001-261123-0001", params={"phone_last4": "0000"}, headers=headers)
        assert wrong.status_code == 404
    fifth = client.get(f"{API}/appeals/A001-261123-0001", params={"phone_last4": "0000"}, headers=headers)
    assert fifth.status_code == 423
    assert fifth.json()["error"] == "locked"
    still = client.get(f"{API}/appeals/A001-261123-0001", params={"phone_last4": "6789"}, headers=headers)
    assert still.status_code == 423
    clock.advance(timedelta(minutes=16))
    again = client.get(f"{API}/appeals/A001-261123-0001", params={"phone_last4": "6789"}, headers=headers)
    assert again.status_code == 200


def test_lookup_by_email(client: TestClient, headers: dict[str, str]) -> None:
    client.post(
        f"{API}/appeals", json=body(email="anna@example.org", phone=None, reply_by="email"), headers=headers
    )
    ok = client.get(f"{API}/appeals/A001-261123-0001", params={"email": "ANNA@example.org"}, headers=headers)
    assert ok.status_code == 200
    none = client.get(f"{API}/appeals/A001-261123-0001", headers=headers)
    assert none.status_code == 422
    assert none.json()["error"] == "no_proof"


def test_a_batch_costs_the_same_statements_however_long(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    """No N+1: a batch of 200 runs as many SQL statements as a batch of 2 (one transaction each)."""
    counted: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        counted.append(statement)

    sa.event.listen(seeded, "before_cursor_execute", count)
    try:
        client.post(f"{API}/appeals/batch", json={"appeals": [body(i) for i in (1, 2)]}, headers=headers)
        small = len(counted)
        counted.clear()
        many = [body(i, email=f"v{i}@example.org") for i in range(3, 203)]
        response = client.post(f"{API}/appeals/batch", json={"appeals": many}, headers=headers)
        assert [r["outcome"] for r in response.json()["results"]] == ["stored"] * 200
    finally:
        sa.event.remove(seeded, "before_cursor_execute", count)
    assert len(counted) <= small + 1  # + the acknowledgements' one executemany
    assert sum(s.lstrip().upper().startswith("BEGIN") for s in counted) <= 2  # the token check, the batch


def test_central_logs_a_deadline_it_counts_differently(
    client: TestClient, headers: dict[str, str], seeded: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="central.appeals.intake"):
        response = client.post(f"{API}/appeals", json=body(deadline="2026-11-30"), headers=headers)
    assert response.json()["deadline"] == "2026-11-30"  # what the visitor holds on paper
    assert "printed deadline 2026-11-30, central counts 2026-11-24" in caplog.text


def test_lenient_where_the_kiosk_may_differ(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    b = body(lang="zh_Hant", number="a001-261123-0007", extra="ignored")
    del b["deadline"]
    response = client.post(f"{API}/appeals", json=b, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"number": "A001-261123-0007", "status": "registered", "deadline": "2026-11-24"}
    with seeded.connect() as conn:
        assert (
            conn.execute(sa.select(db.appeals.c.lang).where(db.appeals.c.id == b["id"])).scalar() == "zh-Hant"
        )


def test_nul_characters_are_dropped(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    b = body(text="a\x00b", name="\x00Анна")
    assert client.post(f"{API}/appeals", json=b, headers=headers).status_code == 200
    with seeded.connect() as conn:
        row = conn.execute(
            sa.select(db.appeals.c.text, db.appeals.c.name).where(db.appeals.c.id == b["id"])
        ).one()
    assert tuple(row) == ("ab", "Анна")
