"""The appeals figure of bench/sync (run it there).

``appeals_push``: appeals per second a kiosk pushes through its outbox (``OutboxSender``: runs of
consecutive appeals go as ``POST /appeals/batch`` of up to 200, results applied in one local
transaction) to a real ``kiosk-central serve`` on loopback. The appeals are filed first through
the kiosk's own service, offline (that rate is printed too, set-up for the push); then the outbox
is sent, and every appeal is checked to be at central exactly once. Aim: 2,000 appeals/s.

    .venv/bin/python bench/sync.py [--appeals 10000] [--keep]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._central import Server, machine_note, run_cli  # noqa: E402

AIM_APPEALS_PER_S = 2000.0


def appeals_push(workdir: Path, appeals: int) -> list[str]:
    import sqlalchemy as sa

    from central import db as central_db
    from kiosk.services.appeals import AppealForm, AppealService
    from kiosk.services.info import InfoService
    from offline_cache.appeals import AppealStore
    from offline_cache.db import CacheDB
    from offline_cache.documents import DocumentCache
    from offline_cache.outbox import Outbox
    from server_sync.client import CentralClient
    from server_sync.gateway import CentralGateway
    from server_sync.outbox import OutboxSender
    from service_common.clock import SystemClock

    db_path = workdir / "central.db"
    run_cli(workdir, "seed-demo", "--db", str(db_path))
    token = run_cli(
        workdir, "kiosks", "add", "BENCH-APPEALS", "--center", "C01", "--db", str(db_path)
    ).strip()
    load_before = os.getloadavg()[0]
    server = Server(workdir, db_path)
    try:
        server.wait_ready()
        cache = CacheDB(workdir / "kiosk.db")
        clock = SystemClock("Europe/Moscow")
        gateway = CentralGateway(CentralClient(f"http://127.0.0.1:{server.port}", token, read_timeout=60))
        docs = DocumentCache(cache)
        service = AppealService(gateway, AppealStore(cache), clock, InfoService(gateway, docs, clock, "C01"),
                                None, "C01")  # fmt: skip
        assert service.refresh_serial(), gateway.last_error
        t0 = time.perf_counter()
        for i in range(appeals):
            kind = ("question", "application", "complaint", "feedback")[i % 4]
            form = AppealForm(kind, f"Посетитель {i}", phone=f"+7 912 {i:07d}", text=f"Обращение номер {i}")
            service.file(form, "ru")
        filing = time.perf_counter() - t0
        sender = OutboxSender(Outbox(cache), gateway, clock)
        cpu0 = server.cpu_seconds()
        t0 = time.perf_counter()
        assert sender.send(), gateway.last_error
        push = time.perf_counter() - t0
        central_cpu = server.cpu_seconds() - cpu0
        counts = sender.outbox.counts()
        assert counts == {"sent": appeals}, counts
        engine = central_db.create_engine(db_path)
        with engine.connect() as conn:
            a = central_db.appeals
            stored = conn.execute(
                sa.select(sa.func.count()).select_from(a).where(a.c.source == "kiosk")
            ).scalar()
            distinct = conn.execute(sa.select(sa.func.count(sa.distinct(a.c.number)))).scalar()
        engine.dispose()
        cache.close()
        gateway.close()
    finally:
        server.stop()
    rate = appeals / push
    verdict = "meets" if rate >= AIM_APPEALS_PER_S else "MISSES"
    return [
        f"appeals pushed through the outbox: {appeals} in {push:.2f} s = {rate:,.0f} appeals/s "
        f"({verdict} the aim of {AIM_APPEALS_PER_S:,.0f}/s; central CPU {central_cpu:.1f} s)",
        f"appeals filed at the kiosk offline (number + row + outbox record, one fsync'd transaction each): "
        f"{appeals / filing:,.0f} appeals/s",
        f"central holds {stored} kiosk appeals ({distinct} distinct numbers, demo ones included in the latter)",
        machine_note(server.port, None, load_before),
    ]
