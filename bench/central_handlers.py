"""Where central's handlers should run: inline on the event loop, on a bounded thread pool, or async.

Two parts, each printing one line per (database, way, clients) with req/s and p99:

* ``product``: the real ``kiosk-central serve`` creating tickets (POST /api/v1/tickets, a fresh
  seeded database per run), with ``[server] handlers = "inline"`` and ``"threads"``
  (:mod:`central.offload`, 4 threads), on SQLite and on PostgreSQL (1 and 2 workers).
* ``thin``: the same short write transaction (kiosk lookup, counter ``UPDATE ... RETURNING``, an
  insert) in a small app three ways on PostgreSQL: sync SQLAlchemy inline, the same on
  :class:`central.offload.Offload`, and SQLAlchemy asyncio on psycopg 3's async driver. The async
  driver cannot be tried on the product without rewriting every store function, so it is compared here.

PostgreSQL: ``--db postgresql+psycopg://...`` (a server whose databases this may create and drop),
else a throwaway cluster from Debian's binaries (``tests/pgcluster.py``). Flat-out closed loop,
keep-alive connections (``bench/_central.py``); figures compare only within one run.

    .venv/bin/python bench/central_handlers.py [--seconds 3] [--clients 1,16,32] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import Request  # noqa: E402  (module level: the thin app's annotations name it)

from bench._central import (  # noqa: E402
    Connection,
    central_cmd,
    central_env,
    flat_out,
    free_port,
    percentile,
    run_cli,
)


@contextlib.contextmanager
def _process(command: list[str], port: int, workdir: Path) -> Iterator[None]:
    log = (workdir / f"server-{port}.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, env=central_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: see {log.name} in {workdir}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)  # every worker listening
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _load(port: int, path: str, token: str, body: dict[str, str], seconds: float, clients: int) -> str:
    latencies: list[float] = []
    errors = 0

    async def job(conn: Connection) -> bool:
        nonlocal errors
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, _ = await conn.post(
            path, token, json.dumps({**body, "request_id": uuid.uuid4().hex}).encode()
        )
        latencies.append(loop.time() - started)
        if status not in (200, 201):
            errors += 1
        return status != 599

    elapsed = asyncio.run(flat_out(port, seconds, clients, job))
    rate = len(latencies) / elapsed if elapsed else 0.0
    shown = f"{rate:7.0f} req/s  p99 {percentile(latencies, 0.99):6.1f} ms"
    return shown + (f"  errors {errors}" if errors else "")


def product(
    new_db: Callable[[], str] | None,
    way: str,
    workers: int,
    clients: list[int],
    seconds: float,
    rtt: float = 0,
) -> None:
    """A fresh database per line: tickets left by the previous line would lengthen the queue."""
    label = "sqlite" if new_db is None else "postgresql"
    for n in clients:
        with tempfile.TemporaryDirectory(prefix="bench-handlers-") as tmp:
            workdir = Path(tmp)
            db = new_db() if new_db else str(workdir / "central.db")
            run_cli(workdir, "seed-demo", "--db", db)
            token = run_cli(workdir, "kiosks", "add", "BENCH-K1", "--center", "C01", "--db", db).strip()
            config = workdir / "central.toml"
            config.write_text(f'[server]\nhandlers = "{way}"\nworkers = {workers}\n')
            port = free_port()
            with _behind_delay(db, rtt) if new_db else contextlib.nullcontext(db) as served_db:
                command = central_cmd(
                    "serve", "--config", str(config), "--db", served_db, "--port", str(port)
                )
                with _process(command, port, workdir):
                    figures = _load(port, "/api/v1/tickets", token, {"service_id": "C01-A"}, seconds, n)
        print(
            f"product db={label:10} rtt={rtt:g}ms handlers={way:7} workers={workers} clients={n:2}  {figures}",
            flush=True,
        )


# --- the thin app: one transaction three ways -----------------------------------------------------

THIN_DDL = [
    "CREATE TABLE IF NOT EXISTS bench_kiosks (token TEXT PRIMARY KEY, center TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_counters (center TEXT PRIMARY KEY, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_tickets (request_id TEXT PRIMARY KEY, center TEXT, number INTEGER)",
    "INSERT INTO bench_kiosks VALUES ('t', 'C01') ON CONFLICT DO NOTHING",
    "INSERT INTO bench_counters VALUES ('C01', 0) ON CONFLICT DO NOTHING",
]
THIN_STATEMENTS = (
    "SELECT center FROM bench_kiosks WHERE token = :token",
    "UPDATE bench_counters SET n = n + 1 WHERE center = :center RETURNING n",
    "INSERT INTO bench_tickets VALUES (:rid, :center, :n)",
)


def thin_app(way: str, url: str) -> object:
    """The thin app for ``uvicorn``: ``way`` is inline, threads or async."""
    import sqlalchemy as sa
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import create_async_engine

    from central.offload import Offload

    app = FastAPI()
    select, update, insert = (sa.text(s) for s in THIN_STATEMENTS)
    if way == "async":
        aengine = create_async_engine(url.replace("+psycopg://", "+psycopg_async://"))

        @app.post("/t")
        async def create_async(request: Request) -> dict[str, int]:
            rid = (await request.json())["request_id"]
            async with aengine.begin() as conn:
                center = (await conn.execute(select, {"token": "t"})).scalar_one()
                n = (await conn.execute(update, {"center": center})).scalar_one()
                await conn.execute(insert, {"rid": rid, "center": center, "n": n})
            return {"number": n}

        return app
    engine = sa.create_engine(url)

    @app.post("/t")
    async def create(request: Request) -> dict[str, int]:
        rid = (await request.json())["request_id"]
        with engine.begin() as conn:
            center = conn.execute(select, {"token": "t"}).scalar_one()
            n = conn.execute(update, {"center": center}).scalar_one()
            conn.execute(insert, {"rid": rid, "center": center, "n": n})
        return {"number": n}

    return Offload(app) if way == "threads" else app


def thin(url: str, way: str, clients: list[int], seconds: float, label: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in THIN_DDL:
            conn.execute(sa.text(statement))
    engine.dispose()
    for n in clients:
        port = free_port()
        command = [sys.executable, __file__, "--thin-serve", way, url, str(port)]
        with tempfile.TemporaryDirectory(prefix="bench-thin-") as tmp, _process(command, port, Path(tmp)):
            figures = _load(port, "/t", "t", {}, seconds, n)
        print(
            f"thin    db=postgresql {label} handlers={way:7} workers=1 clients={n:2}  {figures}", flush=True
        )


def _thin_serve(way: str, url: str, port: str) -> None:
    import uvicorn

    uvicorn.run(thin_app(way, url), host="127.0.0.1", port=int(port), log_level="warning", lifespan="off")  # type: ignore[arg-type]


# --- a network between central and PostgreSQL -------------------------------------------------------


def _delay_proxy(target_port: str, listen_port: str, rtt_ms: str) -> None:
    """Forwards TCP to 127.0.0.1:target_port, each chunk delayed by half the round trip each way."""
    delay = float(rtt_ms) / 2000

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        try:
            while data := await reader.read(65536):
                loop.call_later(delay, writer.write, data)  # same delay for all: order is kept
        finally:
            loop.call_later(delay, writer.close)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", int(target_port))
        for sock in (client_w, server_w):
            sock.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w), return_exceptions=True)

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", int(listen_port))
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


@contextlib.contextmanager
def _behind_delay(url: str, rtt_ms: float) -> Iterator[str]:
    """``url`` reached through :func:`_delay_proxy` (a process of its own) when ``rtt_ms`` > 0."""
    import sqlalchemy as sa

    if rtt_ms <= 0:
        yield url
        return
    parsed = sa.make_url(url)
    port = free_port()
    command = [sys.executable, __file__, "--delay-proxy", str(parsed.port), str(port), str(rtt_ms)]
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp, _process(command, port, Path(tmp)):
        delayed = parsed.set(port=port)
        yield delayed.render_as_string(hide_password=False)


_MEASURED: set[float] = set()


def _measured_round_trip(url: str, rtt_ms: float) -> None:
    """Prints once per added delay what a round trip through the proxy really takes (Python, 2 cores)."""
    import sqlalchemy as sa

    if rtt_ms in _MEASURED:
        return
    _MEASURED.add(rtt_ms)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        started = time.perf_counter()
        for _ in range(50):
            conn.execute(sa.text("SELECT 1"))
        took = (time.perf_counter() - started) / 50 * 1000
    engine.dispose()
    print(f"round trip to postgresql measured: {took:.2f} ms (added {rtt_ms:g} ms)", flush=True)


@contextlib.contextmanager
def _postgres(given: str | None) -> Iterator[Callable[[], str] | None]:
    """Yields a maker of fresh, empty databases on the given server or a throwaway cluster."""
    import sqlalchemy as sa

    from tests import pgcluster

    if not given and not pgcluster.available():
        yield None
        return
    with contextlib.ExitStack() as stack:
        server = given or stack.enter_context(pgcluster.running()).url("postgres")
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        made: list[str] = []

        def make() -> str:
            name = f"bench_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE {name}"))
            made.append(name)
            return sa.make_url(server).set(database=name).render_as_string(hide_password=False)

        try:
            yield make
        finally:
            with admin.connect() as conn:
                for name in made:
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--thin-serve":
        _thin_serve(*sys.argv[2:])
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--delay-proxy":
        _delay_proxy(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per line (default 3)")
    parser.add_argument("--clients", default="1,16,32", help="comma-separated (default 1,16,32)")
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument(
        "--rtt-ms",
        type=float,
        default=1.0,
        help="also run PostgreSQL through a TCP proxy adding this round trip (a database on another host; "
        "default 1, 0 to skip)",
    )
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    print(
        f"central handlers bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True
    )
    for way in ("inline", "threads"):
        product(None, way, 1, clients, args.seconds)
    with _postgres(args.db) as pg:
        if pg is None:
            print("postgresql: not installed (bash run.sh test installs it); skipped")
            return
        for rtt in sorted({0.0, args.rtt_ms}):
            print(f"postgresql on loopback, round trip added: {rtt:g} ms", flush=True)
            for way, workers in (("inline", 1), ("threads", 1), ("inline", 2), ("threads", 2)):
                product(pg, way, workers, clients, args.seconds, rtt)
            for way in ("inline", "threads", "async"):
                with _behind_delay(pg(), rtt) as url:
                    _measured_round_trip(url, rtt)
                    thin(url, way, clients, args.seconds, f"rtt={rtt:g}ms")


if __name__ == "__main__":
    main()
