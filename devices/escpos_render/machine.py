"""The printer's state machine under the command reader: line buffer, styles, text, graphics and symbols."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from PIL import Image

from devices.escpos_render.elements import (
    _DIGITS,
    BARCODE_NAMES,
    CODE_PAGES,
    DEFAULT_LINE_SPACING,
    FONT_CELLS,
    GS,
    Align,
    Barcode,
    BitImageRun,
    Element,
    Feed,
    Ignored,
    Line,
    QRCode,
    Raster,
    TextRun,
    TextStyle,
    Unknown,
)
from devices.escpos_render.symbols import ECLevel


class _TruncatedError(Exception):
    """The data ended inside a command: a printer would wait for the rest, so nothing of it is printed."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def peek(self) -> int | None:
        return None if self.at_end() else self.data[self.pos]

    def byte(self) -> int:
        if self.at_end():
            raise _TruncatedError
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _TruncatedError
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def u16(self) -> int:
        lo = self.byte()
        return lo + 256 * self.byte()

    def until_nul(self) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise _TruncatedError
        out = self.data[self.pos : end]
        self.pos = end + 1
        return out


_ALIGNS: dict[int, Align] = {0: "left", 1: "center", 2: "right"}
_EC_LEVELS: dict[int, ECLevel] = {48: "L", 49: "M", 50: "Q", 51: "H"}


def _align(n: int) -> Align | None:
    return _ALIGNS.get(n - 48 if n >= 48 else n)


def _columns_to_image(data: bytes, columns: int, bits: int) -> Image.Image:
    """Column-format bit images are raster images turned on their side: decode as rows, then transpose."""
    rows = Image.frombytes("1", (bits, columns), data, "raw", "1;I")
    return rows.transpose(Image.Transpose.TRANSPOSE)


@lru_cache(maxsize=64)
def _byte_table(codec: str | None) -> tuple[str, ...]:
    def one(b: int) -> str:
        if b < 0x80:
            return chr(b)
        return bytes([b]).decode(codec, errors="replace") if codec else "\ufffd"

    return tuple(one(b) for b in range(256))


@dataclass
class _State:
    """Everything ESC @ resets."""

    paper: int
    kanji: bool
    style: TextStyle = TextStyle()  # noqa: RUF009 (frozen)
    align: Align = "left"
    spacing: int = DEFAULT_LINE_SPACING
    code_page: int = 0
    utf8: bool = False
    char_spacing: int = 0
    left: int = 0
    area_width: int = 0
    tabs: list[int] = field(default_factory=lambda: [96 * k for k in range(1, 33)])
    bc_height: int = 162
    bc_width: int = 3
    bc_hri: int = 0
    bc_font: Literal["A", "B"] = "A"
    qr_model: int = 2
    qr_size: int = 3
    qr_ec: ECLevel = "L"
    qr_data: bytes = b""
    graphics: Image.Image | None = None
    downloaded: Image.Image | None = None

    @property
    def area(self) -> int:
        return max(1, min(self.area_width or self.paper, self.paper - self.left))


