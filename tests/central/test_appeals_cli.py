"""``kiosk-central appeals export --json`` and ``appeals report``, on the demo data plus a lifecycle."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import cli
from central.appeals import desk
from service_common.clock import ManualClock

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)

STAFF = desk.Actor("demo", "supervisor")


def test_export_and_report(
    client: TestClient,
    headers: dict[str, str],
    seeded: Engine,
    clock: ManualClock,
    db_arg: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client.post("/api/v1/appeals", json=body(kind="complaint", deadline="2026-12-11"), headers=headers)
    clock.advance(timedelta(hours=3))
    desk.route(seeded, STAFF, "A001-261123-0001", clock.now(), None, "demo")
    clock.advance(timedelta(hours=5))
    desk.answer(seeded, STAFF, "A001-261123-0001", clock.now(), "Ответ.")
    capsys.readouterr()
    assert cli.main(["appeals", "export", "--json", "--db", db_arg]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 4  # three demo appeals and ours
    ours = next(r for r in lines if r["number"] == "A001-261123-0001")
    assert ours["text"] == "Почему не работает карта 411111******1111?"
    assert [h["action"] for h in ours["history"]] == ["registered", "routed", "answered"]
    assert ours["answers"][0]["by_name"] == "Ирина Соколова"
    assert (
        cli.main(
            [
                "appeals",
                "report",
                "--from",
                "2026-11-23",
                "--to",
                "2026-11-23",
                "--json",
                "--db",
                db_arg,
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 4
    assert report["by_kind"]["complaint"] == 2
    assert report["by_topic"]["cards"] == 2
    stage = report["stages_hours"]["in_progress"]
    assert stage["longest"] >= 5.0
    assert cli.main(["appeals", "report", "--from", "2026-11-23", "--to", "2026-11-23", "--db", db_arg]) == 0
    text = capsys.readouterr().out
    assert "appeals filed 2026-11-23 .. 2026-11-23: 4" in text
    assert cli.main(["appeals", "report", "--from", "x", "--to", "2026-11-23", "--db", db_arg]) == 2
