"""``sim:``: injected scans, simulated unplugging, and the interface every driver shares."""

from __future__ import annotations

import time

import pytest

from devices.scanner import SimulatorScanner, open_scanner
from devices.uri import DeviceURIError
from tests.scanner.fakes import Collector, wait_for


def started(uri: str = "sim:") -> tuple[SimulatorScanner, Collector]:
    scanner = open_scanner(uri)
    assert isinstance(scanner, SimulatorScanner)
    got = Collector()
    scanner.start(got.on_scan, got.on_error)
    return scanner, got


def test_inject_delivers_on_the_scanner_thread() -> None:
    scanner, got = started()
    try:
        before = time.monotonic()
        assert scanner.inject("https://queue.example/a/C01/1")
        assert scanner.inject("APPT-2", symbology="DataMatrix")
        assert got.wait_scans(2) == ["https://queue.example/a/C01/1", "APPT-2"]
        assert [s.symbology for s in got.scans] == ["QR", "DataMatrix"]
        assert all(s.source == "sim:" and s.at >= before for s in got.scans)
        assert got.threads == {"scanner sim:"}
        status = scanner.status()
        assert (status.state, status.scans, status.ok) == ("connected", 2, True)
    finally:
        scanner.stop()


def test_inject_before_start_or_after_stop_does_nothing() -> None:
    scanner = open_scanner("sim:")
    assert isinstance(scanner, SimulatorScanner)
    assert not scanner.inject("EARLY")
    got = Collector()
    scanner.start(got.on_scan, got.on_error)
    scanner.inject("ON-TIME")
    assert got.wait_scans(1) == ["ON-TIME"]
    scanner.stop()
    assert not scanner.inject("LATE")
    assert got.texts == ["ON-TIME"]


def test_double_tap_is_one_scan() -> None:
    scanner, got = started()
    try:
        scanner.inject("TAP")
        scanner.inject("TAP")
        scanner.inject("OTHER")
        assert got.wait_scans(2) == ["TAP", "OTHER"]
    finally:
        scanner.stop()
    scanner, got = started("sim:?dedupe_ms=0")
    try:
        scanner.inject("TAP")
        scanner.inject("TAP")
        assert got.wait_scans(2) == ["TAP", "TAP"]
    finally:
        scanner.stop()


def test_unplug_and_plug_in() -> None:
    scanner, got = started()
    try:
        wait_for(lambda: scanner.status().state == "connected")
        scanner.set(connected=False)
        assert got.wait_errors(1) == ["disconnected"]
        wait_for(lambda: scanner.status().state == "not_found")
        assert not scanner.inject("WHILE-UNPLUGGED")
        scanner.set(connected=False)  # no change, no news
        scanner.set(connected=True)
        wait_for(lambda: scanner.status().state == "connected")
        assert scanner.inject("BACK")
        assert got.wait_scans(1) == ["BACK"]
        assert got.keys == ["disconnected"]
        error = got.errors[0]
        assert error.unavailable
        assert error.visitor_message("zh-Hant") == "掃描器暫時無法使用，請洽服務人員。"
    finally:
        scanner.stop()


def test_starts_unplugged_from_the_uri() -> None:
    scanner, got = started("sim:?connected=0")
    try:
        assert got.wait_errors(1) == ["not_found"]
        assert scanner.status().state == "not_found"
        assert not scanner.status().ok
    finally:
        scanner.stop()
    assert open_scanner("sim:?connected=0").status().state == "not_found"
    assert open_scanner("sim:").status().state == "connected"


def test_stop_from_inside_a_callback() -> None:
    scanner = open_scanner("sim:")
    assert isinstance(scanner, SimulatorScanner)
    scanner.start(lambda scan: scanner.stop(), lambda error: None)
    scanner.inject("STOP-ME")
    wait_for(lambda: not scanner.running)


def test_bad_sim_uri() -> None:
    with pytest.raises(DeviceURIError, match="unknown parameter 'paper'"):
        open_scanner("sim:?paper=out")
    with pytest.raises(DeviceURIError, match="connected"):
        open_scanner("sim:?connected=perhaps")