class PrinterMachine:
    """The printer's state and what puts ink down; ``decoder._Decoder`` reads the commands that drive it."""

    def __init__(
        self,
        data: bytes,
        paper: int,
        cjk_encoding: str,
        cjk_default: bool,
        code_pages: Mapping[int, str] | None,
    ) -> None:
        self.r = _Reader(data)
        self.paper = paper
        self.cjk = codecs.lookup(cjk_encoding).name  # fail early on a misspelt codec
        self.cjk_default = cjk_default
        self.code_pages = {**CODE_PAGES, **(code_pages or {})}
        self.out: list[Element] = []
        self.st = _State(paper=paper, kanji=cjk_default)
        self.runs: list[TextRun | BitImageRun] = []
        self.x = 0
        self.line_align: Align = "left"

    def _ignored(self, name: str, start: int) -> None:
        self.out.append(Ignored(name, start))

    # -- text -----------------------------------------------------------------------------------------------

    def _text_byte(self, b: int) -> None:
        st, r = self.st, self.r
        if st.utf8 and b >= 0x80:
            n = 1 if b < 0xE0 else 2 if b < 0xF0 else 3
            tail = b""
            while len(tail) < n and (p := r.peek()) is not None and 0x80 <= p < 0xC0:
                tail += bytes([r.byte()])
            for ch in (bytes([b]) + tail).decode("utf-8", errors="replace"):
                self._put(ch, unicodedata.east_asian_width(ch) in "WF")
        elif st.kanji and 0x81 <= b <= 0xFE:
            ahead = r.data[r.pos : r.pos + 3]
            if not ahead:
                raise _TruncatedError
            four = (
                len(ahead) == 3 and ahead[0] in _DIGITS and 0x81 <= ahead[1] <= 0xFE and ahead[2] in _DIGITS
            )
            if self.cjk == "gb18030" and four:
                raw = bytes([b]) + r.take(3)  # GB18030 four-byte form: lead, digit, lead, digit
            elif 0x40 <= ahead[0] <= 0xFE and ahead[0] != 0x7F:
                raw = bytes([b, r.byte()])
            else:  # no valid trail byte (say, CP866 text in Chinese mode): don't swallow the next command
                raw = bytes([b])
            for ch in raw.decode(self.cjk, errors="replace"):
                self._put(ch, ord(ch) >= 0x80)  # double-byte characters print in two cells
        else:
            self._put(_byte_table(self.code_pages.get(st.code_page))[b], False)

    def _put(self, ch: str, wide: bool) -> None:
        st, s = self.st, self.st.style
        ch = (
            "\ufffd" if unicodedata.category(ch) == "Cc" else ch
        )  # a control code decoded from a bad sequence
        base_w, base_h = FONT_CELLS[s.font]
        cell_w = base_w * s.width * (2 if wide else 1)
        pitch = cell_w + st.char_spacing * s.width
        if self.x > 0 and self.x + cell_w > st.area:  # buffer full: the printer prints it and goes on
            self._print_line(st.spacing)
        if not self.runs:
            self.line_align = st.align
        last = self.runs[-1] if self.runs else None
        if (
            isinstance(last, TextRun)
            and (last.style, last.cell_w, last.pitch) == (s, cell_w, pitch)
            and last.x + last.width == self.x
        ):
            self.runs[-1] = replace(last, text=last.text + ch)
        else:
            self.runs.append(TextRun(ch, s, self.x, cell_w, base_h * s.height, pitch))
        self.x += pitch

    def _tab(self) -> None:
        nxt = [t for t in self.st.tabs if t > self.x]
        if nxt and nxt[0] < self.st.area:
            self.x = nxt[0]

    def _print_line(self, min_advance: int) -> None:
        st = self.st
        if self.runs:
            height = max(r.height for r in self.runs)
            self.out.append(
                Line(tuple(self.runs), self.line_align, st.left, st.area, height, max(min_advance, height))
            )
        elif min_advance > 0:
            self.out.append(Feed(min_advance))
        self.runs, self.x = [], 0

    def _style(self, **changes: Any) -> None:
        self.st.style = replace(self.st.style, **changes)

    # -- command families -----------------------------------------------------------------------------------

    # -- graphics and symbols -------------------------------------------------------------------------------

    def _raster(self, img: Image.Image, sx: int, sy: int, command: str) -> None:
        self._print_line(0)
        if img.width == 0 or img.height == 0:
            return
        if (sx, sy) != (1, 1):
            img = img.resize((img.width * sx, img.height * sy), Image.Resampling.NEAREST)
        st = self.st
        self.out.append(Raster(img, st.align, st.left, st.area, command))

    def _graphics(self, start: int, payload: bytes, command: str) -> None:
        st = self.st
        fn = payload[1] if len(payload) >= 2 else -1
        if fn == 112 and len(payload) >= 10:  # store raster graphics: m fn a bx by c xL xH yL yH data
            bx, by = payload[3], payload[4]
            w = payload[6] + 256 * payload[7]
            h = payload[8] + 256 * payload[9]
            data = payload[10:]
            if len(data) >= (w + 7) // 8 * h:
                img = Image.frombytes("1", (w, h), data, "raw", "1;I")
                size = (w * (2 if bx == 2 else 1), h * (2 if by == 2 else 1))
                st.graphics = img.resize(size, Image.Resampling.NEAREST)
                return
        elif fn in (50, 2) and st.graphics is not None:  # print buffered graphics
            self._raster(st.graphics, 1, 1, command)
            st.graphics = None
            return
        self._ignored(f"{command} fn={fn}", start)

    def _symbol(self, start: int, payload: bytes) -> None:
        st = self.st
        if len(payload) < 2 or payload[0] != 49:  # cn 49 is QR; PDF417, MaxiCode... are not drawn
            self._ignored(f"GS ( k cn={payload[0] if payload else -1}", start)
            return
        fn, args = payload[1], payload[2:]
        if fn == 65 and len(args) >= 1:
            st.qr_model = {49: 1, 50: 2, 51: 3}.get(args[0], 2)
        elif fn == 67 and args:
            st.qr_size = min(16, max(1, args[0]))
        elif fn == 69 and args:
            st.qr_ec = _EC_LEVELS.get(args[0], "L")
        elif fn == 80 and args:
            st.qr_data = args[1:]
        elif fn == 81:
            self._print_line(0)
            if st.qr_data:
                qr = QRCode(st.qr_data, st.qr_size, st.qr_ec, st.qr_model, st.align, st.left, st.area)
                self.out.append(qr)
        else:
            self._ignored(f"GS ( k QR fn={fn}", start)

    def _barcode(self, start: int) -> None:
        r, st = self.r, self.st
        m = r.byte()
        if m <= 6:
            data = r.until_nul()
        elif 65 <= m <= 78:
            data = r.take(r.byte())
            m = m - 65 if m <= 71 else m
        else:
            self.out.append(Unknown(bytes([GS, ord("k"), m]), start, "unknown barcode system"))
            return
        self._print_line(0)
        name = BARCODE_NAMES[m]
        bc = Barcode(name, data, st.bc_height, st.bc_width, st.bc_hri, st.bc_font, st.align, st.left, st.area)
        self.out.append(bc)
