"""An EMV card emulator: a profile (``profiles.py``) answering command APDUs the way the EMV books allow.

Used in memory by the ``sim:`` reader and over vpcd by the tests (``vpcd.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.card.base import CardRemovedError
from devices.card.tlv import encode, parse_dol
from devices.card.virtual.profiles import App, Profile

OK = b"\x90\x00"
NOT_FOUND = b"\x6a\x82"
NO_RECORD = b"\x6a\x83"
DIR_SFI = 1


class CardPulled(Exception):
    """The profile's card leaves the reader now (vpcd: the connection closes)."""


def _lang(app: App) -> bytes:
    return app.lang.encode("ascii")


def _bcd(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex(digits)


@dataclass
class _Pending:
    data: bytes


class VirtualCard:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.atr = bytes.fromhex(profile.atr)
        self.tries = profile.pin_tries
        self.apdus = 0
        self.pulled = False
        self._current: App | str | None = None  # the selected app, "PSE", or None
        self._pending = b""
        self._gpo_done = False
        self.log: list[bytes] = []  # INS bytes and headers only, for tests: never data

    def transport(self) -> _MemoryTransport:
        return _MemoryTransport(self)

    def reset(self) -> None:
        self._current = None
        self._pending = b""
        self._gpo_done = False

    # --- encoding helpers -------------------------------------------------------------------------------

    def _tlv(self, tag: int, value: bytes) -> bytes:
        return encode(tag, value, self.profile.long_lengths)

    def _join(self, parts: list[bytes]) -> bytes:
        sep = b"\x00\xff" if self.profile.padding else b""
        return sep + sep.join(parts) + sep

    # --- APDU processing --------------------------------------------------------------------------------

    def process(self, apdu: bytes) -> bytes:
        self.apdus += 1
        self.log.append(apdu[:4])
        if self.profile.pull_after and self.apdus >= self.profile.pull_after:
            self.pulled = True
        if self.pulled:
            raise CardPulled()
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        data, le = b"", None
        if len(body) == 1:
            le = body[0]
        elif len(body) > 1:
            lc = body[0]
            data = body[1 : 1 + lc]
            if len(data) != lc or len(body) > lc + 2:
                return b"\x67\x00"
            if len(body) == lc + 2:
                le = body[-1]
        if ins == 0xC0:
            return self._get_response(le)
        self._pending = b""
        if ins == 0xA4 and p1 == 0x04:
            answer = self._select(data, p2)
        elif ins == 0xA8 and cla == 0x80:
            answer = self._gpo(data)
        elif ins == 0xB2:
            answer = self._read_record(p1, p2)
            if self.profile.wrong_le and len(answer) > 2 and le != len(answer) - 2:
                return b"\x6c" + bytes([len(answer) - 2])
        elif ins == 0xCA and cla == 0x80:
            answer = self._get_data((p1 << 8) | p2)
        elif ins == 0x20:
            answer = self._verify(p2, data)
        else:
            return b"\x6d\x00"
        if self.profile.t0 and len(answer) > 2 and answer[-2:] == OK:
            self._pending = answer[:-2]
            return b"\x61" + bytes([min(len(self._pending), 0xFF) & 0xFF])
        return answer

    def _get_response(self, le: int | None) -> bytes:
        if not self._pending:
            return b"\x69\x85"
        n = le or 256
        chunk, self._pending = self._pending[:n], self._pending[n:]
        if self._pending:
            return chunk + b"\x61" + bytes([min(len(self._pending), 0xFF) & 0xFF])
        return chunk + OK

    def _apps(self) -> tuple[App, ...]:
        return () if self.profile.mag_stripe_only else self.profile.apps

    def _entry(self, app: App) -> bytes:
        parts = [self._tlv(0x4F, bytes.fromhex(app.aid)), self._tlv(0x50, app.label.encode("ascii"))]
        if app.priority is not None:
            parts.append(self._tlv(0x87, bytes([app.priority])))
        return self._tlv(0x61, b"".join(parts))

    def _select(self, name: bytes, p2: int) -> bytes:
        self._current = None
        self._gpo_done = False
        apps = self._apps()
        if name == b"2PAY.SYS.DDF01" and self.profile.selection == "ppse" and apps:
            entries = b"".join(self._entry(a) for a in apps)
            fci = self._tlv(0x84, name) + self._tlv(0xA5, self._tlv(0xBF0C, entries))
            return self._tlv(0x6F, fci) + OK
        if name == b"1PAY.SYS.DDF01" and self.profile.selection == "pse" and apps:
            self._current = "PSE"
            pse_prop = self._tlv(0x88, bytes([DIR_SFI])) + self._tlv(0x5F2D, _lang(apps[0]))
            return self._tlv(0x6F, self._tlv(0x84, name) + self._tlv(0xA5, pse_prop)) + OK
        matches = [a for a in apps if bytes.fromhex(a.aid).startswith(name) and len(name) >= 5]
        if p2 == 0x02:  # next occurrence: after the one selected by the last partial name
            matches = matches[1:]
        if not matches:
            return NOT_FOUND
        app = matches[0]
        self._current = app
        prop = [self._tlv(0x50, app.label.encode("ascii"))]
        if app.priority is not None:
            prop.append(self._tlv(0x87, bytes([app.priority])))
        if app.pdol:
            prop.append(self._tlv(0x9F38, bytes.fromhex(app.pdol)))
        prop.append(self._tlv(0x5F2D, _lang(app)))
        if app.preferred_name:
            prop.append(self._tlv(0x9F12, app.preferred_name.encode("ascii")))
        fci = self._tlv(0x84, bytes.fromhex(app.aid)) + self._tlv(0xA5, b"".join(prop))
        return self._tlv(0x6F, fci) + OK

    def _gpo(self, data: bytes) -> bytes:
        app = self._current
        if not isinstance(app, App):
            return b"\x69\x85"
        want = sum(length for _, length in parse_dol(bytes.fromhex(app.pdol))) if app.pdol else 0
        if len(data) < 2 or data[0] != 0x83 or data[1] != want or len(data) != 2 + want:
            return b"\x67\x00"
        self._gpo_done = True
        aip = b"\x19\x00"
        afl = bytes([app.sfi << 3, 1, 2, 0])
        if app.gpo_format == 1:
            return self._tlv(0x80, aip + afl) + OK
        return self._tlv(0x77, self._tlv(0x82, aip) + self._tlv(0x94, afl)) + OK

    def _records(self, app: App) -> list[bytes]:
        exp = app.expiry
        track2 = _bcd(f"{app.pan}D{exp[:4]}2011000000000000")
        rec1 = [self._tlv(0x57, track2)]
        if app.cardholder is not None:
            rec1.append(self._tlv(0x5F20, app.cardholder.encode("ascii")))
        for tag, value in self.profile.extra.items():
            rec1.append(self._tlv(int(tag, 16), bytes.fromhex(value)))
        cvm_rule = b"\x01\x00" if app.plaintext_pin else b"\x02\x00"
        rec2 = [
            self._tlv(0x8E, bytes(8) + cvm_rule + b"\x1e\x03" + b"\x1f\x00"),
            self._tlv(0x5F28, b"\x06\x43"),
            self._tlv(0x9F07, b"\xff\x00"),
        ]
        if not app.track2_only:
            rec2 = [self._tlv(0x5A, _bcd(app.pan)), self._tlv(0x5F24, bytes.fromhex(exp)), *rec2]
        return [self._tlv(0x70, self._join(rec1)), self._tlv(0x70, self._join(rec2))]

    def _read_record(self, record: int, p2: int) -> bytes:
        if p2 & 0x07 != 0x04:
            return b"\x6a\x86"
        sfi = p2 >> 3
        if self._current == "PSE" and sfi == DIR_SFI:
            apps = self._apps()
            return (
                self._tlv(0x70, self._entry(apps[record - 1])) + OK if 1 <= record <= len(apps) else NO_RECORD
            )
        app = self._current
        if not isinstance(app, App) or sfi != app.sfi:
            return NO_RECORD
        records = self._records(app)
        return records[record - 1] + OK if 1 <= record <= len(records) else NO_RECORD

    def _get_data(self, tag: int) -> bytes:
        if tag == 0x9F17:
            return self._tlv(0x9F17, bytes([self.tries])) + OK
        return b"\x6a\x88"

    def _verify(self, p2: int, data: bytes) -> bytes:
        app = self._current
        if p2 != 0x80 or not isinstance(app, App) or not app.plaintext_pin:
            return b"\x6a\x86"
        if self.tries == 0:
            return b"\x69\x83"
        digits = data.hex().upper()
        if len(data) != 8 or digits[0] != "2":
            return b"\x6a\x80"
        n = int(digits[1], 16)
        if digits[2 : 2 + n] == self.profile.pin:
            self.tries = self.profile.pin_tries or 3
            return OK
        self.tries -= 1
        return bytes([0x63, 0xC0 | self.tries])


class _MemoryTransport:
    """The simulator's wire: a pulled card reads as PC/SC's "card removed"."""

    def __init__(self, card: VirtualCard) -> None:
        self.card = card

    def transmit(self, apdu: bytes) -> bytes:
        if self.card.pulled:
            raise CardRemovedError("0x80100069", "the card was removed")
        try:
            return self.card.process(apdu)
        except CardPulled:
            raise CardRemovedError("0x80100069", "the card was removed") from None
