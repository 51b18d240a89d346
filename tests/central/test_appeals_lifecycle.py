"""The registry's lifecycle on real SQLite: routing, pause and resume, extend, answer, satisfaction,
rejection, the repeat proposal, overdue with its reminder."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from central.appeals import desk, registry, repeats
from central.appeals.settings import AppealSettings
from service_common.clock import ManualClock

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)
from .conftest import BACKEND

API = "/api/v1"
STAFF = desk.Actor("demo", "supervisor")
MOSCOW = ZoneInfo("Europe/Moscow")


def _file(client: TestClient, headers: dict[str, str], **over: object) -> str:
    response = client.post(f"{API}/appeals", json=body(**over), headers=headers)
    assert response.status_code == 200, response.text
    number: str = response.json()["number"]
    return number


def _status(client: TestClient, headers: dict[str, str], number: str) -> dict[str, object]:
    response = client.get(f"{API}/appeals/{number}", params={"phone_last4": "6789"}, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def _row(engine: Engine, number: str) -> sa.Row[object]:
    with engine.connect() as conn:
        return conn.execute(sa.select(db.appeals).where(db.appeals.c.number == number)).one()


def test_routing_by_topic_and_default(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    cards = _file(client, headers, topic="Cards")
    other = _file(client, headers, number="A001-261123-0002", topic="mortgage")
    assert _row(seeded, cards).department_id == "cards"
    assert _row(seeded, other).department_id == "general"
    with seeded.begin() as conn:
        conn.execute(
            sa.insert(db.appeal_routes).values(
                center_id="C01", region=None, topic=None, department_id="quality"
            )
        )
    center = _file(client, headers, number="A001-261123-0003", topic="mortgage")
    assert _row(seeded, center).department_id == "quality"  # a center route beats the default
    topic = _file(client, headers, number="A001-261123-0004", topic="cards")
    assert _row(seeded, topic).department_id == "quality"  # and beats a topic route anywhere


def test_pause_and_resume_across_a_weekend_and_a_russian_holiday(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 10, 26, 10, 0, tzinfo=MOSCOW))  # a Monday; 4 November is a holiday
    number = _file(
        client,
        headers,
        kind="complaint",
        number="A001-261026-0001",
        filed_at="2026-10-26T07:00:00Z",
        deadline="2026-11-16",
    )
    assert _row(seeded, number).due_on == date(2026, 11, 16)
    clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=MOSCOW))  # Friday
    desk.ask_info(seeded, STAFF, number, clock.now(), "Пришлите, пожалуйста, номер чека")
    status = _status(client, headers, number)
    assert status["status"] == "needs_info"
    assert status["info_request"] == "Пришлите, пожалуйста, номер чека"
    clock.set(datetime(2026, 11, 5, 9, 0, tzinfo=MOSCOW))  # Thursday: Mon, Tue and Thu stood still
    due = desk.info_received(seeded, STAFF, number, clock.now(), "чек 123")
    assert due == date(2026, 11, 19)
    status = _status(client, headers, number)
    assert status["status"] == "in_progress"
    assert status["deadline"] == "2026-11-19"
    assert status["info_request"] is None


def test_extend_answer_satisfaction_and_reopen(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    number = _file(client, headers, kind="complaint", deadline="2026-12-11")
    desk.route(seeded, STAFF, number, clock.now(), None, "demo")
    with pytest.raises(desk.DeskError) as refused:
        desk.extend(seeded, STAFF, number, clock.now(), date(2026, 12, 1), None)
    assert refused.value.code == "not_later"
    desk.extend(seeded, STAFF, number, clock.now(), date(2026, 12, 18), "нужна проверка записей")
    status = _status(client, headers, number)
    assert status["status"] == "extended"
    assert status["deadline"] == "2026-12-18"
    assert "2026-12-18" in status["history"][-1]["note"]["ru"]  # type: ignore[index]
    assert status["can_rate"] is False
    desk.answer(seeded, STAFF, number, clock.now(), "Приносим извинения, сотрудник получил замечание.")
    status = _status(client, headers, number)
    assert status["status"] == "answered"
    assert status["answer"]["by_name"] == "Ирина Соколова"  # type: ignore[index]
    assert status["answer"]["by_contact"] == "i.sokolova@bank.example"  # type: ignore[index]
    assert status["can_rate"] is True
    url = f"{API}/appeals/{number}/satisfaction"
    for i in range(3):
        request = {
            "id": f"00000000-0000-4000-8000-00000000000{i}",
            "phone_last4": "6789",
            "answer": "no_answer",
        }
        rated = client.post(url, json=request, headers=headers)
        assert rated.status_code == 200, rated.text
        again = client.post(url, json=request, headers=headers)  # a retry counts once
        assert again.json() == rated.json()
    assert rated.json()["can_rate"] is False  # asked three times (the default): no answer stands
    late = client.post(
        url, json={"id": "00000000-0000-4000-8000-000000000009", "phone_last4": "6789", "answer": "satisfied"},
        headers=headers,
    )  # fmt: skip
    assert late.status_code == 409
    assert late.json()["error"] == "cannot_rate"
    desk.answer(seeded, STAFF, number, clock.now(), "Дополнение к ответу.")
    unhappy = client.post(
        url, json={"id": "00000000-0000-4000-8000-000000000010", "phone_last4": "6789", "answer": "not_satisfied"},
        headers=headers,
    ).json()  # fmt: skip
    assert unhappy["status"] == "in_progress"
    assert unhappy["deadline"] == "2026-12-18"  # the extension is later than a fresh 14 working days
    assert unhappy["history"][-1]["note"]["en"].startswith("The visitor is not satisfied")
    assert unhappy["answer"] is None
    with seeded.connect() as conn:
        row = _row(seeded, number)
        events = conn.execute(
            sa.select(db.appeal_events.c.action, db.appeal_events.c.by).where(
                db.appeal_events.c.appeal_id == row.id
            )
        ).all()
    assert row.text == "Почему не работает карта 411111******1111?"  # the visitor's words, untouched
    assert ("routed", "demo") in [tuple(e) for e in events]
    assert ("reopened", "visitor") in [tuple(e) for e in events]


def test_reject_reasons(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    number = _file(client, headers)
    with pytest.raises(desk.DeskError) as refused:
        desk.reject(seeded, STAFF, number, clock.now(), "not_competent", None)
    assert refused.value.code == "reply_required"
    desk.reject(seeded, STAFF, number, clock.now(), "not_competent", "Обратитесь в Роспотребнадзор")
    status = _status(client, headers, number)
    assert status["status"] == "rejected"
    assert status["history"][-1]["note"] == "Вопрос вне нашей компетенции. Обратитесь в Роспотребнадзор"  # type: ignore[index]
    with pytest.raises(desk.DeskError):
        desk.answer(seeded, STAFF, number, clock.now(), "late")


def test_repeat_is_proposed_never_applied(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    text = "Почему банк списал комиссию за обслуживание карты в ноябре?"
    for seq in (1, 2):
        number = _file(client, headers, number=f"A001-261123-000{seq}", text=text)
        desk.answer(seeded, STAFF, number, clock.now(), "Комиссия по тарифу.")
    clock.advance(timedelta(hours=1))
    third = _file(
        client,
        headers,
        number="A001-261123-0003",
        text=text.replace("?", "!!"),
        filed_at="2026-11-23T08:00:00Z",
    )
    other = _file(
        client, headers, number="A001-261123-0004", text="Как открыть вклад?", filed_at="2026-11-23T08:00:00Z"
    )
    with seeded.connect() as conn:
        assert repeats.proposal(conn, _row(seeded, third), AppealSettings()) == [
            "A001-261123-0002",
            "A001-261123-0001",
        ]
        assert repeats.proposal(conn, _row(seeded, other), AppealSettings()) == []
    assert _row(seeded, third).status == "registered"


def test_overdue_marks_and_reminds_the_handler(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    number = _file(client, headers)  # a question due 2026-11-24
    desk.route(seeded, STAFF, number, clock.now(), None, "demo")
    sweeper = client.app.state.sweeper  # type: ignore[attr-defined]
    clock.set(datetime(2026, 11, 24, 23, 0, tzinfo=MOSCOW))
    sweeper.run_once()
    assert _row(seeded, number).status == "in_progress"  # still its last day
    clock.set(datetime(2026, 11, 25, 0, 30, tzinfo=MOSCOW))
    result = sweeper.run_once()
    assert result.tasks["appeals overdue"] >= 1  # ours, and the demo question of the same day
    assert _row(seeded, number).status == "overdue"
    assert registry.count_overdue(seeded) == result.tasks["appeals overdue"]
    assert sweeper.run_once().tasks["appeals overdue"] == 0
    # The reference channels write beside the SQLite file, or on PostgreSQL in the state directory.
    spool = tmp_path / "outbox" if BACKEND == "sqlite" else tmp_path / "state" / "outbox"
    mails = list((spool / "email").glob("*"))
    texts = [m.read_bytes().decode("utf-8", "replace") for m in mails]
    assert any("i.sokolova@bank.example" in t and number in t for t in texts)
    json.dumps(texts)  # the files are readable text
    assert _status(client, headers, number)["status"] == "overdue"
    desk.answer(seeded, STAFF, number, clock.now(), "Ответ с опозданием, извините.")
    assert _row(seeded, number).status == "answered"


def test_reopened_gets_a_fresh_period(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    number = _file(client, headers, kind="complaint", deadline="2026-12-11")
    desk.answer(seeded, STAFF, number, clock.now(), "Ответ.")
    clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=MOSCOW))  # after the original deadline
    reopened = client.post(
        f"{API}/appeals/{number}/satisfaction",
        json={"id": "00000000-0000-4000-8000-000000000077", "phone_last4": "6789", "answer": "not_satisfied"},
        headers=headers,
    ).json()
    assert reopened["status"] == "in_progress"
    assert reopened["deadline"] == "2027-01-19"  # 14 working days; 31 December to 8 January are holidays
    client.app.state.sweeper.run_once()  # type: ignore[attr-defined]
    assert _row(seeded, number).status == "in_progress"
