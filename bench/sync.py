"""Sync figures on loopback: one function per figure, a small main that prints them.

``knowledge_pull``: the time for a fresh kiosk to pull N published knowledge articles (generated
like ``bench/search.py``'s corpus) from a real ``kiosk-central serve`` into its cache and search
index, through the real gateway and sync job; then an unchanged sync (304) and an incremental
one of 100 changed articles.

``appeals_push`` (``bench/_sync_appeals.py``): appeals per second a kiosk pushes through its
outbox to central (aim 2,000/s), each checked to be there exactly once.

    .venv/bin/python bench/sync.py [--appeals 10000] [--articles 50000] [--page 500] [--only W] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._central import Server, machine_note, run_cli  # noqa: E402
from bench.search import generated_corpus  # noqa: E402


def _publish(db_path: Path, corpus: list[dict[str, Any]], start_seq: int = 0) -> None:
    """Set-up, not measured: bulk-insert published articles as central's approval would leave them."""
    import sqlalchemy as sa

    from central import db

    engine = db.create_engine(db_path)
    now = datetime.now(UTC)
    keys = ("title", "body", "topic_path", "keywords", "synonyms")
    rows = [
        {"id": a["id"], "lang": a["lang"], "section": "answers", "content": {k: a[k] for k in keys},
         "revision": 1 + start_seq // max(1, len(corpus)), "removed": False, "seq": start_seq + i + 1,
         "published_at": now, "published_by": "bench"}
        for i, a in enumerate(corpus)
    ]  # fmt: skip
    with db.write_transaction(engine) as conn:
        if start_seq:
            conn.execute(sa.delete(db.kb_articles).where(db.kb_articles.c.id.in_([r["id"] for r in rows])))
        else:  # only the generated corpus: the seed's demo articles go
            conn.execute(sa.delete(db.kb_articles))
        conn.execute(sa.insert(db.kb_articles), rows)
    engine.dispose()


def knowledge_pull(workdir: Path, articles: int, page: int) -> list[str]:
    from kiosk.services.knowledge_sync import KnowledgeSync
    from offline_cache.db import CacheDB
    from server_sync.client import CentralClient
    from server_sync.gateway import CentralGateway
    from service_common.clock import SystemClock

    db_path = workdir / "central.db"
    run_cli(workdir, "seed-demo", "--db", str(db_path))  # centers for the kiosk
    corpus = generated_corpus(articles)
    _publish(db_path, corpus)
    token = run_cli(workdir, "kiosks", "add", "BENCH-KB", "--center", "C01", "--db", str(db_path)).strip()
    load_before = os.getloadavg()[0]
    server = Server(workdir, db_path)
    try:
        server.wait_ready()
        cache = CacheDB(workdir / "kiosk.db")
        gateway = CentralGateway(CentralClient(f"http://127.0.0.1:{server.port}", token, read_timeout=60))
        sync = KnowledgeSync(gateway, cache, SystemClock("UTC"), page_size=page)
        cpu0 = server.cpu_seconds()
        t0 = time.perf_counter()
        assert sync.sync(), gateway.last_error
        full = time.perf_counter() - t0
        central_cpu = server.cpu_seconds() - cpu0
        first = sync.last
        assert first is not None
        assert first.upserted == articles, first
        t0 = time.perf_counter()
        assert sync.sync()
        unchanged = time.perf_counter() - t0
        assert sync.last is not None
        assert sync.last.unchanged
        changed = [dict(a, title=a["title"] + " (2)") for a in corpus[:100]]
        _publish(db_path, changed, start_seq=articles)
        t0 = time.perf_counter()
        assert sync.sync()
        incremental = time.perf_counter() - t0
        assert sync.last is not None
        assert sync.last.upserted == 100
        size = (workdir / "kiosk.db").stat().st_size / 2**20
        cache.close()
        gateway.close()
    finally:
        server.stop()
    return [
        f"knowledge pull, {articles} articles in {first.pages} pages of {page}: {full:.1f} s "
        f"({articles / full:,.0f} articles/s; central CPU {central_cpu:.1f} s); kiosk.db {size:.0f} MiB",
        f"knowledge sync with nothing new (304): {unchanged * 1000:.0f} ms",
        f"knowledge sync of 100 changed articles: {incremental * 1000:.0f} ms",
        machine_note(server.port, None, load_before),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--page", type=int, default=500, help="articles per page (central allows up to 1000)")
    parser.add_argument("--appeals", type=int, default=10_000, help="appeals pushed through the outbox")
    parser.add_argument("--only", choices=("knowledge", "appeals"), help="one figure only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (databases, serve.log)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        if args.only in (None, "appeals"):
            from bench._sync_appeals import appeals_push

            (workdir / "appeals").mkdir()
            for line in appeals_push(workdir / "appeals", args.appeals):
                print(line, flush=True)
        if args.only in (None, "knowledge"):
            (workdir / "knowledge").mkdir()
            for line in knowledge_pull(workdir / "knowledge", args.articles, args.page):
                print(line, flush=True)
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
