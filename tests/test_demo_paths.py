"""The demo says where its log and printed tickets are, and they are really there (not ``print/print``)."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from devices.receipts import samples
from kiosk import context, demo
from kiosk.config import load


def test_tickets_land_in_data_dir_print(tmp_path: Path) -> None:
    config = load(env={"KIOSK_DATA_DIR": str(tmp_path)})
    ctx = context.build(config)
    try:
        ctx.printer.print_receipt(samples.sample("ticket", "en", datetime.now(config.tz)))
        assert list((tmp_path / "print").glob("*.bin"))
        assert not (tmp_path / "print" / "print").exists()
    finally:
        ctx.close()


def test_demo_prints_the_folders_it_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import screens.launcher

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    monkeypatch.setattr(
        demo, "start_central", lambda *_a: demo.DemoCentral("http://127.0.0.1:1", "token", process)
    )
    monkeypatch.setattr(screens.launcher, "run_app", lambda *_a: logging.getLogger("t").warning("hello") or 0)
    config = load(env={"KIOSK_DATA_DIR": str(tmp_path / "home")})
    try:
        assert demo.run_demo(config, data_dir=str(tmp_path / "demo"), clock_start="2026-12-01T09:55") == 0
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_kiosk", False):
                logging.getLogger().removeHandler(handler)
                handler.close()
    out = capsys.readouterr().out
    log_line = next(line for line in out.splitlines() if line.startswith("kiosk log:"))
    log_path = Path(log_line.split(":", 1)[1].strip())
    assert log_path == tmp_path / "demo" / "kiosk" / "logs" / "kiosk.log"
    assert "hello" in log_path.read_text(encoding="utf-8")
    tickets_line = next(line for line in out.splitlines() if line.startswith("printed tickets:"))
    assert Path(tickets_line.split(":", 1)[1].strip()) == tmp_path / "demo" / "kiosk" / "print"


def test_demo_scan_finds_a_checked_in_booking_to_show_again(tmp_path: Path) -> None:
    config = load(env={"KIOSK_DATA_DIR": str(tmp_path)})
    ctx = context.build(config)
    try:
        service = ctx.appointments
        assert service.demo_token() == ""  # nothing booked: the screen says so
        now = datetime.now(config.tz)
        entries = [{"code": "12345674", "status": "checked_in", "token": "A1.checked.in"}]
        service.booking_docs.docs.put(service.booking_docs.upcoming_key, {"appointments": entries}, now)
        assert service.demo_token() == "A1.checked.in"
        entries.append({"code": "23456781", "status": "confirmed", "token": "A1.confirmed"})
        service.booking_docs.docs.put(service.booking_docs.upcoming_key, {"appointments": entries}, now)
        assert service.demo_token() == "A1.confirmed"  # the next visit to check in comes first
    finally:
        ctx.close()
