"""The printer tables and what a decoded receipt is made of: elements with every position in dots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PIL import Image

from devices.escpos_render.symbols import ECLevel, qr_matrix
from service_common.paths import FONTS

Align = Literal["left", "center", "right"]


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
        return qr_matrix(self.data, self.ec)


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
