"""The product against the thin reference (``bench/_thin_central.py``), back to back in one run.

For each worker count (1 on SQLite; 1 and 2 on PostgreSQL) both servers run side by side, idle
but for the phase under way; at 1, 16 and 32 connections the product is driven flat out for a
few seconds, then the reference, with the same kind of requests (every tenth a retry). One line
each: ``db=sqlite workers=1 clients=16 product=…/s reference=…/s ratio=… p99=…ms``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench._central import ROOT, Connection, Server, flat_out, percentile, seed_with_kiosks

CLIENTS = (1, 16, 32)
AIM_RATIO = 0.8


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[tuple[str, str]]:
    """The databases of the product and of the reference: one, the reference keeps to its own
    ref_* tables and reads the product's services. On the server given, or a throwaway cluster."""
    if url:
        yield url, url
        return
    sys.path.insert(0, str(ROOT))
    from tests import pgcluster

    with pgcluster.running() as cluster:
        url = cluster.database(None)
        yield url, url


def thin_cmd(workers: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "bench._thin_central:app", "--host", "127.0.0.1",
            "--no-access-log", "--log-level", "warning", "--workers", str(workers)]  # fmt: skip


async def _drive(
    port: int, load: Any, seconds: float, clients: int, budget: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    left = [budget]

    async def job(conn: Connection) -> bool:
        if left[0] <= 0:
            return False
        left[0] -= 1
        token, body = load.next()
        loop = asyncio.get_running_loop()
        since = loop.time()
        status, _ = await conn.post("/api/v1/tickets", token, body)
        latencies.append(loop.time() - since)
        errors[0] += status not in (200, 201)
        return True

    elapsed = await flat_out(port, seconds, clients, job)
    return len(latencies) / elapsed, latencies, errors[0]


def compare(
    workdir: Path, db_name: str, product_db: Path | str, ref_db: Path | str, workers: list[int],
    load_factory: Any, centers: dict[str, str], seconds: float, budget: int,
) -> list[tuple[str, float]]:  # fmt: skip
    """Prints one line per worker count and connection count; returns (label, ratio) pairs."""
    tokens = seed_with_kiosks(workdir, product_db, centers)
    if isinstance(ref_db, Path):
        shutil.copy(product_db, ref_db)  # the same services and centers, no tickets
    env_before = dict(os.environ)
    os.environ.update(THIN_DB=str(ref_db), THIN_TOKENS=json.dumps({t: c for c, t in tokens.items()}))
    per_run = budget // (len(workers) * len(CLIENTS) * 2)
    ratios: list[tuple[str, float]] = []
    try:
        for n in workers:
            product = Server(workdir, product_db, workers=n)
            thin = Server(workdir, ref_db, cmd=thin_cmd(n))
            try:
                product.wait_ready()
                thin.wait_ready()
                for clients in CLIENTS:
                    figures = []
                    for server in (product, thin):
                        load = load_factory(tokens, seed=clients)
                        figures.append(asyncio.run(_drive(server.port, load, seconds, clients, per_run)))
                    (p_rate, p_lat, p_err), (r_rate, r_lat, r_err) = figures
                    ratio = p_rate / r_rate if r_rate else float("nan")
                    label = f"db={db_name} workers={n} clients={clients}"
                    ratios.append((label, ratio))
                    print(
                        f"{label} product={p_rate:.0f}/s reference={r_rate:.0f}/s ratio={ratio:.2f} "
                        f"p99={percentile(p_lat, 0.99):.1f}ms reference_p99={percentile(r_lat, 0.99):.1f}ms"
                        + (f" errors={p_err}+{r_err}" if p_err or r_err else ""),
                        flush=True,
                    )
            finally:
                product.stop()
                thin.stop()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return ratios
