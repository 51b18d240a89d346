"""The failover drill's rig: two centrals on one database behind haproxy, kiosks issuing through it.

Why a proxy and not two addresses in each kiosk: a bank runs the kiosks' network, TLS and the
central's address as one service name; the proxy's health checks take a dead central out for
every kiosk at once (300 ms checks here), a second central is added or swapped without touching
a single kiosk, and the kiosks' retry-with-the-same-id rules stay as they are (a 502 or a reset
from the proxy is an "unknown" outcome like any other). haproxy retries only connections that
failed before the request went out (its default ``retry-on conn-failure``), so it never sends a
ticket twice on its own.

Used by ``tests/e2e/test_failover.py`` (asserts) and ``bench/failover.py`` (prints the figures).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from central.db import database_url
from kiosk.config import load
from kiosk.context import KioskContext, build
from kiosk.services.appeals import AppealForm
from service_common.clock import SystemClock
from tests import pgcluster
from tests.conftest import free_port, venv_bin

HAPROXY_CFG = """\
global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 5s
    retries 2
    option redispatch
    option httpchk GET /health
    default-server inter 300ms fall 2 rise 2
frontend kiosks
    bind 127.0.0.1:{port}
    default_backend centrals
backend centrals
    balance roundrobin
{servers}
"""
TZ = "Europe/Moscow"


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )


def _wait(what: str, ready: object, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        time.sleep(0.05)
    raise AssertionError(what + (": " + log.read_text() if log else ""))


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=0.5).status_code == 200
    except httpx.TransportError:
        return False


def _cli(*args: str) -> str:
    done = subprocess.run(
        [venv_bin("kiosk-central"), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Central:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Rig:
    db: str
    workdir: Path
    centrals: list[Central] = field(default_factory=list)
    proxy_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def start_central(self, name: str) -> Central:
        port = free_port()
        log = self.workdir / f"central-{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [venv_bin("kiosk-central"), "serve", "--db", self.db, "--port", str(port), "--workers", "1"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={k: v for k, v in os.environ.items() if k != "KIOSK_CENTRAL_CONFIG"},
            )
        central = Central(name, port, process, log)
        self.centrals.append(central)
        _wait(f"central {name} healthy", lambda: _healthy(central.url), 30, log)
        return central

    def kiosk(self, kiosk_id: str, center_id: str) -> KioskContext:
        config = load(None, {"KIOSK_DATA_DIR": str(self.workdir / kiosk_id)})
        config.kiosk.id = kiosk_id
        config.kiosk.center_id = center_id
        config.central.url = self.url
        config.central.token = _cli("kiosks", "add", kiosk_id, "--center", center_id, "--db", self.db).strip()
        config.central.connect_timeout_s = 0.5
        config.central.read_timeout_s = 2.0
        config.central.patience_s = 1.5
        ctx = build(config, SystemClock(TZ))
        assert ctx.info.refresh()
        assert ctx.appeals.refresh_serial()
        assert ctx.queue.top_up_leases()
        return ctx


@contextmanager
def database(workdir: Path) -> Iterator[str]:
    """PostgreSQL when ``CENTRAL_TEST_DB=postgresql`` (a throwaway cluster), else one SQLite file."""
    if os.environ.get("CENTRAL_TEST_DB", "sqlite") == "postgresql":
        with pgcluster.running() as cluster:
            yield cluster.database(template=None)
        return
    yield str(workdir / "central.db")


@contextmanager
def rig(workdir: Path) -> Iterator[Rig]:
    """Seeded database, centrals ``a`` and ``b``, haproxy in front; everything stopped at the end."""
    binary = haproxy_binary()
    assert binary, "haproxy is not installed (bash run.sh test installs it)"
    with ExitStack() as stack, database(workdir) as db:
        _cli("seed-demo", "--db", db)
        r = Rig(db, workdir)
        stack.callback(_stop_all, r)
        for name in ("a", "b"):
            r.start_central(name)
        r.proxy_port = free_port()
        servers = "\n".join(f"    server {c.name} 127.0.0.1:{c.port} check" for c in r.centrals)
        cfg = workdir / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(port=r.proxy_port, servers=servers))
        proxy_log = workdir / "haproxy.log"
        with proxy_log.open("wb") as out:
            proxy = subprocess.Popen([binary, "-db", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT)
        stack.callback(_stop, proxy)
        _wait("haproxy up", lambda: _healthy(r.url), 15, proxy_log)
        yield r


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stop_all(r: Rig) -> None:
    for central in r.centrals:
        _stop(central.process)


# ----- the drill -----------------------------------------------------------------------------


@dataclass
class Issued:
    kiosk_id: str
    request_id: str
    display: str
    offline: bool
    at: float


@dataclass
class DrillResult:
    issued: list[Issued]
    appeals: list[str]
    online_times: list[float]
    killed_at: float
    unsynced: int
    tickets_at_central: dict[str, list[str]]
    appeals_at_central: dict[str, int]

    @property
    def longest_gap_s(self) -> float:
        """The longest time without a ticket answered by central (online), across the kill."""
        times = sorted(self.online_times)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)

    @property
    def served_again_after_s(self) -> float:
        after = [t for t in sorted(self.online_times) if t > self.killed_at]
        return after[0] - self.killed_at if after else float("inf")

    @property
    def lost(self) -> int:
        tickets = sum(1 for t in self.issued if t.request_id not in self.tickets_at_central)
        return tickets + sum(1 for n in self.appeals if n not in self.appeals_at_central)

    @property
    def duplicated(self) -> int:
        tickets = sum(len(v) - 1 for v in self.tickets_at_central.values() if len(v) > 1)
        return tickets + sum(n - 1 for n in self.appeals_at_central.values() if n > 1)

    @property
    def renumbered(self) -> int:
        """Tickets whose number at central differs from the one the kiosk printed."""
        return sum(
            1 for t in self.issued if self.tickets_at_central.get(t.request_id, [t.display])[0] != t.display
        )

    def summary(self) -> str:
        online = sum(1 for t in self.issued if not t.offline)
        return (
            f"tickets {len(self.issued)} ({online} online, {len(self.issued) - online} from leases), "
            f"appeals {len(self.appeals)}; served again {self.served_again_after_s:.2f} s after kill -9; "
            f"longest gap in service {self.longest_gap_s:.2f} s; "
            f"lost {self.lost}, duplicated {self.duplicated}, renumbered {self.renumbered}"
        )


def complaint(i: int) -> AppealForm:
    return AppealForm(
        kind="question",
        name="Анна Петрова",
        phone="+7 912 345-67-89",
        text=f"Вопрос о вкладе {i}",
        topic="cards",
    )


def run_drill(
    r: Rig, kiosks: int = 2, before_s: float = 3.0, after_s: float = 9.0, pace_s: float = 0.05
) -> DrillResult:
    """Kiosks issue and sync for ``before_s``, central ``a`` is killed with ``kill -9``, they go on."""
    contexts = [r.kiosk(f"KIOSK-FAILOVER-{i + 1}", "C01") for i in range(kiosks)]
    issued: list[Issued] = []
    appeals: list[str] = []
    online_times: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    def work(ctx: KioskContext, kiosk_id: str) -> None:
        i = 0
        try:
            while not stop.is_set():
                ticket = ctx.queue.take_ticket("C01-A" if i % 2 else "C01-B")
                now = time.monotonic()
                with lock:
                    issued.append(Issued(kiosk_id, ticket.request_id, ticket.display, ticket.offline, now))
                    if not ticket.offline:
                        online_times.append(now)
                if i % 5 == 0:
                    filed = ctx.appeals.file(complaint(i), "ru")
                    with lock:
                        appeals.append(filed.number)
                if i % 3 == 0:
                    ctx.sender.send()
                    ctx.queue.top_up_leases()
                i += 1
                stop.wait(pace_s)  # a kiosk's visitors are not a load generator
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(ctx, f"KIOSK-FAILOVER-{n + 1}"), daemon=True)
        for n, ctx in enumerate(contexts)
    ]
    for t in threads:
        t.start()
    time.sleep(before_s)
    killed_at = time.monotonic()
    r.centrals[0].process.send_signal(signal.SIGKILL)
    r.centrals[0].process.wait()
    time.sleep(after_s)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    unsynced = 0
    for ctx in contexts:
        for _ in range(5):
            ctx.sender.outbox.retry_now()
            if ctx.sender.send() and not ctx.sender.outbox.pending_count():
                break
        unsynced += ctx.sender.outbox.pending_count()
        ctx.close()
    return DrillResult(
        issued,
        appeals,
        online_times,
        killed_at,
        unsynced,
        *_at_central(r.db, [f"KIOSK-FAILOVER-{n + 1}" for n in range(kiosks)]),
    )


def _at_central(db: str, kiosk_ids: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    from central.db import tickets
    from central.queue.engine import display

    engine = sa.create_engine(database_url(db))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(tickets.c.request_id, tickets.c.prefix, tickets.c.number).where(
                    tickets.c.kiosk_id.in_(kiosk_ids)
                )
            ).all()
            appeal_rows = conn.execute(sa.text("SELECT number, count(*) FROM appeals GROUP BY number")).all()
    finally:
        engine.dispose()
    by_request: dict[str, list[str]] = {}
    for row in rows:
        by_request.setdefault(row.request_id, []).append(display(row.prefix, row.number))
    return by_request, {str(n): int(c) for n, c in appeal_rows}
