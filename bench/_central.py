"""What the central benches share: a real ``kiosk-central serve`` on loopback and a light HTTP client.

The client is asyncio with hand-written HTTP/1.1 on keep-alive connections, so it costs little
of the second core. The two load shapes are the same for every bench: paced (open loop, latency
counted from when a request was due, so a stalled server cannot hide its queueing delay) and
flat out (closed loop, each connection sends again as soon as its answer is in).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 20_000
"""No bench sends more than this many requests in one run."""


def central_cmd(*args: str) -> list[str]:
    """``BENCH_PROFILE=FILE``: a served central runs under cProfile and writes its figures there
    (one worker only: forked workers leave without writing them)."""
    profile = os.environ.get("BENCH_PROFILE")
    if profile and args[:1] == ("serve",):
        return [sys.executable, "-m", "cProfile", "-o", profile, "-m", "central.cli", *args]
    script = Path(sys.executable).parent / "kiosk-central"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "central.cli", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def central_env() -> dict[str, str]:
    """The environment of a bench's central: this repository, and no operator's settings."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("KIOSK_CENTRAL_CONFIG", None)
    env.pop("KIOSK_CENTRAL_WORKERS", None)  # the bench says how many with --workers
    return env


def run_cli(workdir: Path, *args: str) -> str:
    done = subprocess.run(
        central_cmd(*args), cwd=workdir, env=central_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"kiosk-central {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def seed_with_kiosks(workdir: Path, db: Path | str, centers: Iterable[str]) -> dict[str, str]:
    """Demo data in a fresh database and one kiosk per center; returns each center's kiosk token."""
    run_cli(workdir, "seed-demo", "--db", str(db))
    return {
        c: run_cli(workdir, "kiosks", "add", f"BENCH-{c}", "--center", c, "--db", str(db)).strip()
        for c in centers
    }


def machine_note(port: int, workdir: Path | None, load_before: float) -> str:
    """Other work on this 2-core machine skews the figures: say how busy it was."""
    kept = f" (kept in {workdir})" if workdir else ""
    return (
        f"central: kiosk-central serve on 127.0.0.1:{port}, fresh SQLite database{kept}; "
        f"load average before the run {load_before:.2f} on {os.cpu_count()} cores"
    )


class Server:
    """``kiosk-central serve`` as a child process, stopped with SIGINT like an operator would."""

    def __init__(self, workdir: Path, db: Path | str, workers: int = 1, cmd: list[str] | None = None) -> None:
        """``cmd``: another server to run instead (the bench's thin reference), given ``--port``."""
        self.port = free_port()
        self.log = (workdir / ("thin.log" if cmd else "serve.log")).open("ab")
        serve = ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*cmd, "--port", str(self.port)] if cmd else central_cmd(*serve, "--workers", str(workers)),
            cwd=workdir,
            env=central_env(),
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

    def cpu_seconds(self) -> float:
        """User and system CPU the server has used so far (Linux /proc; nan elsewhere).

        Less swayed than throughput by other work on the machine, so a change can be judged by it.
        """
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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
        """Status and body; 599 when the connection failed, so a bench counts it as an error."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        try:
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
        except (OSError, asyncio.IncompleteReadError):
            return 599, b""

    def close(self) -> None:
        self.writer.close()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of latencies in seconds, in milliseconds (nan for none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def latency_summary(values: Sequence[float]) -> str:
    return (
        f"p50 {percentile(values, 0.50):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms  "
        f"p99 {percentile(values, 0.99):6.1f} ms  max {max(values, default=0) * 1000:6.1f} ms"
    )


async def paced(
    port: int,
    dues: Sequence[float],
    clients: int,
    job: Callable[[Connection, int, float], Awaitable[None]],
) -> float:
    """Open loop: job ``i`` is due ``dues[i]`` seconds after the start and runs on a free connection.

    The job gets the loop time it was due, to count latency from there. Returns the elapsed time.
    """
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(clients):
        pool.put_nowait(await Connection.open(port))
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []

    async def one(i: int, due: float) -> None:
        conn = await pool.get()
        try:
            await job(conn, i, due)
        finally:
            pool.put_nowait(conn)

    for i, offset in enumerate(dues):
        due = start + offset
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    while not pool.empty():
        pool.get_nowait().close()
    return elapsed


async def flat_out(
    port: int, seconds: float, clients: int, job: Callable[[Connection], Awaitable[bool]]
) -> float:
    """Closed loop: each connection runs ``job`` again until time is up or it returns False."""
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + seconds

    async def client() -> None:
        conn = await Connection.open(port)
        try:
            while loop.time() < stop_at and await job(conn):
                pass
        finally:
            conn.close()

    start = loop.time()
    await asyncio.gather(*(client() for _ in range(clients)))
    return loop.time() - start
