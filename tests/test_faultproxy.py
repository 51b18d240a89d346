"""The fault proxy does what each mode says: what a requests client sees, and what upstream saw."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.faultproxy import FaultProxy, Mode

TIMEOUT = (1.0, 2.0)
BIG = b"x" * 20_000


@dataclass
class Upstream:
    """A tiny HTTP/1.1 keep-alive server that records every request it got."""

    server: ThreadingHTTPServer
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", int(self.server.server_address[1]))

    def paths(self) -> list[str]:
        return [f"{method} {path}" for method, path, _ in self.seen]


def _make_handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 5

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            upstream.seen.append((self.command, self.path, body))
            if self.path == "/chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in (b"hello ", b"chunked ", b"world"):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                return
            payloads = {"/big": BIG, "/empty": b""}
            payload = payloads.get(self.path, json.dumps({"n": len(upstream.seen)}).encode())
            status = 201 if self.command == "POST" else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    up = Upstream(server)
    server.RequestHandlerClass = _make_handler(up)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield up
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.address, upstream_timeout_s=3.0) as p:
        yield p


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests -> urllib3 -> OSError)."""
    out: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or any(item is seen for seen in out):
            continue
        out.append(item)
        stack += [item.__cause__, item.__context__]
        stack += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
        stack.append(getattr(item, "reason", None))
    return out


def _has(exc: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(e, kind) for e in _chain(exc)) or kind.__name__ in repr(exc)


