"""Linux input events (``/dev/input/event*``) read with ``struct``, and the US keyboard layout a scanner types.

Why no python-evdev: we need one struct and one ioctl. An event is ``struct input_event``: a ``timeval``
(two C longs), then type (u16), code (u16) and value (s32): 24 bytes on 64-bit, 16 on 32-bit systems, which
is what native ``struct`` sizes give.

A keyboard-wedge scanner "types" the code as key presses. The scanner must be set to the US layout (its
factory default almost everywhere): key codes are mapped here as a US keyboard would map them, whatever
layout the desktop uses. Only ASCII can be typed this way; Alt+numpad sequences are ignored.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

EVENT = struct.Struct("llHHi")
EV_SYN, EV_KEY, EV_MSC = 0x00, 0x01, 0x04
RELEASE, PRESS, REPEAT = 0, 1, 2
# _IOW('E', 0x90, int): exclusive access, so the keystrokes do not also reach the focused window.
EVIOCGRAB = (1 << 30) | (struct.calcsize("i") << 16) | (ord("E") << 8) | 0x90

KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT = 29, 97, 56, 100
_SHIFT = {KEY_LEFTSHIFT, KEY_RIGHTSHIFT}
_CTRL = {KEY_LEFTCTRL, KEY_RIGHTCTRL}
_ALT = {KEY_LEFTALT, KEY_RIGHTALT}


def _rows() -> dict[int, tuple[str, str]]:
    keys: dict[int, tuple[str, str]] = {}
    for first, plain, shifted in (
        (2, "1234567890-=", "!@#$%^&*()_+"),
        (16, "qwertyuiop[]", "QWERTYUIOP{}"),
        (30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
        (43, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
    ):
        for i, (a, b) in enumerate(zip(plain, shifted, strict=True)):
            keys[first + i] = (a, b)
    keys[57] = (" ", " ")
    for code, ch in KEYPAD.items():
        keys[code] = (ch, ch)
    return keys


#: The keypad, as scanners in "emulate keypad" mode use it (NumLock assumed on).
KEYPAD: dict[int, str] = {71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+", 79: "1",
                          80: "2", 81: "3", 82: "0", 83: ".", 55: "*", 98: "/", 117: "="}  # fmt: skip


#: Linux key code -> (character, character with Shift) on a US keyboard.
US_KEYS: dict[int, tuple[str, str]] = _rows()


@dataclass(frozen=True)
class InputEvent:
    type: int
    code: int
    value: int


def parse_events(data: bytes, fmt: struct.Struct = EVENT) -> tuple[list[InputEvent], bytes]:
    """Whole events in ``data`` and the bytes of an incomplete last one (to prepend to the next read)."""
    whole = len(data) - len(data) % fmt.size
    events = [InputEvent(t, c, v) for _s, _u, t, c, v in fmt.iter_unpack(data[:whole])]
    return events, data[whole:]


def pack_event(type_: int, code: int, value: int, fmt: struct.Struct = EVENT) -> bytes:
    """One input_event, as the kernel writes it (for tests and fakes)."""
    return fmt.pack(0, 0, type_, code, value)


def key_events(text: str, *, enter: bool = True) -> bytes:
    """The events a US-layout wedge scanner sends to type ``text`` (ASCII), Enter at the end."""
    reverse: dict[str, tuple[int, bool]] = {}
    for code, (plain, shifted) in sorted(US_KEYS.items(), key=lambda kv: (kv[0] in KEYPAD, kv[0])):
        reverse.setdefault(plain, (code, False))
        reverse.setdefault(shifted, (code, True))
    out = bytearray()

    def tap(code: int) -> None:
        out.extend(pack_event(EV_MSC, 4, 0x70000 + code))  # scan code, as real keyboards send first
        out.extend(pack_event(EV_KEY, code, PRESS))
        out.extend(pack_event(EV_SYN, 0, 0))
        out.extend(pack_event(EV_KEY, code, RELEASE))
        out.extend(pack_event(EV_SYN, 0, 0))

    for ch in text:
        if ch == "\t":
            tap(KEY_TAB)
            continue
        code, shift = reverse[ch]
        if shift:
            out.extend(pack_event(EV_KEY, KEY_LEFTSHIFT, PRESS))
        tap(code)
        if shift:
            out.extend(pack_event(EV_KEY, KEY_LEFTSHIFT, RELEASE))
    if enter:
        tap(KEY_ENTER)
    return bytes(out)


class KeyDecoder:
    """Key presses -> characters, tracking Shift, Ctrl, Alt and Caps Lock of this device alone."""

    def __init__(self) -> None:
        self.shift: set[int] = set()
        self.ctrl: set[int] = set()
        self.alt: set[int] = set()
        self.caps = False
        self.ignored = 0  # keys with no character (function keys, Alt combinations): for the debug log

    def feed(self, event: InputEvent) -> str:
        """The characters one event types: usually "" or one character; Enter is "\\r", Tab "\\t"."""
        if event.type != EV_KEY:
            return ""
        code, value = event.code, event.value
        for held, keys in ((self.shift, _SHIFT), (self.ctrl, _CTRL), (self.alt, _ALT)):
            if code in keys:
                if value == RELEASE:
                    held.discard(code)
                else:
                    held.add(code)
                return ""
        if value != PRESS:
            return ""  # releases, and auto-repeat of a key held down
        if code == KEY_CAPSLOCK:
            self.caps = not self.caps
            return ""
        if code in (KEY_ENTER, KEY_KPENTER):
            return "\r"
        if code == KEY_TAB:
            return "\t"
        pair = US_KEYS.get(code)
        if pair is None or self.alt:
            self.ignored += 1
            return ""
        plain, shifted = pair
        ch = shifted if self.shift else plain
        if plain.isalpha() and self.caps:
            ch = ch.swapcase()
        if self.ctrl:
            upper = plain.upper()
            if "A" <= upper <= "Z" or upper in "[\\]":
                return chr(ord(upper) & 0x1F)  # Ctrl+] is GS, how scanners type the GS1 separator
            self.ignored += 1
            return ""
        return ch


def decode_keys(events: Iterator[InputEvent] | list[InputEvent], decoder: KeyDecoder | None = None) -> str:
    """All the characters a run of events types."""
    decoder = decoder or KeyDecoder()
    return "".join(decoder.feed(event) for event in events)
