"""N appeals through a fault proxy in chaos mode, the kiosk killed with ``kill -9`` mid-push, central
restarted: exactly N at central, none lost, none duplicated, each with the number the visitor got.

The kill falls at the worst moment: central has stored a batch, the kiosk has not yet recorded that
it was taken, so the restarted kiosk sends the same appeals again (same ids) through the chaos.
Central's database is read directly, so the check does not depend on its API under faults.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.config import load
from kiosk.context import build
from kiosk.services.appeals import AppealForm
from service_common.clock import ManualClock
from tests.conftest import ROOT, start_central
from tests.e2e.chaos_helpers import start_chaos_central
from tests.faultproxy_rules import Mode

pytestmark = pytest.mark.e2e

START = "2026-12-01T10:00"
N = 260  # more than one batch of 200
MIX = {
    Mode.RESET_AFTER_REQUEST: 0.12,
    Mode.BAD_GATEWAY_AFTER_REQUEST: 0.08,
    Mode.RESET_MID_RESPONSE: 0.08,
    Mode.HTML_200: 0.05,
    Mode.STALL: 0.03,
    Mode.UNAVAILABLE_NO_FORWARD: 0.05,
    Mode.REFUSE: 0.05,
}

CHILD = r"""
import os, signal, sys
from datetime import datetime
from kiosk.config import load
from kiosk.context import build
from server_sync import outbox
from service_common.clock import ManualClock

config_path, now = sys.argv[1:3]
real = outbox.deliver_run

def deliver_then_die(*args, **kwargs):
    result = real(*args, **kwargs)  # central has stored the batch ...
    os.kill(os.getpid(), signal.SIGKILL)  # ... and the kiosk dies before it records that
    return result

outbox.deliver_run = deliver_then_die
ctx = build(load(config_path), ManualClock(datetime.fromisoformat(now), "Europe/Moscow"))
for _ in range(400):
    ctx.sender.outbox.retry_now()
    ctx.sender.send()
sys.exit(3)  # never reached: a batch gets through the chaos long before
"""


def _central_appeals(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [
            (str(r[0]), str(r[1]))
            for r in conn.execute("SELECT id, number FROM appeals WHERE kiosk_id = 'KIOSK-APPEALS-CHAOS'")
        ]


def test_chaos_kill_9_mid_push_and_central_restart_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    chaos = start_chaos_central(tmp_path, kiosk_id="KIOSK-APPEALS-CHAOS", clock=START)
    try:
        config_path = chaos.write_kiosk_config(
            tmp_path / "kiosk.toml", tmp_path / "kiosk", read_timeout_s=1.5
        )
        clock = ManualClock(datetime.fromisoformat(START), "Europe/Moscow")
        ctx = build(load(config_path), clock)
        assert ctx.info.refresh()
        assert ctx.appeals.refresh_serial()
        given: dict[str, str] = {}  # id -> the number on the visitor's receipt
        for i in range(N):
            form = AppealForm(("question", "application", "complaint", "feedback")[i % 4], f"Посетитель {i}",
                              phone=f"+7 912 {i:07d}", text=f"Обращение {i}: 4111 1111 1111 1111")  # fmt: skip
            filed = ctx.appeals.file(form, "ru")
            given[filed.id] = filed.number
        ctx.close()
        assert len(set(given.values())) == N
        chaos.proxy.set_chaos(MIX, seed=20261204, method="POST", path="/api/v1/appeals*")

        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(config_path), START],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert child.returncode == -9, child.stderr[-3000:]
        stored_before_restart = len(_central_appeals(chaos.db))
        assert 0 < stored_before_restart < N  # killed mid-push, with a batch stored and not recorded

        port = int(chaos.central.url.rsplit(":", 1)[1])
        chaos.central.stop()
        chaos.central = start_central(chaos.db, port=port, seed=False, clock=START)

        ctx = build(load(config_path), clock)
        for _ in range(300):
            if ctx.sender.outbox.pending_count() == 0:
                break
            ctx.sender.outbox.retry_now()
            ctx.sender.send()
        chaos.proxy.clear_chaos()
        ctx.sender.outbox.retry_now()
        assert ctx.sender.send()
        assert ctx.sender.outbox.counts() == {"sent": N}
        ctx.close()

        rows = _central_appeals(chaos.db)
        at_central = dict(rows)
        lost = [i for i in given if i not in at_central]
        duplicated = len(rows) - len(at_central) + (len(rows) - len({n for _, n in rows}))
        wrong_number = [i for i, n in given.items() if i in at_central and at_central[i] != n]
        print(f"\nappeals chaos: N={N} at_central={len(at_central)} lost={len(lost)} duplicated={duplicated} "
              f"wrong_number={len(wrong_number)} stored_before_kill={stored_before_restart}")  # fmt: skip
        print(chaos.proxy.report())
        assert (len(at_central), len(lost), duplicated, len(wrong_number)) == (N, 0, 0, 0)
    finally:
        chaos.stop()
