"""The EMV read over any APDU transport (pyscard, the simulator, a test double): pure code, no pcscd needed.

Order: PPSE, then PSE (directory in SFI records), then the terminal's list of known AIDs; candidates by
application priority (87) then label; SELECT; GET PROCESSING OPTIONS with the PDOL filled from the terminal's
data; READ RECORD for every AFL entry. T=0: 61xx → GET RESPONSE, 6Cxx → the same command with the right Le.
Errors are ``CardError`` subclasses carrying the card's status word, never card data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devices.card import tlv
from devices.card.base import (
    CardData,
    MagStripeOnlyError,
    NotSupportedError,
    PinResult,
    UnreadableCardError,
)
from devices.card.terminal import TerminalData, fill_dol

log = logging.getLogger("devices.card")

PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"
#: Tried one by one when a card has neither PPSE nor PSE (EMV Book 1, 12.3.3), with partial selection.
KNOWN_AIDS = (
    "A0000000031010",  # Visa credit/debit
    "A0000000032010",  # Visa Electron
    "A0000000041010",  # Mastercard
    "A0000000043060",  # Maestro
    "A0000006581010",  # Mir
    "A0000006582010",  # Mir debit
    "A0000003330101",  # UnionPay
    "A0000000651010",  # JCB
    "A000000025",  # American Express
)
#: A label for a card that names its application nowhere (50, 9F12), by the AID's registered provider (RID).
SCHEMES = {
    bytes.fromhex("A000000003"): "VISA",
    bytes.fromhex("A000000004"): "MASTERCARD",
    bytes.fromhex("A000000658"): "MIR",
    bytes.fromhex("A000000333"): "UNIONPAY",
    bytes.fromhex("A000000065"): "JCB",
    bytes.fromhex("A000000025"): "AMERICAN EXPRESS",
}
MAX_APDUS = 64  # a card that keeps answering 61xx forever is unreadable, not a hang
OK = 0x9000


class Transport(Protocol):
    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU; the answer with SW1 SW2 at its end. Raises ``CardError`` (e.g. removed)."""


def sw_text(sw: int) -> str:
    return f"{sw:04X}"


@dataclass(frozen=True)
class Candidate:
    aid: bytes
    label: str
    priority: int  # 1 (highest) .. 15; 16 for none

    @property
    def order(self) -> tuple[int, str]:
        return (self.priority, self.label)


def _priority(raw: bytes | None) -> int:
    value = (raw[0] & 0x0F) if raw else 0
    return value or 16


def _text(raw: bytes | None) -> str:
    if not raw:
        return ""
    return "".join(ch if ch.isprintable() else " " for ch in raw.decode("latin-1")).strip()


