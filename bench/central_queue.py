"""Ticket creation throughput and latency of a real ``kiosk-central serve`` on loopback.

Starts the central as its own process on a free loopback port with a fresh database (demo
data, one kiosk per center), then runs two bounded phases of idempotent ticket creations
(every tenth request repeats an earlier request_id, as a kiosk retrying after a timeout):

1. paced: ``--rate`` requests per second (default 500) for ``--seconds``; latency counts from
   the moment each request was due, so a stalled server cannot hide its queueing delay;
2. flat out: ``--clients`` connections sending back to back for ``--seconds``.

Never more than 20,000 requests in all. The client is asyncio with hand-written HTTP/1.1 on
keep-alive connections, so it costs little of the second core. Prints tickets/s, p50/p95/p99
latency and errors per phase, checks the database afterwards (one ticket per request_id, no
number twice) and exits 1 if the aim (500 tickets/s sustained, p99 <= 50 ms) is missed.

    .venv/bin/python bench/central_queue.py [--rate 500] [--seconds 10] [--clients 16]
    (or: .venv/bin/python -m bench.central_queue, or: bench/central_queue)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 20_000
AIM_RATE = 500.0
AIM_P99_MS = 50.0
CENTERS = {"C01": "ABCD", "C02": "ABC", "C03": "ACD"}
PRIORITIES = ["none"] * 17 + ["disability", "veteran", "appointment"]


def central_cmd(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "kiosk-central"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "central.cli", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(workdir: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("KIOSK_CENTRAL_CONFIG", None)
    done = subprocess.run(
        central_cmd(*args), cwd=workdir, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"kiosk-central {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


class Server:
    """``kiosk-central serve`` as a child process, stopped with SIGINT like an operator would."""

    def __init__(self, workdir: Path, db: Path) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("KIOSK_CENTRAL_CONFIG", None)
        self.log = (workdir / "serve.log").open("wb")
        self.process = subprocess.Popen(
            central_cmd("serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(self.port)),
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("central exited during start-up; see serve.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("central did not start in 30 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Connection:
    """One keep-alive HTTP/1.1 connection; just enough protocol for JSON POSTs to uvicorn."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post(self, path: str, token: str, body: bytes) -> tuple[int, bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    created: int = 0
    replayed: int = 0
    elapsed: float = 0.0

    def note(self, status: int, latency: float) -> None:
        self.latencies.append(latency)
        if status == 201:
            self.created += 1
        elif status == 200:
            self.replayed += 1
        else:
            self.errors[str(status)] = self.errors.get(str(status), 0) + 1

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def report(self) -> str:
        errors = sum(self.errors.values())
        return (
            f"{self.name:<26} {len(self.latencies):>6} requests in {self.elapsed:5.1f} s = {self.rate:7.0f} tickets/s  "
            f"p50 {self.percentile(0.50):6.1f} ms  p95 {self.percentile(0.95):6.1f} ms  "
            f"p99 {self.percentile(0.99):6.1f} ms  max {max(self.latencies, default=0) * 1000:6.1f} ms  "
            f"errors {errors}{' ' + json.dumps(self.errors) if errors else ''}  "
            f"(created {self.created}, replayed {self.replayed})"
        )


class Load:
    """Makes the request bodies: new tickets spread over centers and services, some retries."""

    def __init__(self, tokens: dict[str, str], seed: int = 7) -> None:
        self.tokens = tokens
        self.random = random.Random(seed)
        self.sent: list[tuple[str, bytes]] = []

    def next(self) -> tuple[str, bytes]:
        if self.sent and self.random.random() < 0.1:
            return self.random.choice(self.sent)  # a kiosk retrying: must get the same ticket back
        center = self.random.choice(list(CENTERS))
        body = {
            "request_id": str(uuid.uuid4()),
            "service_id": f"{center}-{self.random.choice(CENTERS[center])}",
            "priority": self.random.choice(PRIORITIES),
            "issued_by": "kiosk",
            "language": self.random.choice(["ru", "ru", "zh-Hant", "en"]),
        }
        item = (self.tokens[center], json.dumps(body).encode())
        self.sent.append(item)
        return item


async def paced(port: int, load: Load, rate: float, seconds: float, clients: int, phase: Phase) -> None:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(clients):
        pool.put_nowait(await Connection.open(port))
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []

    async def one(due: float, token: str, body: bytes) -> None:
        conn = await pool.get()
        try:
            status, _ = await conn.post("/api/v1/tickets", token, body)
        except (OSError, asyncio.IncompleteReadError):
            status = 599
        phase.note(status, loop.time() - due)
        pool.put_nowait(conn)

    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        token, body = load.next()
        tasks.append(asyncio.create_task(one(due, token, body)))
    await asyncio.gather(*tasks)
    phase.elapsed = loop.time() - start
    while not pool.empty():
        pool.get_nowait().close()


