"""Technician mode without a window: PINs and one-time codes, the lock that always ends, the audit
that reaches central through the outbox, and the actions a technician runs."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from central import db
from central.fleet import audit
from kiosk import config as kiosk_config
from kiosk.context import KioskContext, build
from kiosk.services.staff import StaffLocked
from service_common import fleet_otp
from service_common.clock import ManualClock, SystemClock
from tests.conftest import CentralServer, venv_bin

PIN = "2468"


@pytest.fixture
def kiosk(tmp_path: Path, central: CentralServer, request: pytest.FixtureRequest) -> Iterator[KioskContext]:
    kiosk_id = "KIOSK-TECH-" + request.node.name[-12:].upper().replace("_", "-")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[central]\nurl = "{central.url}"\ntoken = "{central.enrol(kiosk_id)}"\nconnect_timeout_s = 0.3\n',
        encoding="utf-8",
    )
    clock = ManualClock(central.clock().now().replace(tzinfo=None), "Europe/Moscow")
    ctx = build(kiosk_config.load(path), clock)
    ctx.technician.directory.add("petrov", PIN)
    yield ctx
    ctx.close()


def test_pin_enters_and_every_action_is_audited_at_central(
    kiosk: KioskContext, central: CentralServer
) -> None:
    tech = kiosk.technician
    assert tech.enter("1111") is None
    assert tech.enter(PIN) == "petrov"
    status = tech.device_status()
    assert status["printer"]["raw"].startswith("EOT1=")
    assert tech.test_print("ticket", "ru").startswith("EOT1=")
    assert tech.card_test() == "not_configured"
    assert tech.scanner_test()["ok"] is True
    assert tech.central_reachability().reachable is True
    tech.roll_replaced()
    assert kiosk.health.store.meter().printed_mm == 0
    kiosk.session.wipe("idle timeout")  # the idle timer ends the mode
    kiosk.technician.settle()  # its record is written off the calling (UI) thread
    assert tech.who is None
    actions = [(a["who"], a["action"], a["result"]) for a in reversed(tech.recent_actions(20))]
    assert actions == [
        ("?", "enter", "refused"),
        ("petrov", "enter", "ok"),
        ("petrov", "device_status", "ok"),
        ("petrov", "test_print:ticket", "ok"),
        ("petrov", "card_test", "unavailable"),
        ("petrov", "scanner_test", "ok"),
        ("petrov", "central", "ok"),
        ("petrov", "roll_replaced", "ok"),
        ("petrov", "leave", "ok"),
    ]
    assert kiosk.sender.send()  # the outbox takes them to central, once each
    assert kiosk.sender.send()
    engine = db.create_engine(central.db)
    try:
        stored = audit.recent(engine, kiosk.config.kiosk.id)
    finally:
        engine.dispose()
    assert len(stored) == 9
    assert {s["action"] for s in stored} >= {"enter", "test_print:ticket", "roll_replaced", "leave"}


def test_wrong_pins_lock_for_a_while_and_survive_a_restart(kiosk: KioskContext) -> None:
    tech = kiosk.technician
    clock = kiosk.clock
    assert isinstance(clock, ManualClock)
    for _ in range(4):
        assert tech.enter("9999") is None
    with pytest.raises(StaffLocked):
        tech.enter("9999")
    with pytest.raises(StaffLocked):
        tech.enter(PIN)  # even the right PIN waits
    # A restart does not lift the lock: the wrong PINs are on disk.
    again = build(kiosk.config, clock)
    try:
        with pytest.raises(StaffLocked):
            again.technician.enter(PIN)
    finally:
        again.close()
    clock.advance(timedelta(minutes=5, seconds=1))  # ... but it always ends
    assert tech.enter(PIN) == "petrov"
    assert tech.locked_until() is None


def test_one_time_code_from_central_works_once(kiosk: KioskContext, central: CentralServer) -> None:
    kiosk_id = kiosk.config.kiosk.id
    done = subprocess.run(
        [venv_bin("kiosk-central"), "fleet", "otp", kiosk_id, "--db", str(central.db)],
        capture_output=True,
        text=True,
        check=True,
    )
    code = done.stdout.strip()
    assert len(code) == 8
    assert "valid once" in done.stderr
    tech = kiosk.technician
    tech.clock = SystemClock("Europe/Moscow")  # the command line issued it on the real clock
    key = fleet_otp.key_from_token(kiosk.config.central.token)
    assert fleet_otp.verify(key, kiosk_id, code, tech.clock.now())
    assert tech.enter(code) == "one-time code"
    tech.end("left")
    tech.settle()
    assert tech.enter(code) is None  # once only
    assert not fleet_otp.verify(key, "ANOTHER-KIOSK", code, tech.clock.now())


def test_one_time_code_raced_by_two_taps_lets_one_in(kiosk: KioskContext, central: CentralServer) -> None:
    """The check that the code is unused and the record that uses it up are one transaction."""
    from concurrent.futures import ThreadPoolExecutor

    done = subprocess.run(
        [venv_bin("kiosk-central"), "fleet", "otp", kiosk.config.kiosk.id, "--db", str(central.db)],
        capture_output=True,
        text=True,
        check=True,
    )
    tech = kiosk.technician
    tech.clock = SystemClock("Europe/Moscow")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(tech.enter, [done.stdout.strip()] * 4))
    assert sorted(r or "" for r in results) == ["", "", "", "one-time code"]


def test_otp_slots() -> None:
    clock = ManualClock(datetime(2026, 12, 1, 10, 0), "Europe/Moscow")
    key = fleet_otp.key_from_token("token")
    code, until = fleet_otp.issue(key, "K1", clock.now())
    assert fleet_otp.verify(key, "K1", code, clock.now())
    clock.advance(until - clock.now() - timedelta(seconds=1))
    assert fleet_otp.verify(key, "K1", code, clock.now())
    clock.advance(timedelta(seconds=2))
    assert not fleet_otp.verify(key, "K1", code, clock.now())
    assert not fleet_otp.verify(key, "K1", "12345678x", clock.now())
