"""``kiosk-central serve``: uvicorn in this process, or N worker processes sharing one listening socket.

With several workers the parent binds the port (so ``--port 0`` and the "central listening on"
line work as with one), builds the app once, then forks the workers: each inherits the socket and
the app and serves on its own event loop; the kernel hands each new connection to one of them.
The parent only supervises: it restarts a worker that dies, forwards SIGTERM/SIGINT and waits for
every worker's graceful shutdown (SIGKILL after a grace period), so nothing is left behind. A worker
whose parent dies (even by ``kill -9``) is sent SIGTERM by the kernel (``PR_SET_PDEATHSIG``).

The periodic jobs run once per database whatever the number of workers or hosts: every worker
starts the sweeper, and only the holder of :class:`central.leader.LeaderLock` sweeps. Migrations
run once, in the parent, before the fork (and :func:`central.migrate.upgrade` serialises centrals
starting together on one database).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from central.leader import LeaderLock
from central.offload import Offload

log = logging.getLogger(__name__)

WORKER_HEADER = b"x-central-worker"
"""Which worker answered (1..N): for tests and for telling workers apart in a proxy's log."""
GRACE_S = 15.0
"""How long the parent waits for workers to finish their requests before SIGKILL."""
RESTART_PAUSE_S = 1.0
"""A worker that ended sooner than this after its start is started again only after this pause."""
_PR_SET_PDEATHSIG = 1


def handler_threads(mode: str, threads: int, backend: str) -> int:
    """``[server] handlers``: 0 for inline, else the thread count; "auto" is inline on SQLite only."""
    if mode == "inline" or (mode == "auto" and backend == "sqlite"):
        return 0
    return threads


def default_workers(backend: str) -> int:
    """One on SQLite (a second only waits on the file's write lock), the core count otherwise."""
    return 1 if backend == "sqlite" else max(1, os.cpu_count() or 1)


class _TagWorker:
    """Adds :data:`WORKER_HEADER` to every HTTP answer (ASGI, so no router is touched)."""

    def __init__(self, app: ASGIApp, worker: int) -> None:
        self.app = app
        self.value = str(worker).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tagged(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (WORKER_HEADER, self.value)]
            await send(message)

        await self.app(scope, receive, tagged)


@dataclass
class Serving:
    """What one ``serve`` needs: the app, its engine, where to listen, and how to announce it."""

    app: FastAPI
    engine: Engine
    host: str
    port: int
    log_level: str
    public_url: str | None
    handler_threads: int = 0
    """0: handlers run inline on the event loop; N: on N threads (:class:`central.offload.Offload`)."""
    stop_signals: list[int] = field(default_factory=list)

    def config(self, worker: int) -> Any:
        import uvicorn

        app: ASGIApp = self.app
        if self.handler_threads and worker:  # worker 0: the parent binding the socket, serves nothing
            app = Offload(app, self.handler_threads)
        return uvicorn.Config(
            _TagWorker(app, worker),
            host=self.host,
            port=self.port,
            log_level=self.log_level.lower(),
            access_log=self.log_level == "DEBUG",  # a fleet polling every few seconds would drown the log
            lifespan="off",
            timeout_graceful_shutdown=10,
            server_header=False,
        )

    def announce(self, bound: int) -> None:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        if not self.public_url:
            self.app.state.central.links.public_url = f"http://{shown}:{bound}"
        print(f"central listening on http://{shown}:{bound}", file=sys.stderr, flush=True)

    def run_worker(self, worker: int, sock: socket.socket | None) -> int:
        """Serve until SIGTERM/SIGINT; with ``sock`` None bind (and announce) here. Exit code."""
        import uvicorn

        serving = self
        sweeper = self.app.state.sweeper
        sweeper.leader = LeaderLock(self.engine)
        writer = self.app.state.ticket_writer

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets)
                # No await between binding and this line: it is out before the first request is served.
                if self.started and self.servers:
                    if sock is None:
                        serving.announce(self.servers[0].sockets[0].getsockname()[1])
                    sweeper.start()  # a thread: its write transactions never block the event loop
                    if serving.handler_threads and worker:  # handlers on threads: one writer for them all
                        writer.use_thread()

        server = Server(self.config(worker))

        def note_stop(signum: int, _frame: FrameType | None) -> None:
            # Also called when uvicorn re-raises the signal after its graceful shutdown: no traceback, exit 0.
            self.stop_signals.append(signum)
            server.should_exit = True

        previous: dict[int, Any] = {s: signal.signal(s, note_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            asyncio.run(server.serve(sockets=None if sock is None else [sock]))
        except SystemExit:  # uvicorn exits this way when it cannot bind; it has logged why
            print(f"kiosk-central: cannot listen on {self.host}:{self.port}", file=sys.stderr)
            return 1
        finally:
            sweeper.stop()
            writer.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.engine.dispose()
        return 0

    def run(self, workers: int) -> int:
        """One worker in this process, or a supervisor of ``workers`` forked ones."""
        # Everything made so far (modules, routes, compiled statements) lives as long as the process:
        # freezing it keeps the full garbage collections that do come from walking it all again,
        # which took up to 65 ms on the event loop (measured under load); forked workers share it.
        gc.collect()
        gc.freeze()
        code = self.run_worker(1, None) if workers <= 1 else self._supervise(workers)
        if code == 0 and self.stop_signals:
            print(f"central stopped ({signal.Signals(self.stop_signals[0]).name})", file=sys.stderr)
        return code

    def _supervise(self, workers: int) -> int:
        try:
            sock = self.config(0).bind_socket()
        except SystemExit:
            print(f"kiosk-central: cannot listen on {self.host}:{self.port}", file=sys.stderr)
            return 1
        self.announce(sock.getsockname()[1])
        self.engine.dispose()  # no pooled connection may be shared across the fork
        stopping: list[int] = []
        children: dict[int, int] = {}

        def note_stop(signum: int, _frame: FrameType | None) -> None:
            if not stopping:
                for pid in children:
                    _signal(pid, signal.SIGTERM)
            stopping.append(signum)

        previous: dict[int, Any] = {s: signal.signal(s, note_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            started: dict[int, float] = {}
            for worker in range(1, workers + 1):
                children[self._fork(worker, sock)] = worker
                started[worker] = time.monotonic()
            print(
                f"central: {workers} workers (pids {' '.join(map(str, children))})",
                file=sys.stderr,
                flush=True,
            )
            deadline: float | None = None
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    if stopping and deadline is None:
                        deadline = time.monotonic() + GRACE_S
                    if deadline is not None and time.monotonic() > deadline:
                        for left in children:
                            _signal(left, signal.SIGKILL)
                        deadline = float("inf")
                    time.sleep(0.05)
                    continue
                worker = children.pop(pid, 0)
                if worker and not stopping:
                    log.error("worker %d (pid %d) ended (status %d): starting it again", worker, pid, status)
                    if time.monotonic() - started.get(worker, 0.0) < RESTART_PAUSE_S:
                        time.sleep(RESTART_PAUSE_S)  # one that dies at start (database away) must not spin
                    if not stopping:
                        children[self._fork(worker, sock)] = worker
                        started[worker] = time.monotonic()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            sock.close()
        self.stop_signals.extend(stopping)
        return 0

    def _fork(self, worker: int, sock: socket.socket) -> int:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(0)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = self.run_worker(worker, sock)
        except BaseException:
            log.exception("worker %d failed", worker)
        finally:
            sys.stderr.flush()
            os._exit(code)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