async def flat_out(port: int, load: Load, seconds: float, clients: int, budget: int, phase: Phase) -> None:
    """Closed loop: each connection sends its next request as soon as the answer is in."""
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + seconds
    left = [budget]

    async def client() -> None:
        conn = await Connection.open(port)
        while loop.time() < stop_at and left[0] > 0:
            left[0] -= 1
            token, body = load.next()
            sent = loop.time()
            try:
                status, _ = await conn.post("/api/v1/tickets", token, body)
            except (OSError, asyncio.IncompleteReadError):
                status = 599
            phase.note(status, loop.time() - sent)
        conn.close()

    start = loop.time()
    await asyncio.gather(*(client() for _ in range(clients)))
    phase.elapsed = loop.time() - start


async def warm_up(port: int, load: Load) -> None:
    conn = await Connection.open(port)
    for _ in range(50):
        token, body = load.next()
        await conn.post("/api/v1/tickets", token, body)
    conn.close()


def check_database(db: Path, load: Load) -> str:
    """Every request_id sent is exactly one ticket, and no (service, day, number) repeats."""
    with sqlite3.connect(db) as conn:
        tickets = conn.execute("SELECT count(*), count(DISTINCT request_id) FROM tickets").fetchone()
        numbers = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM tickets GROUP BY service_id, business_date, number HAVING count(*) > 1)"
        ).fetchone()[0]
    distinct_sent = len({json.loads(body)["request_id"] for _, body in load.sent})
    ok = tickets[0] == tickets[1] == distinct_sent and numbers == 0
    return f"database: {tickets[0]} tickets for {distinct_sent} request ids, {numbers} repeated numbers -> {'ok' if ok else 'WRONG'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=AIM_RATE, help="paced phase, requests/s (default 500)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="connections, 8-32 (default 16)")
    parser.add_argument("--keep", action="store_true", help="keep the database and server log afterwards")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be 1..64")
    paced_total = int(args.rate * args.seconds)
    if paced_total > MAX_REQUESTS // 2:
        parser.error(f"--rate x --seconds must stay under {MAX_REQUESTS // 2} requests")

    load_before = os.getloadavg()[0]  # other work on this 2-core machine skews the figures: say so
    workdir = Path(tempfile.mkdtemp(prefix="bench-central-queue-"))
    db = workdir / "central.db"
    run_cli(workdir, "seed-demo", "--db", str(db))
    tokens = {
        c: run_cli(workdir, "kiosks", "add", f"BENCH-{c}", "--center", c, "--db", str(db)).strip()
        for c in CENTERS
    }
    server = Server(workdir, db)
    load = Load(tokens)
    results: list[Phase] = []
    try:
        server.wait_ready()
        asyncio.run(warm_up(server.port, load))
        first = Phase(f"paced {args.rate:.0f}/s, {args.clients} conns")
        asyncio.run(paced(server.port, load, args.rate, args.seconds, args.clients, first))
        results.append(first)
        budget = MAX_REQUESTS - paced_total - 50
        second = Phase(f"flat out, {args.clients} conns")
        asyncio.run(flat_out(server.port, load, args.seconds, args.clients, budget, second))
        results.append(second)
    finally:
        server.stop()
    kept = f" (kept in {workdir})" if args.keep else ""
    print(
        f"central: kiosk-central serve on 127.0.0.1:{server.port}, fresh SQLite database{kept}; "
        f"load average before the run {load_before:.2f} on {os.cpu_count()} cores"
    )
    for phase in results:
        print(phase.report())
    print(check_database(db, load))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    first, second = results
    met = (
        first.rate >= AIM_RATE * 0.98
        and first.percentile(0.99) <= AIM_P99_MS
        and not first.errors
        and second.rate >= AIM_RATE
        and not second.errors
    )
    print(
        f"aim: >= {AIM_RATE:.0f} tickets/s sustained with p99 <= {AIM_P99_MS:.0f} ms: "
        f"{'met' if met else 'NOT met'} (paced p99 {first.percentile(0.99):.1f} ms, "
        f"flat-out {second.rate:.0f} tickets/s at p99 {second.percentile(0.99):.1f} ms)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
