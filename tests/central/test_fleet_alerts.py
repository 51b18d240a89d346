"""Fleet alerts through the reminder channels (the reference file adapters): only while the center
is open, once per condition, escalated when the kiosk is the center's only ticket printer, and no
alarm for a kiosk that was never switched on or came back before anyone was told."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import kiosks
from central.appointments.channels import Channel, FileSmsChannel
from central.fleet import alerts
from central.fleet.state import FleetSettings
from service_common.clock import ManualClock

from .conftest import bearer
from .fleet_helpers import heartbeat

LOW = {
    "reasons": ["media-low"],
    "raw": "EOT4=0x1E",
    "paper": {"near_end": True, "printed_mm": 78000.0, "roll_mm": 80000.0, "tickets_left": 15},
}
OUT = {"reasons": ["media-empty"], "raw": "EOT4=0x7E"}


def beat(client: TestClient, token: str, clock: ManualClock, **changes: object) -> None:
    answer = client.post(
        "/api/v1/fleet/heartbeat", json=heartbeat(clock.now(), **changes), headers=bearer(token)
    )
    assert answer.status_code == 200, answer.text


def sent(spool: Path) -> list[dict[str, str]]:
    return [json.loads(p.read_text()) for p in sorted(spool.glob("*.json"))]


def run(engine: Engine, clock: ManualClock, spool: Path) -> int:
    channels: dict[str, Channel] = {"sms": FileSmsChannel(spool)}
    return alerts.run(engine, clock.now(), FleetSettings(), channels)


def test_paper_low_alert_once_and_escalation(
    client: TestClient, seeded: Engine, clock: ManualClock, token: str, tmp_path: Path
) -> None:
    spool = tmp_path / "sms"
    kiosks.add(seeded, "KIOSK-NEVER", "C01", clock)  # never switched on: never an alert
    beat(client, token, clock, printer=LOW)
    assert run(seeded, clock, spool) == 1
    [message] = sent(spool)
    assert message["to"] == "duty-technician"
    assert "KIOSK-T1" in message["text"]
    assert "about 15 tickets left" in message["text"]
    assert run(seeded, clock, spool) == 0  # once per condition

    # The printer stops: the center's only kiosk, so the alert is urgent and goes to the supervisor too.
    beat(client, token, clock, printer=OUT)
    assert run(seeded, clock, spool) == 2
    texts = {m["to"]: m["text"] for m in sent(spool) if "stopped" in m["text"]}
    assert set(texts) == {"duty-technician", "duty-supervisor"}
    assert texts["duty-supervisor"].startswith("URGENT")


def test_not_urgent_when_another_kiosk_prints(
    client: TestClient, seeded: Engine, clock: ManualClock, token: str, tmp_path: Path
) -> None:
    spool = tmp_path / "sms"
    other = kiosks.add(seeded, "KIOSK-T2", "C01", clock)
    beat(client, other, clock)
    beat(client, token, clock, printer=OUT)
    assert run(seeded, clock, spool) == 1
    [message] = sent(spool)
    assert message["to"] == "duty-technician"
    assert not message["text"].startswith("URGENT")


def test_closed_center_waits_and_a_fixed_printer_raises_nothing(
    client: TestClient, seeded: Engine, clock: ManualClock, token: str, tmp_path: Path
) -> None:
    spool = tmp_path / "sms"
    clock.advance(timedelta(hours=10))  # Monday 20:00 in Moscow: C01 closed at 19:00
    beat(client, token, clock, printer=OUT)
    assert run(seeded, clock, spool) == 0
    clock.advance(timedelta(seconds=30))
    beat(client, token, clock)  # the roll was changed before anyone needed telling
    assert run(seeded, clock, spool) == 0
    assert sent(spool) == []
    [row] = alerts.recent(seeded)
    assert (row["kind"], row["status"]) == ("printer_down", "cleared")


def test_offline_alert_after_missed_heartbeats(
    client: TestClient, seeded: Engine, clock: ManualClock, token: str, tmp_path: Path
) -> None:
    spool = tmp_path / "sms"
    beat(client, token, clock)
    assert run(seeded, clock, spool) == 0
    clock.advance(timedelta(seconds=60))  # two missed: not yet
    assert run(seeded, clock, spool) == 0
    clock.advance(timedelta(seconds=40))
    assert run(seeded, clock, spool) == 2  # the only kiosk of C01: urgent
    assert all("no heartbeat since" in m["text"] for m in sent(spool))
    assert run(seeded, clock, spool) == 0
