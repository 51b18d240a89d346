"""Keyboard-wedge scanners: the evdev parser and key map, the driver reading a fake event device (a FIFO or
a file of struct-packed input_event records), and keystrokes handed over by the app window."""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.scanner import open_scanner
from devices.scanner.evdev import (
    EV_KEY,
    EV_MSC,
    EV_SYN,
    EVENT,
    EVIOCGRAB,
    KEY_CAPSLOCK,
    KEY_ENTER,
    KEY_LEFTCTRL,
    KEY_LEFTSHIFT,
    PRESS,
    RELEASE,
    REPEAT,
    InputEvent,
    KeyDecoder,
    decode_keys,
    key_events,
    pack_event,
    parse_events,
)
from devices.scanner.wedge import EvdevScanner, WindowKeysScanner
from tests.scanner.conftest import Started
from tests.scanner.fakes import Collector, wait_for

Start = Callable[..., Started]
KEY_A, KEY_RIGHTBRACE, KEY_KP7, KEY_F1, KEY_LEFTALT = 30, 27, 71, 59, 56


def keys(*presses: tuple[int, int]) -> list[InputEvent]:
    return [InputEvent(EV_KEY, code, value) for code, value in presses]


def test_event_layout_is_the_kernels() -> None:
    assert EVENT.size == struct.calcsize("llHHi")
    assert EVENT.size in (16, 24)
    assert EVIOCGRAB == 0x40044590


def test_parse_keeps_an_incomplete_event_for_the_next_read() -> None:
    data = pack_event(EV_KEY, KEY_A, PRESS) + pack_event(EV_SYN, 0, 0) + pack_event(EV_KEY, KEY_A, RELEASE)
    events, rest = parse_events(data[:-5])
    assert events == [InputEvent(EV_KEY, KEY_A, PRESS), InputEvent(EV_SYN, 0, 0)]
    assert len(rest) == EVENT.size - 5
    events, rest = parse_events(rest + data[-5:])
    assert events == [InputEvent(EV_KEY, KEY_A, RELEASE)]
    assert rest == b""


def test_parse_a_32_bit_layout() -> None:
    layout = struct.Struct("<iiHHi")  # what a 32-bit kiosk's kernel writes
    data = layout.pack(1, 2, EV_KEY, KEY_A, PRESS) + layout.pack(1, 3, EV_MSC, 4, 0x70004)
    events, rest = parse_events(data, layout)
    assert events == [InputEvent(EV_KEY, KEY_A, PRESS), InputEvent(EV_MSC, 4, 0x70004)]
    assert rest == b""


@pytest.mark.parametrize(
    "text",
    [
        "https://queue.example/a/C01/7Q4K-2M9X?lang=en&x=1",
        "APPT-C01-20261201-0930-017",
        "!@#$%^&*()_+-=[]{};':\",./<>?\\|`~ 0123456789",
        "MiXeD cAsE",
    ],
)
def test_us_layout_round_trip(text: str) -> None:
    events, rest = parse_events(key_events(text))
    assert rest == b""
    assert decode_keys(events) == text + "\r"


def test_caps_lock_shift_ctrl_keypad_and_noise() -> None:
    decoder = KeyDecoder()
    presses = keys(
        (KEY_CAPSLOCK, PRESS), (KEY_CAPSLOCK, RELEASE),
        (KEY_A, PRESS), (KEY_A, RELEASE),  # caps on: A
        (KEY_LEFTSHIFT, PRESS), (KEY_A, PRESS), (KEY_A, RELEASE), (2, PRESS), (KEY_LEFTSHIFT, RELEASE),
        (KEY_CAPSLOCK, PRESS), (KEY_CAPSLOCK, RELEASE),  # caps off
        (KEY_A, PRESS), (KEY_A, REPEAT), (KEY_A, REPEAT), (KEY_A, RELEASE),  # repeats are not typing
        (KEY_LEFTCTRL, PRESS), (KEY_RIGHTBRACE, PRESS), (KEY_LEFTCTRL, RELEASE),  # GS, the FNC1
        (KEY_KP7, PRESS),
        (KEY_F1, PRESS),
        (KEY_LEFTALT, PRESS), (KEY_KP7, PRESS), (KEY_LEFTALT, RELEASE),  # Alt codes are not supported
        (KEY_ENTER, PRESS),
    )  # fmt: skip
    typed = decode_keys(presses, decoder)
    assert typed == "Aa!a\x1d7\r"
    assert decoder.ignored == 2


