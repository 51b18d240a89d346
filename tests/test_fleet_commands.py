"""Central's command queue end to end, without a window: pulled with the heartbeat, acknowledged,
run once, results and uploads at central; a reboot reports failure, or success from the next process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from central import db
from central.fleet import commands
from kiosk import config as kiosk_config
from kiosk.context import KioskContext, build
from tests.conftest import CentralServer


@pytest.fixture
def engine(central: CentralServer) -> Iterator[Engine]:
    eng = db.create_engine(central.db)
    yield eng
    eng.dispose()


@pytest.fixture
def kiosk(tmp_path: Path, central: CentralServer, request: pytest.FixtureRequest) -> Iterator[KioskContext]:
    kiosk_id = "KIOSK-CMD-" + request.node.name[-10:].upper().replace("_", "-")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[central]\nurl = "{central.url}"\ntoken = "{central.enrol(kiosk_id)}"\nconnect_timeout_s = 0.3\n',
        encoding="utf-8",
    )
    ctx = build(kiosk_config.load(path), central.clock())
    yield ctx
    ctx.close()


def send(engine: Engine, central: CentralServer, kiosk: KioskContext, kind: str, **params: Any) -> str:
    return commands.queue(engine, kiosk.config.kiosk.id, kind, params, "test", central.clock().now())


def state(engine: Engine, command_id: str) -> dict[str, Any]:
    found = commands.get(engine, command_id)
    assert found is not None
    return found


def test_test_print_and_logs_run_once_with_results(
    kiosk: KioskContext, central: CentralServer, engine: Engine
) -> None:
    log_file = kiosk.data_dir / "logs" / "kiosk.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text("line one\nline two\n", encoding="utf-8")
    printed = send(engine, central, kiosk, "test_print", sample="ticket")
    logs = send(engine, central, kiosk, "upload_logs", lines="1")
    jobs = kiosk.printer.simulator.job_count if kiosk.printer.simulator else 0
    assert kiosk.health.send()
    assert state(engine, printed)["status"] == "done"
    assert state(engine, printed)["result"]["printer"].startswith("EOT1=")
    assert state(engine, logs)["status"] == "done"
    assert commands.upload_of(engine, logs) == ("text/plain", b"line two\n")
    # Handed out again (say the heartbeat's answer was lost): not run twice.
    with db.write_transaction(engine) as conn:
        conn.execute(
            db.fleet_commands.update().where(db.fleet_commands.c.id == printed).values(status="sent")
        )
    assert kiosk.health.send()
    assert kiosk.printer.simulator is not None
    assert kiosk.printer.simulator.job_count == jobs + 1


def test_failures_are_results(kiosk: KioskContext, central: CentralServer, engine: Engine) -> None:
    kiosk.printer.simulator.set(paper="out")  # type: ignore[union-attr]
    printed = send(engine, central, kiosk, "test_print")
    restart = send(engine, central, kiosk, "restart_app")  # no app in this process
    screenshot = send(engine, central, kiosk, "screenshot")
    assert kiosk.health.send()
    assert state(engine, printed)["status"] == "failed"
    assert "paper" in state(engine, printed)["result"]["error"]
    assert state(engine, restart)["status"] == "failed"
    assert state(engine, screenshot)["status"] == "failed"


def test_expired_commands_never_run(kiosk: KioskContext, central: CentralServer, engine: Engine) -> None:
    command_id = commands.queue(
        engine, kiosk.config.kiosk.id, "test_print", {}, "test", central.clock().now() - timedelta(hours=1)
    )
    assert kiosk.health.send()
    assert state(engine, command_id)["status"] == "expired"


def test_reboot_reports_failure_or_the_next_process_reports_done(
    kiosk: KioskContext, central: CentralServer, engine: Engine
) -> None:
    def refuse() -> None:
        raise RuntimeError("systemctl reboot: exit 1: Access denied")

    kiosk.commands.reboot = refuse
    refused = send(engine, central, kiosk, "reboot")
    assert kiosk.health.send()
    assert state(engine, refused)["status"] == "failed"
    assert "Access denied" in state(engine, refused)["result"]["error"]

    reboots: list[bool] = []
    kiosk.commands.reboot = lambda: reboots.append(True)
    accepted = send(engine, central, kiosk, "reboot")
    assert kiosk.health.send()
    assert reboots == [True]
    assert state(engine, accepted)["status"] == "acknowledged"  # not done until the kiosk is back
    again = build(kiosk.config, kiosk.clock)  # the kiosk after its reboot
    try:
        assert again.health.send()
        assert state(engine, accepted)["status"] == "done"
        assert "uptime_s" in state(engine, accepted)["result"]
    finally:
        again.close()
