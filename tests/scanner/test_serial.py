"""The serial driver against a fake scanner on a pty: codes, AIM ids, split writes, noise, de-duplication,
oversize input, unplug and replug. Waits are generous; nothing asserts a tight time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.scanner import open_scanner
from devices.scanner.serialport import SerialScanner
from devices.uri import DeviceURIError
from tests.scanner.conftest import Started
from tests.scanner.fakes import Collector, PtyScanner, wait_for

Start = Callable[..., Started]


def test_qr_payload_with_cr(pty_scanner: PtyScanner, start: Start) -> None:
    scanner, got = start(pty_scanner.uri(baudrate=9600, suffix="CR"))
    pty_scanner.type(b"https://queue.example/a/C01/7Q4K-2M9X\r")
    assert got.wait_scans(1) == ["https://queue.example/a/C01/7Q4K-2M9X"]
    scan = got.scans[0]
    assert scan.symbology is None
    assert scan.source == f"serial:{pty_scanner.link}"
    assert abs(time.monotonic() - scan.at) < 5
    assert got.threads == {f"scanner serial:{pty_scanner.link}"}  # callbacks on the reader thread
    status = scanner.status()
    assert (status.state, status.running, status.scans) == ("connected", True, 1)
    assert got.errors == []


def test_aim_prefixes(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri(aim=1, dedupe_ms=0))
    pty_scanner.type(b"]Q1https://queue.example/a/1\r\n")
    pty_scanner.type(b"]d2\x1d01095011010209171719050810ABCD\r\n")
    pty_scanner.type(b"]E05901234123457\r\n")
    pty_scanner.type(b"plain text, no AIM id\r\n")
    got.wait_scans(4)
    assert [(s.symbology, s.text) for s in got.scans] == [
        ("QR", "https://queue.example/a/1"),
        ("GS1 DataMatrix", "\x1d01095011010209171719050810ABCD"),
        ("EAN-13", "5901234123457"),
        (None, "plain text, no AIM id"),
    ]


def test_split_writes_make_one_code(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri(char_timeout_ms=2000))  # a slow CI machine must not cut the code
    pty_scanner.type(b"APPT-C01-20261201-0930-017\r", chunks=6, delay=0.05)
    assert got.wait_scans(1) == ["APPT-C01-20261201-0930-017"]
    time.sleep(0.5)
    assert got.texts == ["APPT-C01-20261201-0930-017"]
    assert got.errors == []


def test_utf8_and_latin1(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri())
    pty_scanner.type("Запись №17 預約\r".encode())
    pty_scanner.type(b"caf\xe9\r")
    assert got.wait_scans(2) == ["Запись №17 預約", "café"]


def test_garbage_then_a_pause_then_a_good_code(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri(char_timeout_ms=300))
    pty_scanner.type(b"\x00\xffZQXJ")
    assert got.wait_errors(1) == ["bad_data"]
    error = got.errors[0]
    assert error.length == 6
    assert "ZQXJ" not in str(error)
    assert "partial code dropped" in error.detail
    pty_scanner.type(b"GOOD-1\r")
    assert got.wait_scans(1) == ["GOOD-1"]  # not "\x00\xffZQXJGOOD-1"


def test_noise_with_a_suffix_is_bad_data_not_a_scan(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri())
    pty_scanner.type(b"\x15\x16\x8f\x9e~\x7f\r")  # what a wrong baud rate looks like
    pty_scanner.type(b"OK\r")
    assert got.wait_scans(1) == ["OK"]
    assert got.keys == ["bad_data"]
    assert "control characters" in got.errors[0].detail


def test_same_code_held_in_front_is_one_scan(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri(dedupe_ms=1500))
    for _ in range(4):  # presentation mode: the phone held there, read again and again
        pty_scanner.type(b"HELD-1\r")
        time.sleep(0.1)
    pty_scanner.type(b"OTHER-2\r")
    pty_scanner.type(b"HELD-1\r")  # a different code came between: this is a new scan
    assert got.wait_scans(3) == ["HELD-1", "OTHER-2", "HELD-1"]
    time.sleep(0.3)
    assert len(got.scans) == 3


def test_same_code_after_the_window_is_scanned_again(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri(dedupe_ms=200))
    pty_scanner.type(b"AGAIN\r")
    got.wait_scans(1)
    time.sleep(0.6)
    pty_scanner.type(b"AGAIN\r")
    assert got.wait_scans(2) == ["AGAIN", "AGAIN"]


def test_dedupe_off(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri(dedupe_ms=0))
    pty_scanner.type(b"X1\rX1\rX1\r")
    assert got.wait_scans(3) == ["X1", "X1", "X1"]


def test_oversize_input_is_discarded_with_one_error(pty_scanner: PtyScanner, start: Start) -> None:
    _, got = start(pty_scanner.uri())
    pty_scanner.type(b"Y" * 5000, chunks=5)  # no suffix: a scanner set to send none, or noise
    pty_scanner.type(b"Y" * 300 + b"\rAFTER\r")
    assert got.wait_scans(1) == ["AFTER"]
    assert got.keys == ["overflow"]
    assert got.errors[0].length > 4096
    assert len(got.errors[0].raw) <= 64


def test_unplug_and_replug(pty_scanner: PtyScanner, start: Start) -> None:
    scanner, got = start(pty_scanner.uri(retry=0.3))
    pty_scanner.type(b"BEFORE\r")
    got.wait_scans(1)

    pty_scanner.unplug()
    assert got.wait_errors(1) == ["disconnected"]
    wait_for(lambda: scanner.status().state == "not_found", what="status not_found")
    time.sleep(1.5)  # several failed reopen attempts...
    assert got.keys == ["disconnected"]  # ...reported once
    assert scanner.status().key == "not_found"

    pty_scanner.plug()  # a new /dev/pts/N behind the same link
    wait_for(lambda: scanner.status().state == "connected", what="reconnect")
    assert got.keys == ["disconnected"]  # resumes silently
    pty_scanner.type(b"AFTER\r")
    assert got.wait_scans(2) == ["BEFORE", "AFTER"]


def test_default_retry_is_about_two_seconds(pty_scanner: PtyScanner, start: Start) -> None:
    scanner, got = start(pty_scanner.uri())
    pty_scanner.unplug()
    got.wait_errors(1)
    pty_scanner.plug()
    wait_for(lambda: scanner.status().state == "connected", timeout=6, what="reconnect within a retry")
    pty_scanner.type(b"BACK\r")
    assert got.wait_scans(1) == ["BACK"]


def test_absent_at_start_then_plugged_in(tmp_path: Path, start: Start) -> None:
    fake = PtyScanner(tmp_path / "later", plugged=False)
    scanner, got = start(fake.uri(retry=0.3), wait=False)
    assert got.wait_errors(1) == ["not_found"]
    assert got.errors[0].errno == 2
    assert scanner.status().state == "not_found"
    fake.plug()
    try:
        wait_for(lambda: scanner.status().state == "connected", what="connect")
        fake.type(b"HELLO\r")
        assert got.wait_scans(1) == ["HELLO"]
        assert got.keys == ["not_found"]
    finally:
        fake.close()


def test_status_without_starting(pty_scanner: PtyScanner, tmp_path: Path, start: Start) -> None:
    scanner = open_scanner(pty_scanner.uri())
    status = scanner.status()
    assert (status.state, status.running) == ("connected", False)
    missing = open_scanner(f"serial:{tmp_path / 'nope'}").status()
    assert (missing.state, missing.key, missing.errno) == ("not_found", "not_found", 2)
    start(pty_scanner.uri())  # now someone holds the port exclusively
    busy = scanner.status()
    assert (busy.state, busy.key) == ("error", "io_error")
    assert busy.code.startswith("errno=")


def test_stop_is_prompt_and_idempotent(pty_scanner: PtyScanner) -> None:
    scanner = open_scanner(pty_scanner.uri())
    got = Collector()
    scanner.start(got.on_scan, got.on_error)
    wait_for(lambda: scanner.status().state == "connected")
    with pytest.raises(RuntimeError, match="already started"):
        scanner.start(got.on_scan, got.on_error)
    began = time.monotonic()
    scanner.stop()
    assert time.monotonic() - began < 2  # about 0.5 s by design; generous here
    assert not scanner.running
    scanner.stop()
    assert not any(t.name.startswith("scanner serial:") for t in threading.enumerate())
    scanner.start(got.on_scan, got.on_error)  # and it can start again
    wait_for(lambda: scanner.status().state == "connected")
    pty_scanner.type(b"RESTARTED\r")
    assert got.wait_scans(1) == ["RESTARTED"]
    scanner.stop()


def test_a_failing_callback_does_not_stop_the_reader(pty_scanner: PtyScanner, start: Start) -> None:
    scanner = open_scanner(pty_scanner.uri())
    seen: list[str] = []

    def on_scan(scan: object) -> None:
        seen.append(getattr(scan, "text", ""))
        raise ValueError("UI bug")

    scanner.start(on_scan, lambda error: None)
    try:
        wait_for(lambda: scanner.status().state == "connected")
        pty_scanner.type(b"ONE\r")
        wait_for(lambda: seen == ["ONE"])
        pty_scanner.type(b"TWO\r")
        wait_for(lambda: seen == ["ONE", "TWO"])
    finally:
        scanner.stop()


def test_scanned_text_never_reaches_the_log(
    pty_scanner: PtyScanner, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="devices.scanner")
    _, got = start(pty_scanner.uri(dedupe_ms=1500))
    pty_scanner.type(b"SECRET-BOOKING-4711\rSECRET-BOOKING-4711\r")
    pty_scanner.type(b"SECRET-PARTIAL")
    got.wait_scans(1)
    got.wait_errors(1)
    for error in got.errors:
        logging.getLogger("devices.scanner").warning("%s", error)  # as the kiosk would log it
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "SECRET" not in text
    assert "4711" not in text
    assert "scan of 19 chars" in text  # DEBUG shows the length only


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("serial:/dev/ttyACM0?baudrat=9600", "unknown parameter 'baudrat'"),
        ("serial:/dev/ttyACM0?suffix=ETX", "suffix"),
        ("serial:/dev/ttyACM0?parity=X", "parity"),
        ("serial:/dev/ttyACM0?flow=magic", "flow"),
        ("serial:/dev/ttyACM0?aim=maybe", "aim"),
        ("serial:/dev/ttyACM0?dedupe_ms=soon", "whole number"),
        ("serial:/dev/ttyACM0?max_bytes=2", "max_bytes"),
        ("serial:", "no device path"),
        ("usb://05e0:1200", "unknown scheme"),
    ],
)
def test_bad_uris(uri: str, message: str) -> None:
    with pytest.raises(DeviceURIError, match=message):
        open_scanner(uri)


def test_uri_parameters() -> None:
    scanner = open_scanner("serial:/dev/ttyACM0?baudrate=115200&suffix=crlf&aim=1&dedupe_ms=0&parity=e")
    assert isinstance(scanner, SerialScanner)
    assert (scanner.settings.baudrate, scanner.suffix, scanner.aim, scanner.dedupe_s, scanner.settings.parity) == (
        115200, "CRLF", True, 0, "E",
    )  # fmt: skip
    default = open_scanner("serial:/dev/ttyACM0")
    assert isinstance(default, SerialScanner)
    assert (default.settings.baudrate, default.suffix, default.dedupe_s, default.retry) == (
        9600,
        "auto",
        1.5,
        2.0,
    )
