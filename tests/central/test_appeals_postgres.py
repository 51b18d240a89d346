"""The appeal registry on PostgreSQL when a scratch database is offered (``CENTRAL_TEST_POSTGRES_URL``,
as tests/central/test_postgres.py): filing, a replayed batch, lookup with lock-out, the lifecycle,
the staff list, the overdue sweep and the report."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import cli_appeals, kiosks, seed
from central.app import create_app
from central.appeals import desk, registry
from central.appeals.demo import seed_appeals_demo
from central.appeals.settings import AppealSettings
from central.appointments.settings import ReminderSettings
from service_common.clock import ManualClock

from .appeal_helpers import body
from .conftest import bearer
from .test_postgres import pg, pytestmark  # noqa: F401  (fixture, skip mark)

STAFF = desk.Actor("demo", "supervisor")


def test_appeals_on_postgresql(pg: Engine, clock: ManualClock, tmp_path: Path) -> None:  # noqa: F811
    seed.seed_demo(pg, clock)
    assert seed_appeals_demo(pg, clock, seed.DEMO_STAFF) == 3
    assert seed_appeals_demo(pg, clock, seed.DEMO_STAFF) == 3
    headers = bearer(kiosks.add(pg, "KIOSK-PG", "C01", clock))
    # A database URL has no directory beside it: the reminder files go to the test's own.
    spool = ReminderSettings(sms=f"file:{tmp_path}/sms", email=f"file:{tmp_path}/email")
    with TestClient(create_app(pg, clock, reminder_settings=spool)) as client:
        assert client.get("/api/v1/kiosk/me", headers=headers).json()["serial"] == 1
        batch = [body(i, text=f"вопрос {i} \x00 4111 1111 1111 1111") for i in range(1, 201)]
        first = client.post("/api/v1/appeals/batch", json={"appeals": batch}, headers=headers).json()
        assert {r["outcome"] for r in first["results"]} == {"stored"}
        again = client.post("/api/v1/appeals/batch", json={"appeals": batch}, headers=headers).json()
        assert {r["outcome"] for r in again["results"]} == {"duplicate"}
        taken = client.post("/api/v1/appeals", json=body(1), headers=headers)
        assert taken.status_code == 409
        for _ in range(5):
            number = "A001-261123-0001" + "x" * 20  # wider than the column
            wrong = client.get(f"/api/v1/appeals/{number}", params={"phone_last4": "0000"}, headers=headers)
            assert wrong.status_code in (404, 422, 423)
        desk.route(pg, STAFF, "A001-261123-0002", clock.now(), None, "demo")
        desk.ask_info(pg, STAFF, "A001-261123-0002", clock.now(), "?")
        desk.info_received(pg, STAFF, "A001-261123-0002", clock.now() + timedelta(days=1), None)
        desk.answer(pg, STAFF, "A001-261123-0002", clock.now(), "ответ")
        status = client.get(
            "/api/v1/appeals/a001-261123-0002", params={"phone_last4": "6789"}, headers=headers
        )
        assert status.json()["answer"]["by_name"] == "Ирина Соколова"
        assert len(registry.list_appeals(pg, "demo", "all", None)) == 203
        assert registry.one(pg, "A001-261123-0003", AppealSettings()).repeat_of == []
        clock.set(datetime(2026, 12, 30, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")))
        swept = client.app.state.sweeper.run_once()  # type: ignore[attr-defined]
        assert swept.tasks["appeals overdue"] == 202
        assert (
            len(list((tmp_path / "email").glob("*.eml"))) == 200
        )  # one sweep sends at most 200 of the 202 reminders
        report = cli_appeals.report(
            pg, datetime(2026, 11, 23).date(), datetime(2026, 11, 23).date(), clock.now()
        )
        assert report["total"] == 203
        assert len(list(cli_appeals.export_lines(pg))) == 203
