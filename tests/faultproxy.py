"""A fault-injecting HTTP/1.1 proxy for tests: lose an answer after the request reached the server.

A kiosk must tell "central never saw this request" (safe to go offline) from "central may have acted
on it" (repeat the same request id). This proxy sits on a free loopback port in front of a real
server and, per request, forwards it or breaks the exchange at a chosen point, and logs whether the
request was forwarded, so a test can check both what the client concluded and what the server saw.

    with FaultProxy(("127.0.0.1", port)) as proxy:
        proxy.add_rule(Mode.RESET_AFTER_REQUEST, method="POST", path="/api/v1/tickets", times=1)
        proxy.set_chaos({Mode.STALL: 0.1, Mode.RESET_MID_RESPONSE: 0.1}, seed=7)
        proxy.down = True  # new connections are refused, idle ones closed: a stopped server
        ... client talks to proxy.url ...
        assert proxy.log[-1].forwarded

Each client connection gets a thread; each request a fresh upstream connection (so a stale upstream
keep-alive never muddies "forwarded"). ``forwarded`` is set once the whole request was written to
upstream's socket. If upstream itself is unreachable, ``pass`` answers 502 (as a gateway does) with
``forwarded`` false; to look like a stopped central, set ``down`` instead. Rules are tried in order,
then the chaos mix; the mix draws in request arrival order, so it replays exactly only when the
matched requests come from one thread (scope it with ``method``/``path``). Stdlib only.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from tests.faultproxy_rules import Chaos, Counts, Exchange, Mode, PathMatcher, Rule, count, report
from tests.faultproxy_wire import (
    BAD_GATEWAY_HTML,
    CAPTIVE_PORTAL_HTML,
    UNAVAILABLE_HTML,
    BufferedSocket,
    PeerClosed,
    Request,
    Response,
    cut_response,
    html_response,
    read_request,
    read_response,
)

__all__ = ["Counts", "Exchange", "FaultProxy", "Mode", "PathMatcher", "Rule"]

POLL_S = 0.05


@dataclass(eq=False)  # hashed by identity: kept in a set
class _Link:
    """One client connection and the state the proxy needs to close it from outside."""

    client: socket.socket
    state: str = "idle"  # idle (waiting for a request), busy, or finishing (answered, about to wait)
    upstream: socket.socket | None = None
    sockets_lock: threading.Lock = field(default_factory=threading.Lock)

    def shut(self) -> None:
        with self.sockets_lock:
            for sock in (self.client, self.upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)


def _reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0), as a crashed or impatient middlebox does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    """A TCP proxy on 127.0.0.1 that applies a fault per HTTP request; see the module doc."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        connect_timeout_s: float = 2.0,
        upstream_timeout_s: float = 10.0,
        idle_timeout_s: float = 30.0,
        stall_limit_s: float = 60.0,
    ) -> None:
        self.upstream = upstream
        self.connect_timeout_s = connect_timeout_s
        self.upstream_timeout_s = upstream_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.stall_limit_s = stall_limit_s
        self.port = 0
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._chaos: Chaos | None = None
        self._log: list[Exchange] = []
        self._links: set[_Link] = set()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._down = False
        self._stopping = threading.Event()
        self._accept_thread: threading.Thread | None = None
        self.connections_accepted = 0

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._listener = self._listen(0)
        self.port = int(self._listener.getsockname()[1])
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="faultproxy-accept", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop accepting, cut every connection (stalled ones too) and join every thread."""
        self._stopping.set()
        with self._lock:
            links = list(self._links)
        for link in links:
            link.shut()
        deadline = time.monotonic() + timeout_s
        if self._accept_thread is not None:
            self._accept_thread.join(timeout_s)
        with self._lock:
            threads = [t for t in (self._accept_thread,) if t is not None] + self._threads
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in threads if t.is_alive()]
        if alive:
            raise RuntimeError(f"fault proxy threads still running after {timeout_s} s: {alive}")

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what to do ----------------------------------------------------------------------------

    def add_rule(
        self, mode: Mode | str, method: str | None = None, path: PathMatcher = None, times: int | None = None
    ) -> Rule:
        """Apply ``mode`` to matching requests; rules are tried in order, before the chaos mix."""
        rule = Rule(Mode(mode), method, path, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def set_rule(
        self, mode: Mode | str, method: str | None = None, path: PathMatcher = None, times: int | None = None
    ) -> Rule:
        """Replace every rule with this one."""
        self.clear_rules()
        return self.add_rule(mode, method, path, times)

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def set_chaos(
        self,
        mix: Mapping[Mode, float] | Mapping[str, float],
        seed: int,
        method: str | None = None,
        path: PathMatcher = None,
    ) -> None:
        """Requests that no rule takes draw a mode from ``mix`` (the rest of 1.0 passes)."""
        items = [(Mode(mode), float(p)) for mode, p in mix.items()]
        if any(p < 0 for _, p in items) or sum(p for _, p in items) > 1.0 + 1e-9:
            raise ValueError(f"chaos probabilities must be >= 0 and sum to at most 1: {mix}")
        with self._lock:
            self._chaos = Chaos(items, random.Random(seed), Rule(Mode.PASS, method, path))

    def clear_chaos(self) -> None:
        with self._lock:
            self._chaos = None

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        """Down: the port refuses connections and idle keep-alive connections are closed."""
        with self._lock:
            self._down = value
        deadline = time.monotonic() + 2.0
        if value:
            self._shut_idle_links(deadline)
        while (self._listener is None) != value:  # the accept thread closes or reopens the port
            if time.monotonic() > deadline:
                raise RuntimeError("fault proxy did not change its listening state in 2 s")
            time.sleep(POLL_S / 5)

    # -- what happened -------------------------------------------------------------------------

    @property
    def log(self) -> list[Exchange]:
        with self._lock:
            return [replace(exchange) for exchange in self._log]

    def counts_by_mode(self) -> dict[str, Counts]:
        return count(self.log, lambda e: e.mode.value)

    def counts_by_path(self) -> dict[str, Counts]:
        """Keyed by path alone (no method, no query string)."""
        return count(self.log, lambda e: e.path)

    def report(self) -> str:
        """The counts per mode and per path as a printable table."""
        return report(self.log)

    def forwarded(self, method: str, path: str) -> int:
        """How many ``method path`` requests reached upstream whole."""
        return sum(1 for e in self.log if e.forwarded and e.method == method and e.path == path)

    # -- inside --------------------------------------------------------------------------------

    def _shut_idle_links(self, deadline: float) -> None:
        """Close idle keep-alive connections, waiting out those that are just done answering."""
        done: set[_Link] = set()
        while time.monotonic() < deadline:
            with self._lock:
                idle = [link for link in self._links if link.state == "idle" and link not in done]
                finishing = any(link.state == "finishing" for link in self._links)
            for link in idle:
                link.shut()
                done.add(link)
            if not finishing:
                return
            time.sleep(POLL_S / 10)

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        return listener

    def _accept_loop(self) -> None:
        try:
            while not self._stopping.is_set():
                if self._down != (self._listener is None):
                    if self._down:
                        assert self._listener is not None
                        self._listener.close()
                        self._listener = None
                    else:
                        try:
                            self._listener = self._listen(self.port)
                        except OSError:  # the port is briefly taken; `down = False` reports a failure
                            self._stopping.wait(POLL_S)
                            continue
                if self._listener is None:
                    self._stopping.wait(POLL_S / 5)
                    continue
                readable, _, _ = select.select([self._listener], [], [], POLL_S / 5)
                if not readable:
                    continue
                client, _ = self._listener.accept()
                client.settimeout(self.idle_timeout_s)
                link = _Link(client)
                thread = threading.Thread(
                    target=self._serve, args=(link,), name="faultproxy-conn", daemon=True
                )
                with self._lock:
                    self.connections_accepted += 1
                    self._links.add(link)
                    self._threads = [t for t in self._threads if t.is_alive()]
                    self._threads.append(thread)
                thread.start()
        finally:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    def _choose(self, request: Request) -> Exchange:
        path = request.path.split("?", 1)[0]
        with self._lock:
            mode = Mode.PASS
            if self._down or self._stopping.is_set():
                mode = Mode.REFUSE
            else:
                rule = next((r for r in self._rules if r.matches(request.method, path)), None)
                if rule is not None:
                    mode = rule.mode
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                elif self._chaos is not None and self._chaos.scope.matches(request.method, path):
                    mode = self._chaos.draw()
            exchange = Exchange(request.method, path, mode)
            self._log.append(exchange)
        return exchange

    def _serve(self, link: _Link) -> None:
        client = BufferedSocket(link.client)
        try:
            while not self._stopping.is_set():
                with self._lock:
                    if self._down and not client.buffer:
                        return  # a stopped server does not keep idle connections
                    link.state = "idle" if not client.buffer else "busy"
                try:
                    request = read_request(client)
                except PeerClosed:
                    return
                link.state = "busy"
                exchange = self._choose(request)
                if not self._handle(link, client, request, exchange):
                    return
        except OSError:
            return  # the client went away while being answered
        finally:
            with self._lock:
                self._links.discard(link)
            with link.sockets_lock:
                if link.upstream is not None:
                    link.upstream.close()
                link.client.close()  # a no-op when already reset

    def _forward(self, link: _Link, request: Request, exchange: Exchange) -> Response | None:
        """Send the request on a fresh upstream connection and read the whole answer (None: none)."""
        try:
            upstream = socket.create_connection(self.upstream, timeout=self.connect_timeout_s)
        except OSError:
            return None
        upstream.settimeout(self.upstream_timeout_s)
        with link.sockets_lock:
            link.upstream = upstream
        try:
            upstream.sendall(request.raw)
            with self._lock:
                exchange.forwarded = True
            response = read_response(BufferedSocket(upstream), request.method)
        except (OSError, PeerClosed):
            return None
        finally:
            with link.sockets_lock:
                link.upstream = None
                upstream.close()
        with self._lock:
            exchange.upstream_status = response.status
        return response

    def _answer(self, link: _Link, data: bytes, exchange: Exchange) -> None:
        # Marked first: the client may read the answer, and a test the log, before sendall returns.
        with self._lock:
            exchange.answered = True
            link.state = "finishing"  # `down` waits for this answer before closing the connection
        try:
            link.client.sendall(data)
        except OSError:
            with self._lock:
                exchange.answered = False
            raise

    def _handle(self, link: _Link, client: BufferedSocket, request: Request, exchange: Exchange) -> bool:
        """Apply the exchange's mode; False when the client connection is finished."""
        mode = exchange.mode
        if mode is Mode.REFUSE:
            return False  # closed (FIN) without an answer by the caller
        if mode is Mode.UNAVAILABLE_NO_FORWARD:
            self._answer(
                link, html_response(503, "Service Temporarily Unavailable", UNAVAILABLE_HTML), exchange
            )
            return request.keep_alive
        response = self._forward(link, request, exchange)
        if mode is Mode.PASS:
            if response is None:
                self._answer(link, html_response(502, "Bad Gateway", BAD_GATEWAY_HTML, False), exchange)
                return False
            self._answer(link, response.raw, exchange)
            return request.keep_alive and response.keep_alive
        if mode is Mode.RESET_AFTER_REQUEST:
            _reset(link.client)
            return False
        if mode is Mode.BAD_GATEWAY_AFTER_REQUEST:
            self._answer(link, html_response(502, "Bad Gateway", BAD_GATEWAY_HTML), exchange)
            return request.keep_alive
        if mode is Mode.HTML_200:
            self._answer(link, html_response(200, "OK", CAPTIVE_PORTAL_HTML), exchange)
            return request.keep_alive
        if mode is Mode.RESET_MID_RESPONSE:
            if response is not None:
                link.client.sendall(cut_response(response))
                self._stopping.wait(POLL_S)  # let the client read the first part before the RST
            _reset(link.client)
            return False
        assert mode is Mode.STALL
        self._stall(link.client)
        return False

    def _stall(self, sock: socket.socket) -> None:
        """Send nothing until the client closes, the proxy stops, or the stall limit passes."""
        deadline = time.monotonic() + self.stall_limit_s
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([sock], [], [], POLL_S)
                if readable and not sock.recv(65536):
                    return
            except OSError:
                return
