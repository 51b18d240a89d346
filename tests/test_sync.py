"""The central client's error tree and the offline cache, against real HTTP servers on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk.services.info import InfoService, InfoUnavailable, opening_status
from offline_cache.db import CacheDB, migrate
from offline_cache.documents import DocumentCache
from server_sync.client import CentralClient
from server_sync.errors import (
    CentralNoAnswer,
    CentralNotFound,
    CentralRejected,
    CentralUnauthorized,
    CentralUnavailable,
    CentralUnreachable,
)
from server_sync.gateway import CentralGateway
from server_sync.worker import SyncWorker
from service_common.clock import ManualClock
from tests.conftest import CentralServer, free_port

CLOCK = ManualClock(datetime(2026, 12, 1, 10, 0), "Europe/Moscow")


class Canned(BaseHTTPRequestHandler):
    """Answers GET /status/NNN with that status and a central-style error body."""

    def do_GET(self) -> None:
        status = int(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/status/") else 200
        body = json.dumps({"error": "code_" + str(status), "message": "canned"}).encode()
        if self.path.startswith("/garbage"):
            body = b"<html>proxy error</html>"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canned() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, CentralNoAnswer),
        (503, CentralNoAnswer),
        (502, CentralNoAnswer),
        (429, CentralUnreachable),
        (408, CentralUnreachable),
        (400, CentralRejected),
        (409, CentralRejected),
        (401, CentralUnauthorized),
        (403, CentralUnauthorized),
        (404, CentralNotFound),
    ],
)
def test_status_codes_map_to_retry_or_rejected(canned: str, status: int, error: type[Exception]) -> None:
    client = CentralClient(canned, "t")
    with pytest.raises(error) as info:
        client.request("GET", f"/status/{status}")
    if isinstance(info.value, CentralRejected):
        assert info.value.code == f"code_{status}"
        assert not isinstance(info.value, CentralUnavailable)


def test_unreachable_is_not_sent_and_non_json_is_unknown(canned: str) -> None:
    with pytest.raises(CentralUnreachable) as refused:
        CentralClient(f"http://127.0.0.1:{free_port()}", "t", connect_timeout=0.5).request("GET", "/health")
    assert refused.value.outcome == "not_sent"
    with pytest.raises(CentralNoAnswer) as garbage:
        CentralClient(canned, "t").request("GET", "/garbage")
    assert garbage.value.outcome == "unknown"


def test_a_captive_portal_answer_keeps_the_booking_code_out_of_the_message(canned: str) -> None:
    with pytest.raises(CentralNoAnswer) as info:
        CentralClient(canned, "t").request("GET", "/garbage/appointments/12345674/check-in")
    assert "12345674" not in str(info.value)


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    cache = CacheDB(tmp_path / "k.db")
    assert migrate(cache.db) == migrate(cache.db)
    assert {"documents", "outbox"} <= set(cache.db.table_names())


def test_info_online_then_offline_then_never_cached(tmp_path: Path, central: CentralServer) -> None:
    docs = DocumentCache(CacheDB(tmp_path / "k.db"))
    token = central.enrol("KIOSK-SYNC-TEST")
    online = InfoService(CentralGateway(CentralClient(central.url, token)), docs, CLOCK, "C01")
    snap = online.centers()
    assert not snap.stale
    assert {c["id"] for c in snap.data} >= {"C01", "C02", "C03"}
    gone = CentralClient(f"http://127.0.0.1:{free_port()}", token)
    offline = InfoService(CentralGateway(gone), docs, CLOCK, "C01")
    cached = offline.centers()
    assert cached.stale
    assert cached.data == snap.data
    assert offline.home_center() is not None
    with pytest.raises(InfoUnavailable):
        offline.rates()


def test_revoked_token_falls_back_to_cache(tmp_path: Path, central: CentralServer) -> None:
    docs = DocumentCache(CacheDB(tmp_path / "k.db"))
    service = InfoService(CentralGateway(CentralClient(central.url, "not-a-token")), docs, CLOCK, "C01")
    with pytest.raises(InfoUnavailable):
        service.centers()


def test_sync_worker_fills_the_cache_and_reports_the_link(tmp_path: Path, central: CentralServer) -> None:
    docs = DocumentCache(CacheDB(tmp_path / "k.db"))
    gateway = CentralGateway(CentralClient(central.url, central.enrol("KIOSK-SYNC-2")))
    service = InfoService(gateway, docs, CLOCK, "C01")
    reports = []
    worker = SyncWorker({"info": service.refresh}, 60, on_report=reports.append)
    assert worker.run_once().online
    assert docs.get("rates") is not None
    assert docs.get("announcements:C01") is not None
    gateway.client = CentralClient(f"http://127.0.0.1:{free_port()}", "t", connect_timeout=0.3)
    assert not worker.run_once().online
    assert [r.online for r in reports] == [True, False]


def test_opening_status_with_a_lunch_break() -> None:
    center = {
        "hours": [
            {"weekday": d, "opens": "09:00", "closes": "19:00", "break_start": "13:00", "break_end": "14:00"}
            for d in range(5)
        ]
    }
    tz = CLOCK.tz
    tuesday = datetime(2026, 12, 1, 12, 0, tzinfo=tz)
    assert opening_status(center, tuesday).open_now
    lunch = opening_status(center, tuesday.replace(hour=13, minute=30))
    assert not lunch.open_now
    assert lunch.next_open == tuesday.replace(hour=14)
    friday_evening = datetime(2026, 12, 4, 20, 0, tzinfo=tz)
    assert opening_status(center, friday_evening).next_open == datetime(2026, 12, 7, 9, 0, tzinfo=tz)


def test_the_first_call_that_reaches_central_after_a_failure_tells_the_listeners(
    central: CentralServer,
) -> None:
    live = CentralClient(central.url, central.enrol("KIOSK-SYNC-LINK"))
    gateway = CentralGateway(CentralClient(f"http://127.0.0.1:{free_port()}", "t", connect_timeout=0.3))
    woken: list[str] = []
    gateway.on_link_up(lambda: woken.append("outbox"))
    with pytest.raises(CentralUnreachable):
        gateway.health()
    assert gateway.link_up is False
    assert "unreachable" in gateway.last_error
    gateway.client = live
    gateway.health()
    gateway.health()
    assert woken == ["outbox"]  # once, at the transition


def test_an_unknown_outcome_is_asked_again_within_patience_then_raised() -> None:
    gateway = CentralGateway(CentralClient("http://127.0.0.1:9", "t"), patience_s=1.0)
    calls: list[float | None] = []

    def lost(read_timeout: float | None) -> dict[str, str]:
        calls.append(read_timeout)
        raise CentralNoAnswer("reset after the request")

    with pytest.raises(CentralNoAnswer):
        gateway.with_patience(lost, "ticket")
    assert 2 <= len(calls) <= 4
    assert all(t is not None and t <= 1.0 for t in calls)

    def never_sent(_read_timeout: float | None) -> dict[str, str]:
        calls.append(None)
        raise CentralUnreachable("refused")

    calls.clear()
    with pytest.raises(CentralUnreachable):
        gateway.with_patience(never_sent, "ticket")
    assert len(calls) == 1  # nothing to find out: no repeat
