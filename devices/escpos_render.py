"""Turn the ESC/POS bytes sent to a receipt printer into a picture of the paper.

Why: the simulator printer, ``kiosk print-preview`` and golden tests must show what a real printer would
make of the exact bytes the kiosk sends (code page mistakes included), so this works on bytes, not on
python-escpos calls, and follows printer rules: a line buffer printed on LF, wrapping at the cell count,
code pages chosen by ``ESC t``.

Stages: ``_Reader`` (never reads past the end) -> ``_Decoder`` (printer state machine producing a flat list of
elements, all positions in dots) -> ``paint`` (stacks elements top to bottom and draws them with Pillow).

Printed: LF, FF, HT; ESC @ ! - 2 3 A + D E G J M SP $ \\ a d t * i m; GS ! B H L W f h k w v0 V * /,
GS ( L and GS 8 L (graphics), GS ( k (QR: model A, size C, level E, store P, print Q); FS & . and
FS ( C (UTF-8 mode).
Consumed and recorded as ``Ignored``: ESC = p R c { V U r T L S W B % ? & ( e u v <;
GS a b | r I P $ \\ T : ^ c and other GS ( / GS 8 functions; FS ! - C S W 2 p q; DLE EOT, ENQ, DC4.
Skipped silently: CR (no auto line feed), CAN, BEL, NUL.
Anything else becomes ``Unknown`` and only its first one or two bytes are skipped.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import qrcode
from PIL import Image, ImageDraw, ImageFont

from service_common.paths import FONTS

Align = Literal["left", "center", "right"]
ECLevel = Literal["L", "M", "Q", "H"]

ESC, GS, FS, DLE, NUL = 0x1B, 0x1D, 0x1C, 0x10, 0x00
_DIGITS = range(0x30, 0x3A)
FONT_CELLS: dict[str, tuple[int, int]] = {"A": (12, 24), "B": (9, 17)}  # dots, Epson 203 dpi fonts
DEFAULT_LINE_SPACING = 30  # ESC 2 on 203-dpi Epson printers: 30/203 inch; ESC 3 n is taken as n dots
# The full face when built: receipts carry names with characters the interface's subset lacks.
DEFAULT_FONT = next(
    p
    for p in (FONTS / "KioskSansFull-Regular.otf", FONTS / "KioskSans-Regular.otf")
    if p.exists() or "Full" not in p.name
)

#: ``ESC t n`` numbering of Epson TM printers (same as python-escpos's TM-T20II profile) -> Python codec.
#: Pages Python has no codec for (11 CP851, 12 CP853, 30/31 TCVN-3, 41 CP1098, 42 CP774, 43 CP772, 255 user)
#: print their bytes >= 0x80 as U+FFFD. 1 (Katakana) is read with cp932's single-byte half.
CODE_PAGES: dict[int, str] = {
    0: "cp437", 1: "cp932", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857", 14: "cp737",
    15: "iso8859_7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 21: "cp874", 32: "cp720",
    33: "cp775", 34: "cp855", 35: "cp861", 36: "cp862", 37: "cp864", 38: "cp869", 39: "iso8859_2",
    40: "iso8859_15", 44: "cp1125", 45: "cp1250", 46: "cp1251", 47: "cp1253", 48: "cp1254", 49: "cp1255",
    50: "cp1256", 51: "cp1257", 52: "cp1258", 53: "kz1048",
}  # fmt: skip

BARCODE_NAMES: dict[int, str] = {
    0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR", 72: "CODE93",
    73: "CODE128", 74: "GS1-128", 75: "GS1 DATABAR OMNI", 76: "GS1 DATABAR TRUNCATED",
    77: "GS1 DATABAR LIMITED", 78: "GS1 DATABAR EXPANDED",
}  # fmt: skip

# ---------------------------------------------------------------------------------------------- elements


@dataclass(frozen=True)
class TextStyle:
    font: Literal["A", "B"] = "A"
    bold: bool = False
    underline: int = 0  # dots: 0, 1, 2
    width: int = 1  # multipliers 1-8
    height: int = 1
    invert: bool = False


@dataclass(frozen=True)
class TextRun:
    """Characters of one style and cell size; x is in dots from the left margin: painting needs no rules."""

    text: str
    style: TextStyle
    x: int
    cell_w: int
    cell_h: int
    pitch: int  # cell_w plus ESC SP spacing

    @property
    def width(self) -> int:
        return len(self.text) * self.pitch

    @property
    def height(self) -> int:
        return self.cell_h


@dataclass(frozen=True, eq=False)
class BitImageRun:
    """An ``ESC *`` stripe: it sits in the line buffer like text and prints with the line."""

    image: Image.Image
    x: int

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


@dataclass(frozen=True)
class Line:
    """One printed line: ``advance`` is the paper fed after it (the line spacing or its height if taller)."""

    runs: tuple[TextRun | BitImageRun, ...]
    align: Align
    left: int
    area: int
    height: int
    advance: int

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs if isinstance(r, TextRun))

    @property
    def content_width(self) -> int:
        return max((r.x + r.width for r in self.runs), default=0)


@dataclass(frozen=True)
class Feed:
    dots: int


@dataclass(frozen=True, eq=False)
class Raster:
    """A bit image printed on its own (GS v 0, GS ( L, GS /); ``image`` is mode "1", already scaled."""

    image: Image.Image
    align: Align
    left: int
    area: int
    command: str


@dataclass(frozen=True)
class QRCode:
    data: bytes
    module_size: int
    ec: ECLevel
    model: int
    align: Align
    left: int
    area: int

    def matrix(self) -> tuple[tuple[bool, ...], ...] | None:
        """Module matrix without quiet zone, as the printer would encode it; None if the data cannot fit."""
        return _qr_matrix(self.data, self.ec)


@dataclass(frozen=True)
class Barcode:
    symbology: str
    data: bytes
    height: int
    module_width: int
    hri: int  # 0 none, 1 above, 2 below, 3 both
    hri_font: Literal["A", "B"]
    align: Align
    left: int
    area: int


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class Ignored:
    """A command understood and deliberately not drawn: drawer kick, status query, setting without ink."""

    command: str
    offset: int


@dataclass(frozen=True)
class Unknown:
    data: bytes
    offset: int
    reason: str


Element = Line | Feed | Raster | QRCode | Barcode | Cut | Ignored | Unknown


def plain_text(elements: list[Element]) -> str:
    """The printed text, one line per printed line, for tests and logs."""
    return "\n".join(e.text for e in elements if isinstance(e, Line))


# ---------------------------------------------------------------------------------------------- reader


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


# ---------------------------------------------------------------------------------------------- decoder


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
    style: TextStyle = TextStyle()
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


_ESC_SKIP: dict[int, tuple[int, str]] = {  # ESC x: (parameter bytes, name) for commands that put no ink down
    ord("="): (1, "ESC = (select peripheral)"), ord("p"): (3, "ESC p (cash drawer)"),
    ord("R"): (1, "ESC R (international charset)"), ord("c"): (2, "ESC c (paper sensors/panel)"),
    ord("{"): (1, "ESC { (upside down)"), ord("V"): (1, "ESC V (rotate 90)"), ord("U"): (1, "ESC U"),
    ord("r"): (1, "ESC r (color)"), ord("T"): (1, "ESC T (page direction)"),
    ord("L"): (0, "ESC L (page mode)"),
    ord("S"): (0, "ESC S (standard mode)"), ord("W"): (8, "ESC W (page mode area)"),
    ord("B"): (2, "ESC B (buzzer)"),
    ord("%"): (1, "ESC % (user chars)"), ord("?"): (1, "ESC ? (user chars)"),
    ord("e"): (1, "ESC e (reverse feed)"),
    ord("u"): (1, "ESC u (status)"), ord("v"): (0, "ESC v (status)"), ord("<"): (0, "ESC < (return home)"),
}  # fmt: skip
_GS_SKIP: dict[int, tuple[int, str]] = {
    ord("a"): (1, "GS a (auto status back)"), ord("b"): (1, "GS b (smoothing)"),
    ord("|"): (1, "GS | (density)"),
    ord("r"): (1, "GS r (status)"), ord("I"): (1, "GS I (printer ID)"), ord("P"): (2, "GS P (motion units)"),
    ord("$"): (2, "GS $ (page mode position)"), ord("\\"): (2, "GS \\ (page mode position)"),
    ord("T"): (1, "GS T"), ord(":"): (0, "GS : (macro)"), ord("^"): (3, "GS ^ (macro)"),
    ord("c"): (0, "GS c"),
}  # fmt: skip
_FS_SKIP: dict[int, tuple[int, str]] = {
    ord("!"): (1, "FS ! (kanji print mode)"), ord("-"): (1, "FS - (kanji underline)"),
    ord("C"): (1, "FS C (kanji code system)"), ord("S"): (2, "FS S (kanji spacing)"),
    ord("W"): (1, "FS W (kanji quadruple)"), ord("p"): (2, "FS p (print NV image)"),
}  # fmt: skip


class _Decoder:
    """The printer's state machine; each handler consumes exactly its command's bytes."""

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

    def run(self) -> list[Element]:
        r = self.r
        while not r.at_end():
            start = r.pos
            try:
                self._step(start, r.byte())
            except _TruncatedError:
                self.out.append(Unknown(r.data[start : start + 16], start, "data ends inside a command"))
                break
        if self.runs:
            text = "".join(x.text for x in self.runs if isinstance(x, TextRun)).encode()
            self.out.append(Unknown(text, len(r.data), "line buffer never printed (no LF at the end)"))
        return self.out

    def _ignored(self, name: str, start: int) -> None:
        self.out.append(Ignored(name, start))

    def _step(self, start: int, b: int) -> None:
        if b == ESC:
            self._esc(start, self.r.byte())
        elif b == GS:
            self._gs(start, self.r.byte())
        elif b == FS:
            self._fs(start, self.r.byte())
        elif b == DLE:
            self._dle(start)
        elif b in (0x0A, 0x0C):  # LF, FF: print the buffer and feed one line
            self._print_line(self.st.spacing)
        elif b == 0x09:
            self._tab()
        elif b in (0x0D, 0x18, 0x07, NUL):  # CR (no auto-LF), CAN, BEL, padding
            pass
        elif b < 0x20 or b == 0x7F:
            self.out.append(Unknown(bytes([b]), start, "control character"))
        else:
            self._text_byte(b)

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

    def _esc(self, start: int, c: int) -> None:
        r, st = self.r, self.st
        ch = chr(c)
        if ch == "@":
            self.st = _State(paper=self.paper, kanji=self.cjk_default)
            self.runs, self.x = [], 0
        elif ch == "!":
            n = r.byte()
            self._style(
                font="B" if n & 1 else "A", bold=bool(n & 8), height=2 if n & 16 else 1,
                width=2 if n & 32 else 1, underline=1 if n & 128 else 0,
            )  # fmt: skip
        elif ch in "EG":
            self._style(bold=bool(r.byte() & 1))
        elif ch == "-":
            n = r.byte()
            self._style(underline=(n - 48 if n >= 48 else n) if n in (0, 1, 2, 48, 49, 50) else 0)
        elif ch == "M":
            self._style(font="B" if r.byte() in (1, 49) else "A")
        elif ch == "a":
            st.align = _align(r.byte()) or st.align
        elif ch == "t":
            st.code_page = r.byte()
            if st.code_page not in self.code_pages:
                self._ignored(f"ESC t {st.code_page} (no codec: bytes >= 0x80 print as U+FFFD)", start)
        elif ch == "2":
            st.spacing = DEFAULT_LINE_SPACING
        elif ch == "3":
            st.spacing = r.byte()
        elif ch == "A":  # 1/60 inch (Star and others)
            st.spacing = round(r.byte() * 203 / 60)
        elif ch == "+":  # 1/360 inch
            st.spacing = round(r.byte() * 203 / 360)
        elif ch == "d":
            self._print_line(r.byte() * st.spacing)
        elif ch == "J":
            self._print_line(r.byte())
        elif ch == " ":
            st.char_spacing = r.byte()
        elif ch == "$":
            pos = r.u16()
            if pos < st.area:
                self.x = pos
        elif ch == "\\":
            rel = r.u16()
            pos = self.x + (rel - 65536 if rel >= 32768 else rel)
            if 0 <= pos < st.area:
                self.x = pos
        elif ch == "D":
            width = FONT_CELLS[st.style.font][0] * st.style.width + st.char_spacing
            stops = r.until_nul()[:32]
            st.tabs = [n * width for i, n in enumerate(stops) if i == 0 or n > stops[i - 1]]
        elif ch == "*":
            m, cols = r.byte(), r.u16()
            bits = 24 if m in (32, 33) else 8
            img = _columns_to_image(r.take(cols * bits // 8), cols, bits)
            # m 0 and 32 are half horizontal density; 8-dot modes are a third of the vertical density
            sx, sy = (2 if m in (0, 32) else 1), (3 if bits == 8 else 1)
            if cols and (sx, sy) != (1, 1):
                img = img.resize((img.width * sx, img.height * sy), Image.Resampling.NEAREST)
            if cols:
                if not self.runs:
                    self.line_align = st.align
                self.runs.append(BitImageRun(img, self.x))
                self.x += img.width
        elif ch in "im":
            self._print_line(0)
            self.out.append(Cut(partial=True))
        elif ch == "(":
            fn = r.byte()
            r.take(r.u16())
            self._ignored(f"ESC ( {chr(fn)}", start)
        elif ch == "&":
            y, first, last = r.byte(), r.byte(), r.byte()
            for _ in range(max(0, last - first + 1)):
                r.take(r.byte() * y)
            self._ignored("ESC & (define user chars)", start)
        elif c in _ESC_SKIP:
            n, name = _ESC_SKIP[c]
            r.take(n)
            self._ignored(name, start)
        else:
            self.out.append(Unknown(bytes([ESC, c]), start, "unknown ESC command"))

    def _gs(self, start: int, c: int) -> None:
        r, st = self.r, self.st
        ch = chr(c)
        if ch == "!":
            n = r.byte()
            self._style(width=((n >> 4) & 7) + 1, height=(n & 7) + 1)
        elif ch == "B":
            self._style(invert=bool(r.byte() & 1))
        elif ch == "L":
            st.left = min(r.u16(), self.paper - 1)
        elif ch == "W":
            st.area_width = r.u16()
        elif ch == "h":
            st.bc_height = max(1, r.byte())
        elif ch == "w":
            st.bc_width = min(6, max(1, r.byte()))
        elif ch == "H":
            n = r.byte()
            st.bc_hri = (n - 48 if n >= 48 else n) & 3
        elif ch == "f":
            st.bc_font = "B" if r.byte() in (1, 49) else "A"
        elif ch == "V":
            m = r.byte()
            if m in (65, 66, 97, 98, 103, 104):
                self._print_line(r.byte())
            else:
                self._print_line(0)
            self.out.append(Cut(partial=m in (1, 49, 66, 98, 104)))
        elif ch == "v":
            if r.byte() != 0x30:
                self.out.append(Unknown(self.r.data[start : start + 3], start, "unknown GS v command"))
                return
            m, wb, h = r.byte() & 3, r.u16(), r.u16()
            img = Image.frombytes("1", (wb * 8, h), r.take(wb * h), "raw", "1;I")
            self._raster(img, 2 if m & 1 else 1, 2 if m & 2 else 1, "GS v 0")
        elif ch == "k":
            self._barcode(start)
        elif ch in "(8":
            fn = r.byte()
            payload = r.take(r.u16() if ch == "(" else int.from_bytes(r.take(4), "little"))
            if fn == ord("k"):
                self._symbol(start, payload)
            elif fn == ord("L"):
                self._graphics(start, payload, f"GS {ch} L")
            else:
                self._ignored(f"GS {ch} {chr(fn)}", start)
        elif ch == "*":
            x, y = r.byte(), r.byte()
            st.downloaded = _columns_to_image(r.take(x * y * 8), x * 8, y * 8)
            self._ignored("GS * (define downloaded image)", start)
        elif ch == "/":
            m = r.byte() & 3
            if st.downloaded is not None:
                self._raster(st.downloaded, 2 if m & 1 else 1, 2 if m & 2 else 1, "GS /")
        elif c in _GS_SKIP:
            n, name = _GS_SKIP[c]
            arg = r.take(n)
            self._ignored(f"{name} {arg[0]}" if ch == "r" else name, start)
        else:
            self.out.append(Unknown(bytes([GS, c]), start, "unknown GS command"))

    def _fs(self, start: int, c: int) -> None:
        r, st = self.r, self.st
        ch = chr(c)
        if ch == "&":
            st.kanji = True
        elif ch == ".":
            st.kanji = False
        elif ch == "(":
            fn = r.byte()
            payload = r.take(r.u16())
            if fn == ord("C") and len(payload) >= 2 and payload[0] == 48:  # select character encoding
                st.utf8 = payload[1] in (2, 50)
            else:
                self._ignored(f"FS ( {chr(fn)}", start)
        elif ch == "2":
            r.take(74)
            self._ignored("FS 2 (define kanji)", start)
        elif ch == "q":
            for _ in range(r.byte()):
                x, y = r.u16(), r.u16()
                r.take(x * y * 8)
            self._ignored("FS q (define NV images)", start)
        elif c in _FS_SKIP:
            n, name = _FS_SKIP[c]
            r.take(n)
            self._ignored(name, start)
        else:
            self.out.append(Unknown(bytes([FS, c]), start, "unknown FS command"))

    def _dle(self, start: int) -> None:
        r = self.r
        c = r.byte()
        if c == 0x04:  # EOT: status query
            n = r.byte()
            if n in (7, 8):
                r.byte()
            self._ignored(f"DLE EOT {n}", start)
        elif c == 0x05:
            self._ignored(f"DLE ENQ {r.byte()}", start)
        elif c == 0x14:
            n = r.byte()
            r.take({1: 2, 2: 2, 7: 1, 8: 7}.get(n, 0))
            self._ignored(f"DLE DC4 {n}", start)
        else:
            self.out.append(Unknown(bytes([DLE, c]), start, "unknown DLE command"))

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


def decode(
    data: bytes,
    *,
    paper_width_dots: int = 576,
    cjk_encoding: str = "gb18030",
    cjk_default: bool = False,
    code_pages: Mapping[int, str] | None = None,
) -> list[Element]:
    """Read ESC/POS bytes the way a printer does; never raises on malformed data.

    ``cjk_encoding`` is how FS & double-byte mode is read ("gb18030", "big5", ...). ``cjk_default`` models
    Chinese-market printers that start in that mode (python-escpos sends Chinese as raw GB18030 and relies on
    it). ``code_pages`` overrides ``ESC t`` numbers for printers whose table differs from Epson's.
    """
    return _Decoder(bytes(data), paper_width_dots, cjk_encoding, cjk_default, code_pages).run()


# ---------------------------------------------------------------------------------------------- symbols

_C128_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 "
    "122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 "
    "322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 "
    "112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 "
    "331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113 "
    "411311 113141 114131 311141 411131 211412 211214 211232"
)
_C128 = _C128_TABLE.split()
_C128_STOP = "2331112"


def code128_widths(data: bytes) -> tuple[list[int], str] | None:
    """Bar/space widths (in modules) and HRI text for ESC/POS CODE128 data ({A/{B/{C prefix, {X switches)."""
    if len(data) < 2 or data[0] != 0x7B or data[1] not in b"ABC":
        return None
    sets = {ord("A"): 101, ord("B"): 100, ord("C"): 99}
    cset = data[1]
    values, hri, i, shift = [{65: 103, 66: 104, 67: 105}[cset]], "", 2, False
    while i < len(data):
        b, i = data[i], i + 1
        if b == 0x7B:
            if i >= len(data):
                return None
            c, i = data[i], i + 1
            if c in sets:
                values.append(sets[c])
                cset = c
                continue
            fnc4 = 101 if cset == 65 else 100
            special = {ord("S"): 98, ord("1"): 102, ord("2"): 97, ord("3"): 96, ord("4"): fnc4}
            if c in special:
                values.append(special[c])
                shift = c == ord("S")
                continue
            if c != 0x7B:
                return None
        active = (66 if cset == 65 else 65) if shift and cset != 67 else cset
        shift = False
        if active == 67:
            if b > 99:
                return None
            values.append(b)
            hri += f"{b:02d}"
        elif active == 65 and b < 96:
            values.append(b - 32 if b >= 32 else b + 64)
            hri += chr(b) if b >= 32 else " "
        elif active == 66 and 32 <= b < 128:
            values.append(b - 32)
            hri += chr(b)
        else:
            return None
    values.append((values[0] + sum(k * v for k, v in enumerate(values[1:], 1))) % 103)
    return [int(w) for w in "".join(_C128[v] for v in values) + _C128_STOP], hri


@lru_cache(maxsize=64)
def _qr_matrix(data: bytes, ec: ECLevel) -> tuple[tuple[bool, ...], ...] | None:
    levels = {"L": qrcode.ERROR_CORRECT_L, "M": qrcode.ERROR_CORRECT_M, "Q": qrcode.ERROR_CORRECT_Q,
              "H": qrcode.ERROR_CORRECT_H}  # fmt: skip
    qr = qrcode.QRCode(version=None, error_correction=levels[ec], border=0)
    try:
        qr.add_data(data)
        qr.make(fit=True)
    except Exception:  # DataOverflowError and friends: the printer prints nothing either
        return None
    return tuple(tuple(bool(v) for v in row) for row in qr.get_matrix())


# ---------------------------------------------------------------------------------------------- painting

AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _faces(font_path: str | None) -> tuple[str | None, str | None]:
    """Regular and bold files: bold is the "Bold" twin of a "Regular" file, else bold is double-struck."""
    path = font_path or (str(DEFAULT_FONT) if DEFAULT_FONT.exists() else None)
    if path is None:
        return None, None
    ImageFont.truetype(path, 10)  # a wrong explicit path fails here, not in the middle of a page
    bold = Path(path).with_name(Path(path).name.replace("Regular", "Bold"))
    return path, (str(bold) if bold.exists() and str(bold) != path else None)


@lru_cache(maxsize=128)
def _font(path: str | None, size: int) -> AnyFont:
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=8192)
def _glyph(
    faces: tuple[str | None, str | None], ch: str, bold: bool, cell_w: int, cell_h: int, stretch: float
) -> Image.Image | None:
    """A glyph mask filling its printer cell; cached across pages because receipts reuse few characters."""
    if ch.isspace() or not ch.isprintable():
        return None
    fake_bold = bold and faces[1] is None
    font = _font(faces[1] if bold and faces[1] else faces[0], max(6, round(cell_h * 0.83)))
    if isinstance(font, ImageFont.FreeTypeFont):
        left, _, right, _ = font.getbbox(ch, anchor="ls")
        origin, anchor = (-left, round(cell_h * 0.8)), "ls"
    else:
        left, _, right, _ = font.getbbox(ch)
        origin, anchor = (-left, 0), None
    ink_w = max(1, int(right - left)) + (1 if fake_bold else 0)
    tmp = Image.new("L", (ink_w, cell_h), 0)
    draw = ImageDraw.Draw(tmp)
    for dx in (0, 1) if fake_bold else (0,):
        draw.text((origin[0] + dx, origin[1]), ch, fill=255, font=font, anchor=anchor)
    # wide glyphs are squeezed into the cell, as printer fonts are; GS ! stretches by width/height
    target = max(1, min(cell_w - max(1, cell_w // 12), round(ink_w * stretch)))
    if target != ink_w:
        tmp = tmp.resize((target, cell_h), Image.Resampling.LANCZOS)
    out = Image.new("L", (cell_w, cell_h), 0)
    out.paste(tmp, ((cell_w - target) // 2, 0))
    return out.point(lambda v: 255 if v >= 110 else 0)  # thermal heads have no grey


def _x(align: Align, left: int, area: int, width: int, margin: int) -> int:
    free = max(0, area - width)
    return margin + left + {"left": 0, "center": free // 2, "right": free}[align]


def _ink(canvas: Image.Image, img: Image.Image, xy: tuple[int, int]) -> None:
    """Paste a mode-1 picture's black dots only, so overlapping content darkens like a print head would."""
    canvas.paste(0, xy, img.convert("L").point(lambda v: 255 - v))


class _Painter:
    def __init__(self, canvas: Image.Image, faces: tuple[str | None, str | None], margin: int) -> None:
        self.canvas, self.faces, self.margin = canvas, faces, margin
        self.draw = ImageDraw.Draw(canvas)

    def text(self, text: str, style: TextStyle, x: int, top: int, cell: tuple[int, int, int]) -> None:
        cell_w, cell_h, pitch = cell
        stretch = round(style.width / style.height, 3)
        if style.invert:
            self.draw.rectangle((x, top, x + len(text) * pitch - 1, top + cell_h - 1), fill=0)
        for i, ch in enumerate(text):
            mask = _glyph(self.faces, ch, style.bold, cell_w, cell_h, stretch)
            if mask is not None:
                self.canvas.paste(255 if style.invert else 0, (x + i * pitch, top), mask)
        if style.underline and text:
            y = top + cell_h - style.underline
            ink = 255 if style.invert else 0
            self.draw.rectangle((x, y, x + len(text) * pitch - 1, top + cell_h - 1), fill=ink)

    def line(self, e: Line, y: int) -> None:
        x0 = _x(e.align, e.left, e.area, e.content_width, self.margin)
        for r in e.runs:
            top = y + e.height - r.height  # characters of different heights share a baseline
            if isinstance(r, TextRun):
                self.text(r.text, r.style, x0 + r.x, top, (r.cell_w, r.cell_h, r.pitch))
            else:
                _ink(self.canvas, r.image, (x0 + r.x, top))

    def qr(self, e: QRCode, y: int) -> None:
        matrix = e.matrix() or ()
        size = e.module_size
        x0 = _x(e.align, e.left, e.area, len(matrix) * size, self.margin)
        for j, row in enumerate(matrix):
            for i, dark in enumerate(row):
                if dark:
                    self.draw.rectangle((x0 + i * size, y + j * size, x0 + i * size + size - 1,
                                         y + j * size + size - 1), fill=0)  # fmt: skip

    def barcode(self, e: Barcode, y: int) -> None:
        coded = code128_widths(e.data) if e.symbology in ("CODE128", "GS1-128") else None
        hri = coded[1] if coded else e.data.decode("ascii", errors="replace")
        modules = sum(coded[0]) if coded else 11 * len(e.data) + 35
        width = min(e.area, modules * e.module_width)
        x0 = _x(e.align, e.left, e.area, width, self.margin)
        cw, ch = FONT_CELLS[e.hri_font]
        if e.hri & 1:
            self._hri(hri, e, x0, width, y, cw, ch)
            y += ch + 4
        if coded:
            x = x0
            for k, w in enumerate(coded[0]):
                if k % 2 == 0:
                    self.draw.rectangle((x, y, x + w * e.module_width - 1, y + e.height - 1), fill=0)
                x += w * e.module_width
        else:  # a placeholder: drawing other symbologies is not worth it for a preview
            self.draw.rectangle((x0, y, x0 + width - 1, y + e.height - 1), outline=0, width=2)
            self._hri(e.symbology, e, x0, width, y + (e.height - 17) // 2, 9, 17)
        if e.hri & 2:
            self._hri(hri, e, x0, width, y + e.height + 4, cw, ch)

    def _hri(self, text: str, e: Barcode, x0: int, width: int, y: int, cw: int, ch: int) -> None:
        self.text(text, TextStyle(), x0 + max(0, (width - len(text) * cw) // 2), y, (cw, ch, cw))

    def cut(self, e: Cut, y: int) -> None:
        dash, gap = (4, 6) if e.partial else (10, 6)
        for x in range(0, self.canvas.width, dash + gap):
            self.draw.line((x, y + 6, x + dash - 1, y + 6), fill=0, width=2)


CUT_BAND = 14


def _height(e: Element) -> int:
    if isinstance(e, Line):
        return e.advance
    if isinstance(e, Feed):
        return e.dots
    if isinstance(e, Raster):
        return e.image.height
    if isinstance(e, QRCode):
        return len(e.matrix() or ()) * e.module_size
    if isinstance(e, Barcode):
        return e.height + sum(FONT_CELLS[e.hri_font][1] + 4 for bit in (1, 2) if e.hri & bit)
    if isinstance(e, Cut):
        return CUT_BAND
    return 0


def paint(
    elements: list[Element],
    *,
    paper_width_dots: int = 576,
    font_path: str | None = None,
    margin: int = 16,
    max_height_dots: int = 50_000,
) -> Image.Image:
    """Draw decoded elements on white paper (mode "1"); content past ``max_height_dots`` is cut off."""
    faces = _faces(font_path)
    height = min(max_height_dots, 2 * margin + sum(_height(e) for e in elements))
    canvas = Image.new("L", (paper_width_dots + 2 * margin, max(1, height)), 255)
    painter = _Painter(canvas, faces, margin)
    y = margin
    for e in elements:
        if y >= height:
            break
        if isinstance(e, Line):
            painter.line(e, y)
        elif isinstance(e, Raster):
            _ink(canvas, e.image, (_x(e.align, e.left, e.area, e.image.width, margin), y))
        elif isinstance(e, QRCode):
            painter.qr(e, y)
        elif isinstance(e, Barcode):
            painter.barcode(e, y)
        elif isinstance(e, Cut):
            painter.cut(e, y)
        y += _height(e)
    return canvas.convert("1", dither=Image.Dither.NONE)


def render(
    data: bytes,
    *,
    paper_width_dots: int = 576,
    font_path: str | None = None,
    cjk_encoding: str = "gb18030",
    cjk_default: bool = False,
    code_pages: Mapping[int, str] | None = None,
    margin: int = 16,
    max_height_dots: int = 50_000,
) -> Image.Image:
    """The paper a printer would produce from ``data``: 576 dots is 80 mm paper at 203 dpi, 384 is 58 mm."""
    elements = decode(
        data, paper_width_dots=paper_width_dots, cjk_encoding=cjk_encoding, cjk_default=cjk_default,
        code_pages=code_pages,
    )  # fmt: skip
    return paint(
        elements, paper_width_dots=paper_width_dots, font_path=font_path, margin=margin,
        max_height_dots=max_height_dots,
    )  # fmt: skip


def render_to_png(data: bytes, out_path: str | Path, **kw: Any) -> Path:
    """Render and save; returns the path so a CLI can print where the preview went."""
    out = Path(out_path)
    render(data, **kw).save(out, format="PNG")
    return out
