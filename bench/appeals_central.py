"""Appeals per second that one kiosk can push to a real central with POST /appeals/batch.

``kiosk-central serve`` on a free loopback port with a fresh database (demo data, one kiosk);
one keep-alive connection sends batches of ``--batch`` appeals (a kiosk's outbox catching up after
an outage: one connection, one batch after another), then sends them all again (a kiosk that lost
the answers: every one must come back ``duplicate``). Prints appeals/s for both and the server's
CPU seconds; exits 1 if any appeal was refused, stored twice, or the aim (2,000/s) is missed.
At most 20,000 appeals.

    .venv/bin/python bench/appeals_central.py [--appeals 10000] [--batch 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _central as rig

AIM = 2000.0


def bodies(n: int) -> list[dict[str, str | None]]:
    day = date(2026, 11, 23)
    out = []
    for i in range(n):
        filed = day + timedelta(days=i // 9000)
        out.append(
            {
                "id": str(uuid.uuid4()), "number": f"A001-{filed:%y%m%d}-{i % 9000 + 1:04d}", "kind": "question",
                "source": "kiosk", "filed_at": f"{filed.isoformat()}T07:00:00Z", "lang": "ru", "name": "Анна",
                "phone": "+7 912 345-67-89", "email": None, "reply_by": "sms", "topic": "cards",
                "text": f"Вопрос номер {i}: почему карта не работает в банкомате у входа?", "concerns": None,
                "happened_on": None, "kb_query": None, "deadline": None, "center_id": "C01",
            }
        )  # fmt: skip
    return out


async def push(port: int, token: str, batches: list[bytes]) -> tuple[float, dict[str, int]]:
    conn = await rig.Connection.open(port)
    outcomes: dict[str, int] = {}
    start = perf_counter()
    for payload in batches:
        status, raw = await conn.post("/api/v1/appeals/batch", token, payload)
        if status != 200:
            raise SystemExit(f"batch answered {status}: {raw[:300]!r}")
        for result in json.loads(raw)["results"]:
            outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
    return perf_counter() - start, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    n = min(args.appeals, rig.MAX_REQUESTS)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-appeals-") as tmp:
        work = Path(tmp)
        db = work / "central.db"
        token = rig.seed_with_kiosks(work, db, ["C01"])["C01"]
        items = bodies(n)
        batches = [
            json.dumps({"appeals": items[i : i + args.batch]}, ensure_ascii=False).encode("utf-8")
            for i in range(0, n, args.batch)
        ]
        server = rig.Server(work, db)
        try:
            server.wait_ready()
            cpu0 = server.cpu_seconds()
            first, stored = asyncio.run(push(server.port, token, batches))
            cpu1 = server.cpu_seconds()
            again, replayed = asyncio.run(push(server.port, token, batches))
        finally:
            server.stop()
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT count(*), count(DISTINCT number) FROM appeals WHERE kiosk_id IS NOT NULL"
            ).fetchone()
        print(rig.machine_note(server.port, None, load_before))
        print(f"first push:  {n} appeals in {len(batches)} batches of {args.batch}: {first:.2f} s, "
              f"{n / first:,.0f} appeals/s, server CPU {cpu1 - cpu0:.2f} s; outcomes {stored}")  # fmt: skip
        print(f"replay:      {again:.2f} s, {n / again:,.0f} appeals/s; outcomes {replayed}")
        print(f"at central:  {rows[0]} appeals, {rows[1]} distinct numbers (expected {n})")
        ok = (
            stored.get("stored") == n
            and replayed.get("duplicate") == n
            and rows == (n, n)
            and n / first >= AIM
        )
        print(f"aim {AIM:,.0f}/s, none refused, none stored twice: {'met' if ok else 'MISSED'}")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
