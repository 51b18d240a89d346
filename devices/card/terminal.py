"""The terminal's own data for a card's PDOL, filled at the lengths the card asks for (EMV Book 3, 5.4).

Formats: ``n`` is padded with leading zeros / keeps its rightmost bytes; ``cn`` is padded with trailing FF /
keeps its leftmost; ``b``, ``an``, ``ans`` are padded with trailing zeros / keep their leftmost. A tag the
terminal does not know, or a constructed one, is sent as zeros.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

from devices.card.tlv import is_constructed

# format of each tag the terminal fills; anything else is "b"
FORMATS: dict[int, str] = {
    0x9F1A: "n", 0x5F2A: "n", 0x9A: "n", 0x9F21: "n", 0x9F35: "n", 0x9C: "n", 0x9F02: "n", 0x9F03: "n",
    0x5F36: "n", 0x9F3C: "n", 0x9F3D: "n", 0x9F15: "n", 0x9F41: "n",
    0x9F1C: "an", 0x9F1E: "an", 0x9F4E: "ans", 0x9F16: "ans",
    0x9F37: "b", 0x9F33: "b", 0x9F40: "b", 0x9F66: "b", 0x95: "b", 0x9F7A: "b", 0x8A: "an",
}  # fmt: skip


@dataclass(frozen=True)
class TerminalData:
    """What this kiosk says about itself. A balance inquiry for no amount, from an unattended terminal
    operated by the bank with a contact chip reader and offline plaintext PIN."""

    country: str = "0643"  # 9F1A, ISO 3166 numeric (Russia)
    currency: str = "0643"  # 5F2A, ISO 4217 numeric (rouble)
    terminal_type: str = "14"  # 9F35: financial institution, unattended, online only
    capabilities: str = "208808"  # 9F33: IC; plaintext PIN, no CVM; CDA not claimed
    additional_capabilities: str = "0800B0A001"  # 9F40: inquiry; numeric, alpha, special keys, display
    ttq: str = "36000000"  # 9F66
    transaction_type: str = "31"  # 9C: balance inquiry
    terminal_id: str = "KIOSK001"  # 9F1C
    ifd_serial: str = "00000001"  # 9F1E
    merchant_name: str = "BANK SERVICE KIOSK"  # 9F4E

    def values(self, now: dt.datetime, unpredictable: bytes) -> dict[int, bytes]:
        h = bytes.fromhex
        return {
            0x9F1A: h(self.country),
            0x5F2A: h(self.currency),
            0x9A: h(now.strftime("%y%m%d")),
            0x9F21: h(now.strftime("%H%M%S")),
            0x9C: h(self.transaction_type),
            0x9F35: h(self.terminal_type),
            0x9F33: h(self.capabilities),
            0x9F40: h(self.additional_capabilities),
            0x9F66: h(self.ttq),
            0x9F37: unpredictable,
            0x95: bytes(5),
            0x9F02: bytes(6),
            0x9F03: bytes(6),
            0x9F1C: self.terminal_id.encode("ascii"),
            0x9F1E: self.ifd_serial.encode("ascii"),
            0x9F4E: self.merchant_name.encode("ascii"),
        }


def fit(value: bytes, length: int, fmt: str) -> bytes:
    """``value`` at exactly ``length`` bytes by the Book 3 rules for its format."""
    if len(value) == length:
        return value
    if fmt == "n":
        return value[-length:] if len(value) > length else bytes(length - len(value)) + value
    if len(value) > length:
        return value[:length]
    pad = b"\xff" if fmt == "cn" else b"\x00"
    return value + pad * (length - len(value))


def fill_dol(
    dol: list[tuple[int, int]],
    terminal: TerminalData,
    now: dt.datetime,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """The concatenated values for a DOL, each at the length the card asked for."""
    values = terminal.values(now, random_bytes(4))
    out = bytearray()
    for tag, length in dol:
        value = values.get(tag)
        if value is None or is_constructed(tag):
            out += bytes(length)
        else:
            out += fit(value, length, FORMATS.get(tag, "b"))
    return bytes(out)
