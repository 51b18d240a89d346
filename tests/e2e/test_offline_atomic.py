"""A `kill -9` at any step of an offline check-in leaves all of it or none (real processes, real SQLite)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import load
from kiosk.context import build
from service_common.clock import ManualClock
from tests.conftest import ROOT, free_port, start_central

pytestmark = pytest.mark.e2e

START = "2026-12-01T10:00"

CHILD = r"""
import os, signal, sys
from datetime import datetime
from kiosk.config import load
from kiosk.context import build
from offline_cache.checkins import CheckinStore
from offline_cache.leases import LeaseStore
from offline_cache.outbox import Outbox
from offline_cache.tickets import TicketStore
from kiosk.services.queue import QueueService
from service_common.clock import ManualClock

data_dir, url, now, token, kill_at = sys.argv[1:6]
kill_at = int(kill_at)
steps = [0]

def counting(cls, name):
    real = getattr(cls, name)
    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        steps[0] += 1
        if steps[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(cls, name, wrapper)

for cls, name in ((LeaseStore, "take"), (TicketStore, "save"), (Outbox, "add"), (CheckinStore, "remember"),
                  (QueueService, "print_issued")):
    counting(cls, name)
config = load(None, {"KIOSK_DATA_DIR": data_dir})
config.central.url = url
config.central.token = "unreachable"
config.central.connect_timeout_s = 0.3
ctx = build(config, ManualClock(datetime.fromisoformat(now), "Europe/Moscow"))
result = ctx.checkin.check_in(token, "ru")
print(result.ticket.display)
"""


def _state(db: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(db) as conn:
        used = conn.execute('SELECT coalesce(sum("next" - "first"), 0) FROM leases').fetchone()[0]
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        checkins = conn.execute("SELECT count(*) FROM checkins").fetchone()[0]
    return int(used), int(tickets), int(outbox), int(checkins)


def test_kill_9_between_any_two_steps_of_an_offline_check_in(tmp_path: Path) -> None:
    central = start_central(tmp_path / "central.db", clock=START)
    try:
        config = load(None, {"KIOSK_DATA_DIR": str(tmp_path / "kiosk")})
        config.central.url = central.url
        config.central.token = central.enrol("KIOSK-KILL")
        clock = ManualClock(datetime.fromisoformat(START), "Europe/Moscow")
        ctx = build(config, clock)
        assert ctx.info.refresh()
        assert ctx.queue.top_up_leases()
        appts = ctx.appointments
        slot = appts.slots("C01-A", appts.days("C01-A")[0])[0]
        booking = appts.confirm(
            appts.hold("C01-A", slot), "Анна", "+7 912 345-67-89", "ru", str(uuid.uuid4())
        )
        assert appts.booking_docs.sync()
        ctx.close()
        at = (booking.slot_start - timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    finally:
        central.stop()

    db = tmp_path / "kiosk" / "kiosk.db"
    empty = _state(db)
    assert empty == (0, 0, 0, 0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seen = []
    for kill_at in range(1, 8):  # 5 writes in the transaction, then printing, then done
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(tmp_path / "kiosk"), f"http://127.0.0.1:{free_port()}", at,
             booking.token, str(kill_at)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        state = _state(db)
        killed = child.returncode == -signal.SIGKILL
        seen.append((kill_at, killed, state))
        assert state in (empty, (1, 1, 2, 1)), f"kill at step {kill_at}: half a check-in left {state}"
        if not killed:
            assert child.returncode == 0, child.stderr[-2000:]
            assert state == (1, 1, 2, 1)
            break
        if state != empty:
            assert kill_at >= 6  # only a kill after the commit (while printing) keeps it
            break
    print("kill -9 steps:", seen)
    assert any(state == empty and killed for _, killed, state in seen)
    assert seen[-1][2] == (1, 1, 2, 1)
