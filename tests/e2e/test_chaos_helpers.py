"""The chaos helpers start a central behind the proxy and read back what central holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests

from kiosk.config import load
from tests.e2e.chaos_helpers import ChaosCentral, central_tickets, start_chaos_central, tickets_by_request
from tests.faultproxy import Mode

pytestmark = pytest.mark.e2e

TICKETS = "/api/v1/tickets"


def test_a_lost_answer_leaves_the_ticket_at_central_and_a_replay_gets_it(tmp_path: Path) -> None:
    with start_chaos_central(tmp_path, clock="2026-12-01T10:00") as chaos, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {chaos.token}"
        assert chaos.central_config() == {"url": chaos.proxy.url, "token": chaos.token}
        written = chaos.write_kiosk_config(
            tmp_path / "kiosk.toml", tmp_path / "kiosk-data", extra={"devices": {"paper_width_mm": 58}}
        )
        config = load(written, env={})
        assert (config.central.url, config.central.token) == (chaos.url, chaos.token)
        assert (config.kiosk.id, config.kiosk.center_id) == ("KIOSK-CHAOS-01", "C01")
        assert (config.central.read_timeout_s, config.devices.paper_width_mm) == (2.0, 58)

        lost, never = str(uuid.uuid4()), str(uuid.uuid4())
        chaos.proxy.add_rule(Mode.RESET_AFTER_REQUEST, method="POST", path=TICKETS, times=1)
        with pytest.raises(requests.ConnectionError):
            http.post(chaos.url + TICKETS, json={"request_id": lost, "service_id": "C01-B"}, timeout=5)
        chaos.proxy.add_rule(Mode.UNAVAILABLE_NO_FORWARD, method="POST", path=TICKETS, times=1)
        refused = http.post(chaos.url + TICKETS, json={"request_id": never, "service_id": "C01-B"}, timeout=5)
        assert refused.status_code == 503

        replay = http.post(chaos.url + TICKETS, json={"request_id": lost, "service_id": "C01-B"}, timeout=5)
        assert replay.status_code in (200, 201), replay.text
        ticket = replay.json()["ticket"]
        day = date.fromisoformat(ticket["business_date"])

        held = tickets_by_request(chaos.db, day, "C01")
        assert held == {lost: ticket["display"]}
        assert [(t.status, t.kiosk_id) for t in central_tickets(chaos.db, day)] == [
            ("waiting", "KIOSK-CHAOS-01")
        ]
        assert [(e.mode, e.forwarded) for e in chaos.proxy.log if e.path == TICKETS] == [
            (Mode.RESET_AFTER_REQUEST, True),
            (Mode.UNAVAILABLE_NO_FORWARD, False),
            (Mode.PASS, True),
        ]
    assert tickets_by_request(chaos.db, day) == held  # readable after central stopped, too


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosCentral]:
    with start_chaos_central(tmp_path_factory.mktemp("chaos"), clock="2026-12-01T10:00") as running:
        yield running


@pytest.mark.parametrize("mode", list(Mode))
def test_each_mode_against_real_central(chaos: ChaosCentral, mode: Mode) -> None:
    """Against uvicorn: central holds the ticket exactly when the proxy's log says it was forwarded."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {chaos.token}"
        first = http.post(
            chaos.url + TICKETS, json={"request_id": str(uuid.uuid4()), "service_id": "C01-A"}, timeout=5
        )
        day = date.fromisoformat(first.json()["ticket"]["business_date"])
        accepted = chaos.proxy.connections_accepted
        chaos.proxy.set_rule(mode, method="POST", path=TICKETS, times=1)
        request_id = str(uuid.uuid4())
        try:
            outcome = str(
                http.post(
                    chaos.url + TICKETS,
                    json={"request_id": request_id, "service_id": "C01-A"},
                    timeout=(1.0, 0.5),
                ).status_code
            )
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        again = http.get(chaos.url + "/health", timeout=5)  # the session recovers on its own
    assert again.ok
    entry = next(e for e in reversed(chaos.proxy.log) if e.method == "POST")
    assert entry.mode is mode
    assert (request_id in tickets_by_request(chaos.db, day)) is entry.forwarded
    expected_forwarded = mode not in (Mode.REFUSE, Mode.UNAVAILABLE_NO_FORWARD)
    assert entry.forwarded is expected_forwarded
    if mode is Mode.PASS:
        assert outcome == "201"
        assert chaos.proxy.connections_accepted == accepted  # keep-alive through the proxy to uvicorn
    else:
        assert outcome != "201", outcome