def test_pass_forwards_both_ways_on_one_keep_alive_connection(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    assert session.get(proxy.url + "/a?x=1", timeout=TIMEOUT).json() == {"n": 1}
    answer = session.post(proxy.url + "/api/v1/tickets", json={"id": "r1"}, timeout=TIMEOUT)
    assert answer.status_code == 201
    assert session.get(proxy.url + "/big", timeout=TIMEOUT).content == BIG
    assert session.get(proxy.url + "/chunked", timeout=TIMEOUT).content == b"hello chunked world"

    assert upstream.seen[1] == ("POST", "/api/v1/tickets", b'{"id": "r1"}')
    assert upstream.seen[0][1] == "/a?x=1"
    assert proxy.connections_accepted == 1
    assert [(e.method, e.path, e.mode, e.forwarded, e.upstream_status) for e in proxy.log] == [
        ("GET", "/a", Mode.PASS, True, 200),
        ("POST", "/api/v1/tickets", Mode.PASS, True, 201),
        ("GET", "/big", Mode.PASS, True, 200),
        ("GET", "/chunked", Mode.PASS, True, 200),
    ]


def test_refuse_closes_without_forwarding(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.add_rule(Mode.REFUSE, method="POST", path="/api/v1/tickets")
    with pytest.raises(requests.ConnectionError):
        session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
    assert upstream.seen == []
    assert session.get(proxy.url + "/other", timeout=TIMEOUT).ok  # a new connection, passed
    entry = proxy.log[0]
    assert (entry.mode, entry.forwarded, entry.answered) == (Mode.REFUSE, False, False)
    assert proxy.forwarded("POST", "/api/v1/tickets") == 0


def test_down_refuses_connections_and_drops_idle_ones(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    assert session.get(proxy.url + "/before", timeout=TIMEOUT).ok  # leaves an idle pooled connection
    proxy.down = True
    with pytest.raises(requests.ConnectionError) as caught:
        session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
    assert _has(caught.value, ConnectionRefusedError), repr(caught.value)
    assert upstream.paths() == ["GET /before"]

    proxy.down = False
    assert session.get(proxy.url + "/after", timeout=TIMEOUT).ok
    assert upstream.paths() == ["GET /before", "GET /after"]


def test_reset_after_request_reaches_upstream_then_resets(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.add_rule(Mode.RESET_AFTER_REQUEST, path="/api/v1/tickets")
    with pytest.raises(requests.ConnectionError) as caught:
        session.post(proxy.url + "/api/v1/tickets", json={"id": "r2"}, timeout=TIMEOUT)
    assert _has(caught.value, ConnectionResetError), repr(caught.value)
    assert upstream.seen == [("POST", "/api/v1/tickets", b'{"id": "r2"}')]
    entry = proxy.log[0]
    assert (entry.forwarded, entry.upstream_status, entry.answered) == (True, 201, False)


def test_502_after_request_reaches_upstream_and_answers_html(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.add_rule("502_after_request", method="POST")
    answer = session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
    assert answer.status_code == 502
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in answer.text
    assert upstream.paths() == ["POST /api/v1/tickets"]
    assert session.get(proxy.url + "/next", timeout=TIMEOUT).ok
    assert proxy.connections_accepted == 1  # the 502 kept the connection, as nginx does


def test_503_no_forward_never_reaches_upstream(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.add_rule(Mode.UNAVAILABLE_NO_FORWARD)
    answer = session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
    assert answer.status_code == 503
    assert "503" in answer.text
    assert upstream.seen == []
    assert proxy.log[0].forwarded is False
    assert proxy.log[0].answered is True


def test_reset_mid_response_sends_part_then_resets(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.add_rule(Mode.RESET_MID_RESPONSE)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)) as caught:
        session.get(proxy.url + "/big", timeout=TIMEOUT)
    assert _has(caught.value, ConnectionResetError), repr(caught.value)
    # Note for clients: requests raises ChunkedEncodingError here, which is not a ConnectionError.
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
    # An answer without a body is cut after its status line: a plain ConnectionError.
    with pytest.raises(requests.ConnectionError) as caught:
        session.get(proxy.url + "/empty", timeout=TIMEOUT)
    assert _has(caught.value, ConnectionResetError), repr(caught.value)
    assert upstream.paths() == ["GET /big", "POST /api/v1/tickets", "GET /empty"]
    assert [e.forwarded for e in proxy.log] == [True, True, True]


def test_stall_holds_until_client_times_out_and_stop_releases_it(
    upstream: Upstream, session: requests.Session
) -> None:
    proxy = FaultProxy(upstream.address).start()
    try:
        proxy.add_rule(Mode.STALL)
        started = time.monotonic()
        with pytest.raises(requests.ReadTimeout):
            session.post(proxy.url + "/api/v1/tickets", json={}, timeout=(1.0, 0.3))
        assert time.monotonic() - started < 2
        assert upstream.paths() == ["POST /api/v1/tickets"]
        assert proxy.log[0].forwarded is True
        # A second client that never gives up is released when the proxy stops.
        released: list[BaseException] = []

        def hold() -> None:
            try:
                requests.get(proxy.url + "/held", timeout=(1.0, 10.0))
            except requests.RequestException as exc:
                released.append(exc)

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()
        deadline = time.monotonic() + 2
        while len(upstream.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        started = time.monotonic()
        proxy.stop()
    assert time.monotonic() - started < 1
    holder.join(2)
    assert not holder.is_alive()
    assert isinstance(released[0], requests.ConnectionError), released


def test_html_200_is_a_captive_portal_page(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.add_rule(Mode.HTML_200, path="/api/*")
    answer = session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()
    assert upstream.paths() == ["POST /api/v1/tickets"]


def test_rules_match_in_order_count_down_and_change_while_running(
    proxy: FaultProxy, session: requests.Session
) -> None:
    proxy.add_rule(Mode.UNAVAILABLE_NO_FORWARD, method="POST", path="/api/v1/tickets", times=2)
    proxy.add_rule(Mode.BAD_GATEWAY_AFTER_REQUEST, path="/api/*")
    statuses = [
        session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT).status_code for _ in range(3)
    ]
    assert statuses == [503, 503, 502]
    assert session.get(proxy.url + "/health", timeout=TIMEOUT).status_code == 200
    proxy.set_rule(Mode.UNAVAILABLE_NO_FORWARD, path="/health")
    assert session.get(proxy.url + "/health", timeout=TIMEOUT).status_code == 503
    proxy.clear_rules()
    assert session.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT).status_code == 201

    by_mode = proxy.counts_by_mode()
    assert (by_mode["503_no_forward"].seen, by_mode["503_no_forward"].forwarded) == (3, 0)
    assert (by_mode["502_after_request"].forwarded, by_mode["pass"].answered) == (1, 2)
    tickets = proxy.counts_by_path()["/api/v1/tickets"]
    assert (tickets.seen, tickets.forwarded, tickets.answered) == (4, 2, 4)
    table = proxy.report().splitlines()
    assert any(line.split() == ["path", "POST", "/api/v1/tickets", "4", "2", "4"] for line in table), table


def _chaos_run(upstream: Upstream, seed: int, requests_n: int) -> list[Mode]:
    mix = {Mode.UNAVAILABLE_NO_FORWARD: 0.3, Mode.BAD_GATEWAY_AFTER_REQUEST: 0.2, Mode.HTML_200: 0.1}
    with FaultProxy(upstream.address) as proxy, requests.Session() as s:
        proxy.set_chaos(mix, seed=seed, method="POST")
        for _ in range(requests_n):
            s.post(proxy.url + "/api/v1/tickets", json={}, timeout=TIMEOUT)
            s.get(proxy.url + "/health", timeout=TIMEOUT)  # not matched: always passes
        assert {e.mode for e in proxy.log if e.method == "GET"} == {Mode.PASS}
        return [e.mode for e in proxy.log if e.method == "POST"]


def test_chaos_mix_is_seeded(upstream: Upstream) -> None:
    first = _chaos_run(upstream, seed=11, requests_n=60)
    assert first == _chaos_run(upstream, seed=11, requests_n=60)
    assert first != _chaos_run(upstream, seed=12, requests_n=60)
    assert set(first) == {
        Mode.PASS,
        Mode.UNAVAILABLE_NO_FORWARD,
        Mode.BAD_GATEWAY_AFTER_REQUEST,
        Mode.HTML_200,
    }
    with pytest.raises(ValueError):
        FaultProxy(upstream.address).set_chaos({Mode.STALL: 0.7, Mode.REFUSE: 0.5}, seed=1)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_every_mode_leaves_no_thread_or_socket_behind(upstream: Upstream) -> None:
    threads_before = threading.active_count()
    fds_before = _open_fds()
    with FaultProxy(upstream.address) as proxy:
        for mode in Mode:
            proxy.set_rule(mode)
            with requests.Session() as s, contextlib.suppress(requests.RequestException):
                s.post(proxy.url + "/api/v1/tickets", json={}, timeout=(1.0, 0.3))
        proxy.down = True
        proxy.down = False
    deadline = time.monotonic() + 2
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.02)  # the upstream server's handler threads end once their connection closes
    assert threading.active_count() == threads_before
    assert _open_fds() <= fds_before


def test_forwarded_in_the_log_is_exactly_what_upstream_received_under_concurrent_chaos(
    upstream: Upstream,
) -> None:
    """The one promise tests build on: ``forwarded`` is true for a request iff upstream got it."""
    mix: dict[Mode, float] = {mode: 0.12 for mode in Mode if mode not in (Mode.PASS, Mode.STALL)}
    mix[Mode.STALL] = 0.04
    outcomes: dict[str, str] = {}

    def client(url: str, worker: int) -> None:
        with requests.Session() as s:
            for i in range(25):
                path = f"/r/{worker}/{i}"
                try:
                    status = s.post(url + path, json={"i": i}, timeout=(1.0, 0.5)).status_code
                    outcomes[path] = str(status)
                except requests.RequestException as exc:
                    outcomes[path] = type(exc).__name__

    with FaultProxy(upstream.address) as fault:
        fault.set_chaos(mix, seed=5)
        workers = [threading.Thread(target=client, args=(fault.url, w), daemon=True) for w in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(20)
        log = fault.log
    assert len(outcomes) == len(log) == 100
    assert {e.path for e in log if e.forwarded} == {path for _, path, _ in upstream.seen}
    assert len(upstream.seen) == len({path for _, path, _ in upstream.seen})  # nothing sent twice
    by_mode = {e.path: e.mode for e in log}
    for path, seen in outcomes.items():  # what the client saw follows from the mode alone
        expected = {
            Mode.PASS: {"201"},
            Mode.REFUSE: {"ConnectionError"},
            Mode.RESET_AFTER_REQUEST: {"ConnectionError"},
            Mode.BAD_GATEWAY_AFTER_REQUEST: {"502"},
            Mode.UNAVAILABLE_NO_FORWARD: {"503"},
            Mode.RESET_MID_RESPONSE: {"ChunkedEncodingError"},
            Mode.STALL: {"ReadTimeout"},
            Mode.HTML_200: {"200"},
        }[by_mode[path]]
        assert seen in expected, (path, by_mode[path], seen)
    assert len(set(by_mode.values())) == len(Mode)
