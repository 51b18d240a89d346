"""Heartbeats per second a real ``kiosk-central serve`` absorbs from 1,000 simulated kiosks, with p99.

Starts central on loopback with a fresh database (demo data) and enrols ``--kiosks`` kiosks
(1,000) spread over the demo centers. Each heartbeat is a full kiosk body (devices, paper
forecast, outbox) with its own kiosk token and a fresh heartbeat id; one in twenty reports paper
low, one in fifty a printer stopped. Two bounded phases:

1. paced: ``--rate`` heartbeats per second (default 100: 1,000 kiosks every 10 s, three times
   the default 30 s interval) for ``--seconds``; latency counts from when each was due;
2. flat out: ``--clients`` connections sending back to back for ``--seconds``: what central absorbs.

Never more than 20,000 requests. Prints heartbeats/s, p50/p95/p99 and errors per phase, and
central's CPU per heartbeat; checks afterwards that every kiosk that sent has its state.

    .venv/bin/python bench/fleet.py [--kiosks 1000] [--rate 100] [--seconds 10] [--clients 16]
    (or: bench/fleet)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._central import (
    MAX_REQUESTS,
    Connection,
    Server,
    flat_out,
    latency_summary,
    machine_note,
    paced,
    run_cli,
)

PATH = "/api/v1/fleet/heartbeat"
CENTERS = ("C01", "C02", "C03")


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def note(self, status: int, seconds: float) -> None:
        self.sent += 1
        if status == 200:
            self.latencies.append(seconds)
        else:
            self.errors[str(status)] = self.errors.get(str(status), 0) + 1


def enrol(db: Path, count: int) -> list[str]:
    """``count`` kiosks straight into the database (the CLI would take a process per kiosk)."""
    from central import db as central_db
    from central import kiosks
    from service_common.clock import SystemClock

    engine = central_db.create_engine(db)
    clock = SystemClock("Europe/Moscow")
    try:
        return [kiosks.add(engine, f"SIM-{i:04d}", CENTERS[i % len(CENTERS)], clock) for i in range(count)]
    finally:
        engine.dispose()


def body(i: int) -> bytes:
    now = datetime.now(UTC).isoformat()
    reasons = ["media-low"] if i % 20 == 0 else ["media-empty"] if i % 50 == 7 else []
    return json.dumps(
        {
            "heartbeat_id": uuid.uuid4().hex,
            "sent_at": now,
            "interval_s": 30,
            "app_version": "0.1.0",
            "config_version": "local",
            "uptime_s": 3600 + i,
            "printer": {
                "reasons": reasons,
                "raw": "EOT1=0x16 EOT2=0x12 EOT4=0x12",
                "paper": {
                    "near_end": bool(reasons),
                    "printed_mm": 41000.0,
                    "roll_mm": 80000.0,
                    "tickets_left": 480,
                },
            },
            "card_reader": {"configured": True, "present": True, "raw": "pcsc"},
            "scanner": {"configured": True, "present": True, "raw": "connected"},
            "outbox_depth": i % 3,
            "outbox_refused": 0,
            "last_sync_at": now,
            "disk_free_mb": 20000,
            "memory_mb": 310,
        }
    ).encode()


async def run(args: argparse.Namespace, port: int, tokens: list[str]) -> tuple[Phase, Phase, float]:
    loop = asyncio.get_running_loop()
    paced_phase, flat_phase = Phase("paced"), Phase("flat out")
    count = min(int(args.rate * args.seconds), MAX_REQUESTS // 2)

    async def paced_job(conn: Connection, i: int, due: float) -> None:
        status, _ = await conn.post(PATH, tokens[i % len(tokens)], body(i))
        paced_phase.note(status, loop.time() - due)

    await paced(port, [i / args.rate for i in range(count)], args.clients, paced_job)
    counter = [0]

    async def flat_job(conn: Connection) -> bool:
        i = counter[0]
        counter[0] += 1
        if i >= MAX_REQUESTS // 2:
            return False
        start = loop.time()
        status, _ = await conn.post(PATH, tokens[i % len(tokens)], body(i))
        flat_phase.note(status, loop.time() - start)
        return True

    elapsed = await flat_out(port, args.seconds, args.clients, flat_job)
    return paced_phase, flat_phase, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    db = work / "central.db"
    run_cli(work, "seed-demo", "--db", str(db))
    tokens = enrol(db, args.kiosks)
    load_before = os.getloadavg()[0]
    server = Server(work, db)
    try:
        server.wait_ready()
        cpu_before = server.cpu_seconds()
        paced_phase, flat_phase, flat_elapsed = asyncio.run(run(args, server.port, tokens))
        cpu = server.cpu_seconds() - cpu_before
    finally:
        server.stop()
    with sqlite3.connect(db) as conn:
        states = conn.execute("SELECT count(*) FROM fleet_state").fetchone()[0]
        kept = conn.execute("SELECT count(*) FROM fleet_heartbeats").fetchone()[0]
    sent_kiosks = min(args.kiosks, paced_phase.sent + flat_phase.sent)
    print(f"fleet bench: {args.kiosks} simulated kiosks, {args.clients} connections")
    print(machine_note(server.port, work if args.keep else None, load_before))
    for phase, seconds in ((paced_phase, paced_phase.sent / args.rate), (flat_phase, flat_elapsed)):
        rate = len(phase.latencies) / seconds if seconds else 0.0
        print(
            f"  {phase.name:8}  {len(phase.latencies):6d} heartbeats  {rate:7.0f}/s  "
            f"{latency_summary(phase.latencies)}  errors {phase.errors or 0}"
        )
    total = paced_phase.sent + flat_phase.sent
    print(f"  central CPU {cpu / total * 1000:.2f} ms per heartbeat ({cpu:.1f} s for {total})")
    absorbed = len(flat_phase.latencies) / flat_elapsed if flat_elapsed else 0.0
    print(
        f"  absorbed: {absorbed:.0f} heartbeats/s, i.e. {args.kiosks} kiosks could beat every "
        f"{args.kiosks / absorbed if absorbed else float('inf'):.1f} s; kiosks with a state {states}, "
        f"history rows {kept}"
    )
    ok = states == sent_kiosks and not paced_phase.errors and not flat_phase.errors
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
