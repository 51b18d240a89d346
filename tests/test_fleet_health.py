"""The kiosk's heartbeat against a real central: device states in IPP terms, the paper forecast,
"at once on a change", and what the fleet then shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.printer.simulator import SimulatorState
from devices.printer.status import PrinterStatus, parse
from kiosk import config as kiosk_config
from kiosk.context import KioskContext, build
from kiosk.services.health import forecast, printer_reasons
from tests.conftest import CentralServer


def sim_status(**state: Any) -> PrinterStatus:
    sim = SimulatorState()
    sim.set(**state)
    return parse({n: sim.answer(n) for n in (1, 2, 4)})


@pytest.mark.parametrize(
    ("state", "reasons"),
    [
        ({}, []),
        ({"paper": "near_end"}, ["media-low"]),
        ({"paper": "out"}, ["media-empty"]),
        ({"cover_open": True}, ["door-open"]),
        ({"error": True}, ["jam"]),
        ({"offline": True}, ["offline"]),
        ({"silent": True}, ["offline"]),
    ],
)
def test_printer_states_in_ipp_terms(state: dict[str, object], reasons: list[str]) -> None:
    assert printer_reasons(sim_status(**state)) == reasons


def test_paper_forecast_from_meter_and_sensor() -> None:
    ok, near, out = sim_status(), sim_status(paper="near_end"), sim_status(paper="out")
    assert forecast(ok, 0, 0, 80_000).tickets_left == 1000  # 80 m of 8 cm tickets
    assert forecast(ok, 60_000, 600, 80_000).tickets_left == 200  # 10 cm each so far
    sensor = forecast(near, 10_000, 100, 80_000)  # the sensor knows better than the meter
    assert (sensor.near_end, sensor.tickets_left) == (True, 15)
    assert forecast(out, 10_000, 100, 80_000).tickets_left == 0


@pytest.fixture
def kiosk(tmp_path: Path, central: CentralServer) -> Iterator[KioskContext]:
    path = tmp_path / "kiosk.toml"
    token = central.enrol("KIOSK-HEALTH")
    path.write_text(
        f'[kiosk]\nid = "KIOSK-HEALTH"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[central]\nurl = "{central.url}"\ntoken = "{token}"\nconnect_timeout_s = 0.3\n',
        encoding="utf-8",
    )
    ctx = build(kiosk_config.load(path), central.clock())
    yield ctx
    ctx.close()


def fleet_row(central: CentralServer, kiosk_id: str) -> dict[str, object]:
    """The kiosk as the fleet page gets it, read from central's database."""
    from central import db
    from central.fleet.state import FleetSettings, view

    engine = db.create_engine(central.db)
    try:
        kiosks = view(engine, central.clock().now(), FleetSettings()).kiosks
    finally:
        engine.dispose()
    return next(k.model_dump(mode="json") for k in kiosks if k.kiosk_id == kiosk_id)


def test_heartbeat_reaches_the_fleet_and_change_is_seen(kiosk: KioskContext, central: CentralServer) -> None:
    assert fleet_row(central, "KIOSK-HEALTH")["connection"] == "never_seen"
    report = kiosk.sync.run_once()
    assert report.results["heartbeat"] is True
    row = fleet_row(central, "KIOSK-HEALTH")
    assert (row["connection"], row["colour"]) == ("online", "green")
    assert kiosk.health.changed() is False

    sim = kiosk.printer.simulator
    assert sim is not None
    sim.set(paper="near_end")
    assert kiosk.health.changed() is True  # the watcher would wake the sync worker now
    assert kiosk.health.send()
    row = fleet_row(central, "KIOSK-HEALTH")
    assert (row["colour"], row["reasons"]) == ("yellow", ["printer:media-low"])
    heartbeat = row["heartbeat"]
    assert isinstance(heartbeat, dict)
    assert heartbeat["printer"]["paper"]["near_end"] is True
    assert heartbeat["printer"]["raw"].startswith("EOT1=")


def test_printed_length_feeds_the_meter(kiosk: KioskContext) -> None:
    sim = kiosk.printer.simulator
    assert sim is not None
    before = kiosk.health.paper().tickets_left
    for _ in range(3):
        kiosk.printer.print_bytes(b"x", label="test", height_dots=800)  # 10 cm
    meter = kiosk.health.store.meter()
    assert (meter.printed_mm, meter.jobs) == (300.0, 3)
    assert kiosk.health.paper().tickets_left == (80_000 - 300) // 100
    assert before == 1000
    kiosk.health.store.roll_replaced(kiosk.clock.now(), "tech")
    assert kiosk.health.store.meter().printed_mm == 0


def test_near_end_at_the_printer_raises_forecast_and_alert_file(
    kiosk: KioskContext, central: CentralServer, tmp_path: Path
) -> None:
    from central import db
    from central.appointments.channels import FileSmsChannel
    from central.fleet import alerts
    from central.fleet.state import FleetSettings

    sim = kiosk.printer.simulator
    assert sim is not None
    sim.set(paper="near_end")
    assert kiosk.health.send()
    left = kiosk.health.paper().tickets_left
    assert left is not None
    assert left <= 1500 // 80  # the sensor caps the meter's 1000
    engine = db.create_engine(central.db)
    try:
        spool = tmp_path / "sms"
        assert alerts.run(engine, central.clock().now(), FleetSettings(), {"sms": FileSmsChannel(spool)}) >= 1
    finally:
        engine.dispose()
    texts = [p.read_text(encoding="utf-8") for p in spool.glob("*.json")]
    assert any("KIOSK-HEALTH" in t and "paper low" in t for t in texts)
