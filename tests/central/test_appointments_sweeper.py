"""The appointments sweep: no-shows marked missed, long-expired holds deleted, added tasks, the thread."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import config as central_config
from central import db
from central.appointments.booking import AppointmentDesk
from central.appointments.sweeper import Sweeper, SweepResult, sweep
from service_common.clock import ManualClock
from service_common.tomlconfig import ConfigError
from tests.central.test_appointments import book, hold


def _statuses(engine: Engine) -> list[str]:
    a = db.appointments
    with engine.connect() as conn:
        return list(conn.execute(sa.select(a.c.status).order_by(a.c.slot_start_utc)).scalars())


def test_sweep_marks_missed_and_deletes_expired_holds(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    desk: AppointmentDesk = client.app.state.appointments  # type: ignore[attr-defined]
    book(client, headers)  # Tuesday 09:00
    book(client, headers, "2026-11-24T10:00:00+03:00", phone="+79990000001")
    hold(client, headers, "2026-11-24T11:00:00+03:00")  # expires Monday 10:05
    assert sweep(desk) == SweepResult()
    clock.set(datetime(2026, 11, 23, 10, 15))
    assert sweep(desk).holds_purged == 0  # expired only 10 minutes ago
    clock.advance(timedelta(seconds=1))
    assert sweep(desk) == SweepResult(holds_purged=1)
    assert _statuses(seeded) == ["confirmed", "confirmed"]
    clock.set(datetime(2026, 11, 24, 9, 10))
    assert not sweep(desk).changed  # the window's end is still "ok"
    clock.set(datetime(2026, 11, 24, 9, 11))
    assert sweep(desk) == SweepResult(missed=1)
    assert _statuses(seeded) == ["missed", "confirmed"]
    assert sweep(desk) == SweepResult()


def test_added_tasks_run_in_the_pass_and_failures_are_contained(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    desk: AppointmentDesk = client.app.state.appointments  # type: ignore[attr-defined]
    seen: list[datetime] = []

    def reminders(d: AppointmentDesk) -> int:
        seen.append(d.now())
        return 2

    def broken(_d: AppointmentDesk) -> int:
        raise RuntimeError("channel down")

    sweeper = Sweeper(desk, tasks=[("broken", broken)])
    sweeper.add_task("reminders", reminders)
    with caplog.at_level(logging.INFO, logger="central.appointments.sweeper"):
        result = sweeper.run_once()
    assert result == SweepResult(tasks={"reminders": 2}, failed=("broken",))
    assert seen == [desk.now()]
    lines = [r.getMessage() for r in caplog.records]
    # (a kiosk command run earlier in the same process folds tracebacks into the message: startswith)
    assert any(line.startswith("sweep task broken failed") for line in lines)
    assert "appointments sweep: 0 missed, 0 expired holds deleted, reminders 2, broken failed" in lines
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="central.appointments.sweeper"):
        assert not Sweeper(desk).run_once().changed
    assert caplog.records == []  # a pass that changed nothing is not logged


def test_the_thread_sweeps_until_stopped(client: TestClient) -> None:
    desk: AppointmentDesk = client.app.state.appointments  # type: ignore[attr-defined]
    swept = threading.Event()

    def note(_d: AppointmentDesk) -> int:
        swept.set()
        return 0

    sweeper = Sweeper(desk, interval_s=3600, tasks=[("note", note)])
    sweeper.start()
    assert swept.wait(10)  # the first pass runs at start
    assert sweeper.running
    sweeper.stop()  # wakes the thread from its wait at once
    assert not sweeper.running
    app_sweeper = client.app.state.sweeper
    assert (app_sweeper.interval_s, app_sweeper.running) == (30, False)


def test_sweep_interval_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "central.toml"
    path.write_text("[appointments]\nsweep_seconds = 5\n")
    assert central_config.load(path, env={}).appointments.settings().sweep_seconds == 5
    path.write_text("[appointments]\nsweep_seconds = 0\n")
    with pytest.raises(ConfigError):
        central_config.load(path, env={})
