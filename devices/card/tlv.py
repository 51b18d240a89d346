"""BER-TLV as EMV uses it (Book 3 Annex B): multi-byte tags and lengths, constructed tags, repeated tags kept
in order, and the 00/FF padding a card may put before, between and after objects.

Tags are ints (``0x9F38``). Anything malformed raises ``TlvError``; nothing here ever sees a card number in a
message (errors name offsets and tags, not values).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class TlvError(ValueError):
    """The bytes are not valid BER-TLV; the message names the offset, never the data."""


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes = field(repr=False)
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    def __repr__(self) -> str:  # values may be card data: show only their size
        return f"Tlv({tag_hex(self.tag)}, {len(self.value)} bytes, {len(self.children)} children)"


def tag_hex(tag: int) -> str:
    return f"{tag:X}" if tag > 0xFF else f"{tag:02X}"


def _first_byte(tag: int) -> int:
    while tag > 0xFF:
        tag >>= 8
    return tag


def is_constructed(tag: int) -> bool:
    return bool(_first_byte(tag) & 0x20)


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """The tag at ``pos`` and the offset after it."""
    if pos >= len(data):
        raise TlvError(f"tag expected at offset {pos}, data ends")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        for _ in range(3):  # EMV tags are at most 3 bytes; allow 4 in all
            if pos >= len(data):
                raise TlvError(f"multi-byte tag cut short at offset {pos}")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
        else:
            raise TlvError(f"tag longer than 4 bytes at offset {pos}")
    return tag, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """The length at ``pos`` (short or 81..84 long form) and the offset after it."""
    if pos >= len(data):
        raise TlvError(f"length expected at offset {pos}, data ends")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise TlvError(f"indefinite length at offset {pos - 1} (not allowed in EMV)")
    if count > 4:
        raise TlvError(f"length of {count} bytes at offset {pos - 1}")
    if pos + count > len(data):
        raise TlvError(f"long length cut short at offset {pos}")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def parse(data: bytes, depth: int = 0) -> list[Tlv]:
    """Every object in ``data``, constructed ones parsed into ``children``; padding skipped."""
    if depth > 16:
        raise TlvError("TLV nested deeper than 16 levels")
    out: list[Tlv] = []
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        end = pos + length
        if end > n:
            raise TlvError(f"tag {tag_hex(tag)} says {length} bytes, {n - pos} left")
        value = bytes(data[pos:end])
        children = tuple(parse(value, depth + 1)) if is_constructed(tag) else ()
        out.append(Tlv(tag, value, children))
        pos = end
    return out


def walk(tlvs: Iterable[Tlv]) -> Iterator[Tlv]:
    """Every object, depth first, in card order (templates before their contents)."""
    for t in tlvs:
        yield t
        yield from walk(t.children)


def find(tlvs: Iterable[Tlv], tag: int) -> bytes | None:
    """The value of the first ``tag`` anywhere in the tree, or None."""
    for t in walk(tlvs):
        if t.tag == tag:
            return t.value
    return None


def find_all(tlvs: Iterable[Tlv], tag: int) -> list[Tlv]:
    """Every ``tag`` anywhere in the tree, repeated ones included, in order."""
    return [t for t in walk(tlvs) if t.tag == tag]


def encode_length(length: int, long_form: bool = False) -> bytes:
    if length < 0x80 and not long_form:
        return bytes([length])
    if length <= 0xFF:
        return b"\x81" + bytes([length])
    if length <= 0xFFFF:
        return b"\x82" + length.to_bytes(2, "big")
    raise ValueError("TLV value over 65535 bytes")


def encode(tag: int, value: bytes, long_form: bool = False) -> bytes:
    size = (tag.bit_length() + 7) // 8 or 1
    return tag.to_bytes(size, "big") + encode_length(len(value), long_form) + value


def parse_dol(data: bytes) -> list[tuple[int, int]]:
    """A data object list (PDOL, CDOL): (tag, length) pairs with no values."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data):
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        out.append((tag, length))
    return out
