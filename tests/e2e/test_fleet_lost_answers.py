"""A command's result report whose answer is lost: recorded with its outbox record, sent again, run once."""

from __future__ import annotations

from pathlib import Path

import pytest

from central import db
from central.fleet import commands
from kiosk.config import load
from kiosk.context import build
from tests.e2e.chaos_helpers import start_chaos_central
from tests.faultproxy import Mode

pytestmark = pytest.mark.e2e


def test_a_lost_result_report_is_sent_again_by_the_outbox(tmp_path: Path) -> None:
    chaos = start_chaos_central(tmp_path, kiosk_id="KIOSK-CMD-CHAOS", clock="2026-12-01T10:00")
    try:
        path = chaos.write_kiosk_config(tmp_path / "kiosk.toml", tmp_path / "kiosk", read_timeout_s=1.0)
        ctx = build(load(path), chaos.central.clock())
        engine = db.create_engine(chaos.db)
        try:
            command_id = commands.queue(engine, chaos.kiosk_id, "test_print", {"sample": "ticket"}, "test",
                                        chaos.central.clock().now())  # fmt: skip
            result_path = f"/api/v1/fleet/commands/{command_id}/result"
            chaos.proxy.add_rule(Mode.RESET_AFTER_REQUEST, method="POST", path=result_path, times=1)
            assert ctx.health.send()  # pulls the command, prints, reports: the answer is lost
            assert chaos.proxy.forwarded("POST", result_path) == 1
            assert ctx.sender.outbox.pending_count() == 1  # the report waits in the outbox
            ctx.sender.outbox.retry_now()
            assert ctx.sender.send()
            assert ctx.sender.outbox.pending_count() == 0
            found = commands.get(engine, command_id)
            assert found is not None
            assert found["status"] == "done"
            assert found["result"]["printer"].startswith("EOT1=")
            assert ctx.printer.simulator is not None
            assert ctx.printer.simulator.job_count == 1  # run once, reported twice
        finally:
            engine.dispose()
            ctx.close()
    finally:
        chaos.stop()