def test_non_key_events_are_ignored() -> None:
    events = [InputEvent(EV_MSC, 4, 0x70004), InputEvent(EV_SYN, 0, 0), InputEvent(0x11, 1, 1)]
    assert decode_keys(events) == ""


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "event-kbd"
    os.mkfifo(path)
    return path


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def test_evdev_driver_reads_a_fake_device(fifo: Path, start: Start) -> None:
    scanner, got = start(f"wedge:{fifo}")
    assert isinstance(scanner, EvdevScanner)
    status = scanner.status()
    assert status.grabbed is False  # a FIFO cannot be grabbed: said, and reading goes on
    assert "NOT exclusive" in status.detail
    writer = os.open(fifo, os.O_WRONLY)
    try:
        data = key_events("https://queue.example/a/1") + key_events("SECOND-2")
        cut = len(data) // 2 + 7  # not on an event boundary
        write_all(writer, data[:cut])
        write_all(writer, data[cut:])
        assert got.wait_scans(2) == ["https://queue.example/a/1", "SECOND-2"]
        assert got.scans[0].source == f"wedge:{fifo}"
        assert got.scans[0].symbology is None
    finally:
        os.close(writer)
    writer = os.open(fifo, os.O_WRONLY)  # the end of a pipe is not the end of the scanner
    try:
        write_all(writer, key_events("THIRD-3"))
        assert got.wait_scans(3)[-1] == "THIRD-3"
    finally:
        os.close(writer)
    assert got.errors == []


def test_evdev_partial_code_then_pause(fifo: Path, start: Start) -> None:
    _, got = start(f"wedge:{fifo}?char_timeout_ms=200")
    writer = os.open(fifo, os.O_WRONLY)
    try:
        write_all(writer, key_events("CUT", enter=False))
        assert got.wait_errors(1) == ["bad_data"]
        write_all(writer, key_events("WHOLE"))
        assert got.wait_scans(1) == ["WHOLE"]
    finally:
        os.close(writer)


def test_evdev_driver_reads_a_file_of_events(tmp_path: Path, start: Start) -> None:
    path = tmp_path / "events.bin"
    path.write_bytes(key_events("FROM-A-FILE") + key_events("FROM-A-FILE") + key_events("NEXT"))
    _, got = start(f"wedge:{path}?grab=0")
    assert got.wait_scans(2) == ["FROM-A-FILE", "NEXT"]  # the repeat is de-duplicated


def test_evdev_device_missing_and_appearing(tmp_path: Path, start: Start) -> None:
    path = tmp_path / "usb-Scanner-event-kbd"
    scanner, got = start(f"wedge:{path}?retry=0.2", wait=False)
    assert got.wait_errors(1) == ["not_found"]
    assert scanner.status().state == "not_found"
    assert open_scanner(f"wedge:{path}").status().state == "not_found"
    path.write_bytes(key_events("PLUGGED"))
    assert got.wait_scans(1) == ["PLUGGED"]
    assert scanner.status().state == "connected"


def test_window_keys(start: Start) -> None:
    scanner = open_scanner("wedge:")
    assert isinstance(scanner, WindowKeysScanner)
    assert scanner.wants_window_keys
    assert not scanner.feed_key("A")  # not started: the UI keeps the key
    assert scanner.status().state == "unknown"
    got = Collector()
    scanner.start(got.on_scan, got.on_error)
    try:
        wait_for(lambda: scanner.running)
        for ch in "APPT-17":
            assert scanner.feed_key(ch)
        assert scanner.feed_enter()
        assert got.wait_scans(1) == ["APPT-17"]
        assert got.scans[0].source == "wedge:window"
        assert got.threads == {"scanner wedge:window"}  # delivered on the scanner's thread, not the UI's
        scanner.feed_key("x")  # a stray key and a pause: dropped quietly, it may be a person
        status = scanner.status()
        assert (status.state, status.scans) == ("unknown", 1)
        assert status.ok
        time.sleep(0.6)
        for ch in "NEXT":
            scanner.feed_key(ch)
        scanner.feed_enter()
        assert got.wait_scans(2) == ["APPT-17", "NEXT"]
        assert got.errors == []
    finally:
        scanner.stop()
    assert not scanner.feed_enter()


def test_other_drivers_do_not_take_window_keys() -> None:
    for uri in ("sim:", "serial:/dev/ttyACM0", "wedge:/dev/input/event3"):
        scanner = open_scanner(uri)
        assert not scanner.wants_window_keys
        assert not scanner.feed_key("A")
        assert not scanner.feed_enter()
