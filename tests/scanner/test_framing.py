"""The byte-stream rules, without threads or devices: suffixes, pauses, size limit, decoding, AIM ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.scanner.errors import ScannerError, visitor_message
from devices.scanner.framing import (
    Dropped,
    Line,
    LineFramer,
    bad_controls,
    decode,
    parse_suffix,
    split_aim,
)
from devices.uri import DeviceURIError


def lines(events: list[Line | Dropped]) -> list[bytes]:
    return [e.data for e in events if isinstance(e, Line)]


@pytest.mark.parametrize(
    ("suffix", "stream", "expected"),
    [
        ("auto", b"A1\rB2\nC3\r\nD4\r\r\n", [b"A1", b"B2", b"C3", b"D4"]),
        ("CR", b"A1\rB2\r\nC3\r", [b"A1", b"B2", b"C3"]),  # a CRLF scanner on suffix=CR still works
        ("LF", b"A1\nB2\r\n", [b"A1", b"B2"]),
        ("CRLF", b"A1\r\nB2\r\n", [b"A1", b"B2"]),
        ("TAB", b"A1\tB2\t\r\n", [b"A1", b"B2"]),
        ("auto", b"\x02STX-ETX\x03\r", [b"STX-ETX"]),
    ],
)
def test_suffixes(suffix: str, stream: bytes, expected: list[bytes]) -> None:
    framer = LineFramer(parse_suffix(suffix))
    assert lines(framer.feed(stream, 1.0)) == expected
    assert framer.expire(10.0) is None  # nothing left over, not even the LF of a CRLF


def test_suffix_names() -> None:
    assert parse_suffix("crlf") == "CRLF"
    assert parse_suffix("AUTO") == "auto"
    with pytest.raises(DeviceURIError, match="suffix"):
        parse_suffix("ETX")


def test_a_pause_drops_the_partial_code() -> None:
    framer = LineFramer(char_timeout=0.3)
    assert framer.feed(b"garb", 1.0) == []
    assert framer.expire(1.2) is None
    dropped = framer.expire(1.31)
    assert dropped == Dropped("partial", b"garb", 4)
    assert lines(framer.feed(b"GOOD\r", 1.5)) == [b"GOOD"]


def test_a_late_byte_does_not_join_an_old_partial() -> None:
    """No empty read between the two bursts (a busy reader): the gap is still seen on arrival."""
    framer = LineFramer(char_timeout=0.3)
    framer.feed(b"noise", 1.0)
    events = framer.feed(b"CODE\r", 2.0)
    assert events == [Dropped("partial", b"noise", 5), Line(b"CODE", 2.0)]


def test_slow_bytes_within_the_timeout_make_one_code() -> None:
    framer = LineFramer(char_timeout=0.3)
    out: list[Line | Dropped] = []
    for i, byte in enumerate(b"ABCDEF\r"):
        out += framer.feed(bytes([byte]), 1.0 + i * 0.25)
    assert out == [Line(b"ABCDEF", 2.5)]


def test_overflow_is_reported_once_and_the_rest_of_that_code_discarded() -> None:
    framer = LineFramer(max_bytes=16)
    events = framer.feed(b"X" * 20, 1.0)
    assert len(events) == 1
    first = events[0]
    assert isinstance(first, Dropped)
    assert (first.reason, first.length) == ("overflow", 20)
    assert framer.feed(b"Y" * 40, 1.01) == []  # still the same oversized code
    assert lines(framer.feed(b"ZZ\rOK\r", 1.02)) == [b"OK"]


def test_overflow_ends_with_a_pause_too() -> None:
    framer = LineFramer(max_bytes=16, char_timeout=0.3)
    framer.feed(b"X" * 20, 1.0)
    assert framer.expire(2.0) is None  # already reported
    assert lines(framer.feed(b"OK\r", 2.1)) == [b"OK"]


def test_a_code_of_exactly_max_bytes_passes() -> None:
    framer = LineFramer(max_bytes=16)
    assert lines(framer.feed(b"Q" * 16, 1.0) + framer.feed(b"\r", 1.0)) == [b"Q" * 16]


codes = st.lists(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f"), min_size=1,
            max_size=50).filter(lambda t: t.strip() == t),
    min_size=1, max_size=8,
)  # fmt: skip


@given(codes, st.sampled_from(["auto", "CR", "CRLF", "TAB"]), st.data())
def test_any_chunking_gives_back_the_codes(texts: list[str], suffix: str, data: st.DataObject) -> None:
    sep = {"auto": b"\r\n", "CR": b"\r", "CRLF": b"\r\n", "TAB": b"\t"}[suffix]
    stream = b"".join(t.encode() + sep for t in texts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    framer = LineFramer(parse_suffix(suffix), max_bytes=4096)
    out: list[Line | Dropped] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += framer.feed(stream[start:end], 1.0)
    assert [decode(line) for line in lines(out)] == texts
    assert all(isinstance(e, Line) for e in out)


def test_decoding() -> None:
    assert decode("Приём №5 預約".encode()) == "Приём №5 預約"
    assert decode(b"caf\xe9") == "café"  # latin-1 fallback
    assert bad_controls("01095011010209171719050810ABCD1234\x1d2110") == 0  # GS1 separator is fine
    assert bad_controls("[)>\x1e06\x1dP123\x1e\x04") == 0  # ISO/IEC 15434 envelope
    assert bad_controls(decode(b"\x15\x16ok\x7f")) == 3
    assert bad_controls(decode(b"\x81\x9fbad")) == 2  # C1 bytes: wrong baud rate, not latin-1 text


@pytest.mark.parametrize(
    ("text", "symbology", "payload"),
    [
        ("]Q1https://queue.example/a/1", "QR", "https://queue.example/a/1"),
        ("]d2\x1d0109501101020917", "GS1 DataMatrix", "\x1d0109501101020917"),
        ("]d1ABC", "DataMatrix", "ABC"),
        ("]E05901234123457", "EAN-13", "5901234123457"),
        ("]E496385074", "EAN-8", "96385074"),
        ("]C0ABC", "Code128", "ABC"),
        ("]X0other", "]X0", "other"),
        ("no id here", None, "no id here"),
        ("]", None, "]"),
    ],
)
def test_aim_ids(text: str, symbology: str | None, payload: str) -> None:
    assert split_aim(text) == (symbology, payload)


def test_errors_carry_no_content_and_speak_three_languages() -> None:
    error = ScannerError("bad_data", "partial code dropped", source="serial:/dev/x", raw=b"BOOKING-4711")
    assert "BOOKING" not in str(error)
    assert "4711" not in str(error)
    assert "12 bytes, 0 not printable ASCII" in error.code
    assert error.raw == b"BOOKING-4711"
    assert not error.unavailable
    for key in ("not_found", "disconnected", "io_error", "overflow", "bad_data"):
        for lang in ("ru", "zh-Hant", "en"):
            assert visitor_message(key, lang)
    assert visitor_message("overflow", "de") == visitor_message("bad_data", "en")
    assert "сотруднику" in visitor_message("disconnected", "ru")
    assert "errno=2 (ENOENT)" in ScannerError("not_found", "x", errno=2).code


def test_overflow_in_a_single_read_with_its_suffix() -> None:
    framer = LineFramer(max_bytes=16)
    events = framer.feed(b"X" * 40 + b"\rOK\r", 1.0)
    assert [(type(e).__name__, getattr(e, "length", None)) for e in events] == [
        ("Dropped", 40),
        ("Line", None),
    ]
    assert lines(events) == [b"OK"]
