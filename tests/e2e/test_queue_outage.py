"""Central goes down and comes back: tickets keep coming from the lease and arrive in order, once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from devices.printer import open_printer
from kiosk.services.info import InfoService
from kiosk.services.queue import QueueService
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from offline_cache.outbox import Outbox
from server_sync.client import CentralClient
from server_sync.gateway import CentralGateway
from server_sync.outbox import OutboxSender
from service_common.clock import SystemClock
from tests.conftest import free_port, start_central

pytestmark = pytest.mark.e2e


def test_stop_central_issue_from_lease_restart_and_sync(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "central.db"
    central = start_central(db, port=port)
    token = central.enrol("KIOSK-OUTAGE")
    client = CentralClient(central.url, token, connect_timeout=0.5, read_timeout=2)
    gateway = CentralGateway(client, patience_s=1.0)
    clock = SystemClock("Europe/Moscow")
    cache = CacheDB(tmp_path / "kiosk.db")
    info = InfoService(gateway, DocumentCache(cache), clock, "C01")
    assert info.refresh()
    queue = QueueService(
        gateway, cache, open_printer("sim:", data_dir=None, paper_width_mm=80), clock, info, "C01"
    )
    sender = OutboxSender(Outbox(cache), gateway, clock)

    def sync() -> bool:
        return sender.send() and queue.top_up_leases()

    assert queue.top_up_leases()
    before = queue.take_ticket("C01-B")
    assert not before.offline

    central.stop()
    during = [queue.take_ticket("C01-B", lang="zh-Hant") for _ in range(4)]
    assert all(t.offline for t in during)
    assert len({t.display for t in during}) == 4
    assert not sync()
    assert queue.outbox.pending_count() == 4

    central = start_central(db, port=port, seed=False)
    try:
        queue.outbox.retry_now()
        assert sync()
        assert sync()  # a second pass sends nothing again
        assert queue.outbox.pending_count() == 0
        after = queue.take_ticket("C01-B")
        assert not after.offline
        # Central now holds every ticket once, in the order they were issued.
        import sqlite3

        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT request_id, issued_at FROM tickets WHERE service_id = 'C01-B' ORDER BY issued_at"
            ).fetchall()
        ids = [r[0] for r in rows]
        ours = [before.request_id, *(t.request_id for t in during), after.request_id]
        assert [i for i in ids if i in ours] == ours
        assert len(ids) == len(set(ids))
        stamps = [datetime.fromisoformat(str(r[1]).replace("Z", "+00:00")) for r in rows]
        assert stamps == sorted(stamps)
    finally:
        central.stop()
        cache.close()
