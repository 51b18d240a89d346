"""BER-TLV as the EMV books allow it, not only as our own virtual cards write it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.card import tlv


def test_multi_byte_tags_long_lengths_and_nesting() -> None:
    inner = bytes.fromhex("9F170103") + bytes.fromhex("7081C8") + bytes(200) + bytes.fromhex("5F2D02") + b"ru"
    (rec,) = tlv.parse(
        bytes.fromhex("7082") + len(inner).to_bytes(2, "big") + inner
    )  # 82 form outside, 81 inside
    assert rec.tag == 0x70
    assert rec.constructed
    assert [c.tag for c in rec.children] == [0x9F17, 0x70, 0x5F2D]
    assert tlv.find([rec], 0x9F17) == b"\x03"
    assert tlv.find([rec], 0x5F2D) == b"ru"
    assert len(rec.children[1].value) == 200


def test_repeated_tags_are_kept_in_order() -> None:
    entries = b"".join(tlv.encode(0x61, tlv.encode(0x4F, bytes([i] * 7))) for i in range(3))
    parsed = tlv.parse(tlv.encode(0xBF0C, entries))
    assert [t.value for t in tlv.find_all(parsed, 0x4F)] == [bytes([i] * 7) for i in range(3)]


def test_padding_before_between_and_after() -> None:
    data = b"\x00\xff" + tlv.encode(0x5A, b"\x41\x11") + b"\x00\x00\xff" + tlv.encode(0x50, b"VISA") + b"\xff"
    assert [t.tag for t in tlv.parse(data)] == [0x5A, 0x50]


def test_three_byte_tag() -> None:
    (t,) = tlv.parse(bytes.fromhex("DF810102ABCD"))
    assert t.tag == 0xDF8101
    assert t.value == b"\xab\xcd"


@pytest.mark.parametrize(
    "hex_data",
    ["5A08411111", "9F", "5A", "5A81", "5A80", "5A850000000001", "9F8181818101", "70035A0541"],
)
def test_malformed_raises_tlv_error(hex_data: str) -> None:
    with pytest.raises(tlv.TlvError):
        tlv.parse(bytes.fromhex(hex_data))


def test_repr_never_shows_values() -> None:
    (t,) = tlv.parse(tlv.encode(0x5A, bytes.fromhex("4111111111111111")))
    assert "4111" not in repr(t)
    assert "8 bytes" in repr(t)


def test_dol() -> None:
    assert tlv.parse_dol(bytes.fromhex("9F66049F02065F2A029A03")) == [
        (0x9F66, 4),
        (0x9F02, 6),
        (0x5F2A, 2),
        (0x9A, 3),
    ]


@settings(deadline=None)  # a shared 2-core machine: no timing in tests
@given(
    st.lists(
        st.tuples(st.sampled_from([0x5A, 0x9F38, 0x50, 0xDF8101, 0x9F7C]), st.binary(max_size=300)),
        max_size=5,
    )
)
def test_round_trip(items: list[tuple[int, bytes]]) -> None:
    data = b"".join(tlv.encode(tag, value) for tag, value in items)
    assert [(t.tag, t.value) for t in tlv.parse(data)] == items


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_parse_or_raise_tlv_error(data: bytes) -> None:
    with contextlib.suppress(tlv.TlvError):
        tlv.parse(data)