class EmvSession:
    """One conversation with one card: ``read`` then, optionally, ``verify_pin``."""

    def __init__(
        self,
        transport: Transport,
        terminal: TerminalData | None = None,
        now: Callable[[], dt.datetime] | None = None,
        aids: tuple[str, ...] = KNOWN_AIDS,
    ) -> None:
        self.transport = transport
        self.terminal = terminal or TerminalData()
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.aids = aids
        self.apdus = 0
        self.pin_cvm = False

    # --- APDU level -------------------------------------------------------------------------------------

    def command(
        self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = 0
    ) -> tuple[bytes, int]:
        """One command with T=0's answers handled; returns (data, SW)."""
        apdu = bytes([cla, ins, p1, p2])
        if data:
            apdu += bytes([len(data)]) + data
        if le is not None:
            apdu += bytes([le])
        answer, sw = self._send(apdu)
        if sw >> 8 == 0x6C:  # wrong Le: the card says how many bytes it has
            apdu = (apdu[:-1] if le is not None else apdu) + bytes([sw & 0xFF])
            answer, sw = self._send(apdu)
        out = bytearray(answer)
        while sw >> 8 == 0x61:  # more data waits: GET RESPONSE
            answer, sw = self._send(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
            out += answer
        return bytes(out), sw

    def _send(self, apdu: bytes) -> tuple[bytes, int]:
        self.apdus += 1
        if self.apdus > MAX_APDUS:
            raise UnreadableCardError("", "the card does not stop answering")
        raw = self.transport.transmit(apdu)
        if len(raw) < 2:
            raise UnreadableCardError("", f"short answer ({len(raw)} bytes) to INS {apdu[1]:02X}")
        return raw[:-2], (raw[-2] << 8) | raw[-1]

    def select(self, name: bytes, first: bool = True) -> tuple[list[tlv.Tlv], int]:
        answer, sw = self.command(0x00, 0xA4, 0x04, 0x00 if first else 0x02, name)
        if sw not in (OK, 0x6283) or not answer:
            return [], sw
        return self._parse(answer, "SELECT"), sw

    @staticmethod
    def _parse(answer: bytes, what: str) -> list[tlv.Tlv]:
        try:
            return tlv.parse(answer)
        except tlv.TlvError as exc:
            raise UnreadableCardError("", f"malformed answer to {what}: {exc}") from None

    # --- application selection -------------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:
        """Payment applications the card offers, best first."""
        found = self._from_directory(PPSE, records=False) or self._from_directory(PSE, records=True)
        if not found:
            found = self._from_aid_list()
        return sorted(found, key=lambda c: c.order)

    def _from_directory(self, name: bytes, records: bool) -> list[Candidate]:
        fci, sw = self.select(name)
        if sw != OK:
            return []
        entries: list[tlv.Tlv] = []
        if records:  # PSE: the directory is in the records of the SFI the FCI names (88)
            sfi = tlv.find(fci, 0x88)
            if not sfi or not 1 <= sfi[0] <= 30:
                return []
            for record in range(1, 17):
                answer, rsw = self.command(0x00, 0xB2, record, (sfi[0] << 3) | 4)
                if rsw != OK:
                    break
                entries += tlv.find_all(self._parse(answer, "READ RECORD"), 0x61)
        else:
            entries = tlv.find_all(fci, 0x61)
        out = []
        for entry in entries:
            aid = tlv.find(entry.children, 0x4F)
            if aid and 5 <= len(aid) <= 16:
                label = _text(tlv.find(entry.children, 0x50)) or _text(tlv.find(entry.children, 0x9F12))
                out.append(Candidate(aid, label, _priority(tlv.find(entry.children, 0x87))))
        return out

    def _from_aid_list(self) -> list[Candidate]:
        out: list[Candidate] = []
        for aid_hex in self.aids:
            aid = bytes.fromhex(aid_hex)
            first = True
            for _ in range(4):  # partial selection: the card may hold several AIDs starting with this one
                fci, sw = self.select(aid, first)
                first = False
                if sw != OK:
                    break
                full = tlv.find(fci, 0x84) or aid
                if not full.startswith(aid) or any(c.aid == full for c in out):
                    break
                label = _text(tlv.find(fci, 0x50)) or _text(tlv.find(fci, 0x9F12))
                out.append(Candidate(full, label, _priority(tlv.find(fci, 0x87))))
                if full == aid:
                    break
        return out

    # --- the read ----------------------------------------------------------------------------------------

    def read(self) -> CardData:
        candidates = self.candidates()
        if not candidates:
            raise MagStripeOnlyError("6A82", "no EMV payment application on the chip")
        last_sw = 0
        for cand in candidates:
            fci, sw = self.select(cand.aid)
            if sw != OK:
                last_sw = sw
                continue
            gpo, sw = self._gpo(fci)
            if sw == 0x6985:  # conditions not satisfied: Book 1 says try the next application
                last_sw = sw
                continue
            if sw != OK:
                raise UnreadableCardError(sw_text(sw), "GET PROCESSING OPTIONS refused")
            return self._records(cand, fci, gpo)
        raise UnreadableCardError(sw_text(last_sw), "no application could be selected")

    def _gpo(self, fci: list[tlv.Tlv]) -> tuple[list[tlv.Tlv], int]:
        pdol = tlv.find(fci, 0x9F38) or b""
        try:
            dol = tlv.parse_dol(pdol)
        except tlv.TlvError as exc:
            raise UnreadableCardError("", f"malformed PDOL: {exc}") from None
        values = fill_dol(dol, self.terminal, self.now())
        answer, sw = self.command(0x80, 0xA8, 0x00, 0x00, tlv.encode(0x83, values))
        if sw != OK:
            return [], sw
        parsed = self._parse(answer, "GET PROCESSING OPTIONS")
        if not parsed or parsed[0].tag not in (0x80, 0x77):
            raise UnreadableCardError("", "GET PROCESSING OPTIONS answered neither format 1 nor 2")
        if parsed[0].tag == 0x80:  # format 1: AIP (2 bytes) then the AFL
            body = parsed[0].value
            if len(body) < 2 or (len(body) - 2) % 4:
                raise UnreadableCardError("", "GET PROCESSING OPTIONS format 1 of a wrong length")
            return [tlv.Tlv(0x82, body[:2]), tlv.Tlv(0x94, body[2:])], sw
        return list(parsed[0].children), sw

    def _records(self, cand: Candidate, fci: list[tlv.Tlv], gpo: list[tlv.Tlv]) -> CardData:
        afl = tlv.find(gpo, 0x94) or b""
        if len(afl) % 4:
            raise UnreadableCardError("", "AFL of a wrong length")
        objects: list[tlv.Tlv] = list(gpo)
        for i in range(0, len(afl), 4):
            sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
            if not 1 <= sfi <= 30 or first == 0 or last < first:
                raise UnreadableCardError("", f"AFL entry {i // 4 + 1} is not valid")
            for record in range(first, last + 1):
                answer, sw = self.command(0x00, 0xB2, record, (sfi << 3) | 4)
                if sw != OK:
                    raise UnreadableCardError(sw_text(sw), f"READ RECORD {record} of SFI {sfi} refused")
                try:
                    parsed = tlv.parse(answer)
                except tlv.TlvError as exc:
                    if sfi > 10:  # SFI 11-30 records may be proprietary (Book 3, 10.2): not ours to read
                        continue
                    raise UnreadableCardError("", f"malformed answer to READ RECORD: {exc}") from None
                if not parsed or parsed[0].tag != 0x70:
                    if sfi > 10:
                        continue
                    raise UnreadableCardError("", f"record {record} of SFI {sfi} is not a record template")
                objects += parsed
        return self._card_data(cand, fci, objects)

    def _card_data(self, cand: Candidate, fci: list[tlv.Tlv], objects: list[tlv.Tlv]) -> CardData:
        pan_raw = tlv.find(objects, 0x5A)
        track2 = tlv.find(objects, 0x57)
        pan = expiry = ""
        t2 = track2.hex().upper() if track2 else ""
        if pan_raw:
            pan = pan_raw.hex().upper().rstrip("F")
        elif "D" in t2:
            pan = t2.split("D", 1)[0]
        if not pan.isdigit() or not 12 <= len(pan) <= 19:
            raise UnreadableCardError("", "no card number in the records")
        exp_raw = tlv.find(objects, 0x5F24)
        if exp_raw and len(exp_raw) == 3:
            yymm = exp_raw.hex()[:4]
        elif "D" in t2:
            yymm = t2.split("D", 1)[1][:4]
        else:
            yymm = ""
        if len(yymm) == 4 and yymm.isdigit() and 1 <= int(yymm[2:]) <= 12:
            expiry = f"20{yymm[:2]}-{yymm[2:]}"
        name = _text(tlv.find(objects, 0x5F20))
        if "/" in name:  # ISO 7813: SURNAME/GIVEN NAME
            surname, _, given = name.partition("/")
            name = " ".join(p.strip() for p in (given, surname) if p.strip())
        label = (
            _text(tlv.find(fci, 0x50))
            or cand.label
            or _text(tlv.find(fci, 0x9F12))
            or SCHEMES.get(cand.aid[:5], "")
        )
        lang_raw = _text(tlv.find(fci, 0x5F2D) or tlv.find(objects, 0x5F2D)).lower()
        langs = [lang_raw[i : i + 2] for i in range(0, len(lang_raw) - 1, 2)]
        self.pin_cvm = _allows_plaintext_pin(tlv.find(objects, 0x8E))
        data = CardData.from_pan(
            pan,
            expiry=expiry,
            label=label,
            aid=cand.aid.hex().upper(),
            name=name,
            lang_pref=[lang for lang in langs if lang.isalpha()],
            pin_cvm=self.pin_cvm,
        )
        pan = t2 = ""
        return data

    # --- PIN ---------------------------------------------------------------------------------------------

    def pin_tries_left(self) -> int | None:
        answer, sw = self.command(0x80, 0xCA, 0x9F, 0x17)
        if sw != OK:
            return None
        try:
            value = tlv.find(tlv.parse(answer), 0x9F17)
        except tlv.TlvError:
            return None
        return value[0] if value else None

    def verify_pin(self, pin: str) -> PinResult:
        """VERIFY with a plaintext PIN block (format 2). The PIN lives only in a buffer cleared here."""
        if not self.pin_cvm:
            raise NotSupportedError("", "the card's CVM list does not allow offline plaintext PIN")
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
            raise ValueError("a PIN is 4 to 12 digits")
        block = bytearray(bytes.fromhex(f"2{len(pin):X}" + pin + "F" * (14 - len(pin))))
        try:
            _, sw = self.command(0x00, 0x20, 0x00, 0x80, bytes(block), le=None)
        finally:
            for i in range(len(block)):
                block[i] = 0
        if sw == OK:
            return PinResult(True, self.pin_tries_left(), False)
        if sw >> 4 == 0x63C:
            tries = sw & 0x0F
            return PinResult(False, tries, tries == 0)
        if sw in (0x6983, 0x6984):
            return PinResult(False, 0, True)
        raise UnreadableCardError(sw_text(sw), "VERIFY refused")


def _allows_plaintext_pin(cvm_list: bytes | None) -> bool:
    """Whether any rule of the CVM list (8E: X, Y, then 2-byte rules) is offline plaintext PIN (01, 03)."""
    if not cvm_list or len(cvm_list) < 10:
        return False
    rules = cvm_list[8:]
    return any((rules[i] & 0x3F) in (0x01, 0x03) for i in range(0, len(rules) - 1, 2))
