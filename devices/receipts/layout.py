"""Receipt blocks -> ESC/POS bytes for one paper width and one printer profile.

Rules, so every printer prints the same ticket:
- Text the printer's own font can print (ASCII, and Cyrillic etc. through a code page of the profile) goes as
  text, through a fresh python-escpos encoder per job (it sends ``ESC t`` for the code page it needs).
- Anything else (Chinese, symbols no code page has) is drawn with KioskSans and sent as a raster image
  (``GS v 0``), positioned inside the picture, so it needs no printer font, no ``FS &`` and no ``ESC a``.
- QR codes are native (``GS ( k``) where the profile has them, else a raster image.
- We wrap lines ourselves at the cell count (32 columns on 58 mm, 48 on 80 mm with font A), so the printer
  never breaks a word.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import qrcode
from PIL import Image, ImageDraw, ImageFont

from devices.printer import escpos_compat
from devices.receipts.model import (
    QR,
    Align,
    BigNumber,
    Block,
    Cut,
    Feed,
    KeyValue,
    Picture,
    Receipt,
    Separator,
    Text,
)
from service_common.paths import FONTS

QRMode = Literal["auto", "native", "image"]

PAPER_DOTS = {58: 384, 80: 576}
DOTS_PER_MM = 8  # 203 dpi
CELL_W, CELL_H = 12, 24  # font A
LINE_DOTS = 30  # ESC 2 default line spacing
RASTER_CHUNK_ROWS = 256  # some clones refuse taller GS v 0 images
# The full face when built (scripts/build_font.py): a receipt carries visitors' names, and the
# interface's subset lacks rare characters. FreeType maps the file, so its size costs little here.
FONT_REGULAR = next(
    p
    for p in (FONTS / "KioskSansFull-Regular.otf", FONTS / "KioskSans-Regular.otf")
    if p.exists() or "Full" not in p.name
)
FONT_BOLD = next(
    p
    for p in (FONTS / "KioskSansFull-Bold.otf", FONTS / "KioskSans-Bold.otf")
    if p.exists() or "Full" not in p.name
)
GS = b"\x1d"
_LEFT: Align = "left"
_CENTER: Align = "center"
_RIGHT: Align = "right"

# Babel puts narrow no-break spaces in Russian dates and English times; no printer code page has them.
_SPACES: dict[int, str | None] = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003"), " ")
_SPACES.update(
    {ord("\t"): " ", ord("\u2011"): "-", ord("\u2010"): "-", ord("\u00ad"): None, ord("\u200b"): None}
)


class LayoutError(ValueError):
    """The receipt cannot be laid out (unknown paper width, unreadable picture...)."""


@dataclass(frozen=True)
class Paper:
    width_mm: int
    dots: int  # printable dots per line
    columns: int  # font A cells per line


def paper_for(width_mm: int, profile: str) -> Paper:
    """The printable area: the paper's, narrowed to the profile's head width when that is smaller."""
    if width_mm not in PAPER_DOTS:
        raise LayoutError(f"paper width {width_mm} mm: expected 58 or 80")
    dots = PAPER_DOTS[width_mm]
    head = escpos_compat.profile_info(profile).pixels
    if head:
        dots = min(dots, head)
    return Paper(width_mm, dots, dots // CELL_W)


@dataclass(frozen=True)
class RenderedReceipt:
    data: bytes
    paper: Paper
    profile: str
    height_dots: int  # estimated paper length, for the wait until it has printed
    raster_bytes: int  # of which picture data (Chinese text, image QR, logos)
    label: str = ""


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_SPACES)


# ---------------------------------------------------------------------------------------------- raster text

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
_NO_LINE_START = "，。、：；！？）」』》〉】,.:;!?)%"
_TOKEN = re.compile(rf"[{_CJK}][{re.escape(_NO_LINE_START)}]*|\s+|[^\s{_CJK}]+")


@lru_cache(maxsize=32)
def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    path = FONT_BOLD if bold and FONT_BOLD.exists() else FONT_REGULAR
    if not path.exists():
        raise LayoutError(f"{path} is missing: run 'bash run.sh setup' (scripts/build_font.py)")
    return ImageFont.truetype(str(path), px)


def _wrap_px(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrapping by pixel width: words stay whole, CJK breaks between characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            candidate = line + token
            if font.getlength(candidate.rstrip()) <= width:
                line = candidate
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = "" if token.isspace() else token
            while font.getlength(line) > width:  # a word longer than the paper: cut it
                cut = len(line) - 1
                while cut > 1 and font.getlength(line[:cut]) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _balanced_px(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Centred text: the narrowest width giving the same number of lines, so no word is left alone."""
    lines = _wrap_px(text, font, width)
    low, high = width // 2, width
    while len(lines) > 1 and low < high:
        mid = (low + high) // 2
        if len(_wrap_px(text, font, mid)) == len(lines):
            high = mid
        else:
            low = mid + 1
    return _wrap_px(text, font, high) if len(lines) > 1 else lines


def _balanced(paragraph: str, columns: int) -> list[str]:
    lines = textwrap.wrap(paragraph, columns, break_on_hyphens=False)
    if len(lines) < 2:
        return lines
    for width in range(max(1, columns // 2), columns):
        candidate = textwrap.wrap(paragraph, width, break_on_hyphens=False)
        if len(candidate) == len(lines):
            return candidate
    return lines


def _crop_right(img: Image.Image) -> Image.Image:
    """Drop blank columns on the right (whole bytes): about half the bytes of a centred line."""
    bbox = Image.eval(img, lambda v: 255 - v).getbbox()
    right = bbox[2] if bbox else 8
    return img.crop((0, 0, min(img.width, (right + 7) // 8 * 8), img.height))


def _x(align: Align, area: int, width: int) -> int:
    return {"left": 0, "center": max(0, (area - width) // 2), "right": max(0, area - width)}[align]


def _draw_lines(
    rows: list[list[tuple[str, Align]]], font: ImageFont.FreeTypeFont, width: int, line_h: int, invert: bool
) -> Image.Image:
    """Each row holds one or more (text, align) pieces sharing a baseline; "L" image, black ink on white."""
    img = Image.new("L", (width, line_h * len(rows)), 255)
    draw = ImageDraw.Draw(img)
    for i, row in enumerate(rows):
        top = i * line_h
        baseline = top + round(line_h * 0.8)
        for text, align in row:
            w = round(font.getlength(text))
            x = _x(align, width, w)
            if invert:
                pad = line_h // 4
                left, right = max(0, x - pad), min(width, x + w + pad)
                draw.rectangle((left, top + 1, right - 1, top + line_h - 2), fill=0)
            draw.text((x, baseline), text, font=font, fill=255 if invert else 0, anchor="ls")
    return img.point(lambda v: 0 if v < 128 else 255)  # thermal heads print no grey


# ---------------------------------------------------------------------------------------------- the writer


@dataclass
class _Style:
    align: Align = "left"
    bold: bool = False
    size: tuple[int, int] = (1, 1)
    invert: bool = False


class _Writer:
    """Sends blocks through one fresh python-escpos Dummy, emitting only style changes."""

    def __init__(self, paper: Paper, profile: str, qr: QRMode) -> None:
        self.paper, self.profile = paper, profile
        self.info = escpos_compat.profile_info(profile)
        self.qr_native = qr == "native" or (qr == "auto" and self.info.qr_native)
        self.p = escpos_compat.new_encoder(profile)
        self.style = _Style()
        self.height = 0
        self.raster_bytes = 0
        self.p.hw("INIT")  # ESC @: whatever the last job (or another program) left set is reset

    # -- primitives

    def _set(
        self,
        align: Align | None = None,
        bold: bool | None = None,
        size: tuple[int, int] | None = None,
        invert: bool | None = None,
    ) -> None:
        st, p = self.style, self.p
        if align is not None and align != st.align:
            p.set(align=align)
            st.align = align
        if bold is not None and bold != st.bold:
            p.set(bold=bold)
            st.bold = bold
        if size is not None and size != st.size:
            p.set(custom_size=True, width=size[0], height=size[1])
            st.size = size
        if invert is not None and invert != st.invert:
            p.set(invert=invert)
            st.invert = invert

    def _line(self, text: str) -> None:
        self.p.text(text + "\n")
        self.height += max(LINE_DOTS, CELL_H * self.style.size[1])

    def printable(self, *texts: str) -> bool:
        return all(escpos_compat.text_printable(self.profile, t) for t in texts)

    def raster(self, img: Image.Image) -> None:
        """``GS v 0`` in chunks; black pixels of ``img`` are printed dots."""
        self._set(align="left")  # the picture carries its own position
        width_bytes = (img.width + 7) // 8
        for top in range(0, img.height, RASTER_CHUNK_ROWS):
            chunk = img.crop((0, top, img.width, min(img.height, top + RASTER_CHUNK_ROWS)))
            bits = chunk.convert("L").point(lambda v: 255 if v < 128 else 0).convert("1").tobytes()
            header = (
                GS
                + b"v0\x00"
                + bytes([width_bytes & 255, width_bytes >> 8, chunk.height & 255, chunk.height >> 8])
            )
            self.p._raw(header + bits)
            self.raster_bytes += len(bits)
        self.height += img.height

    def raster_text(
        self, rows: list[list[tuple[str, Align]]], *, bold: bool, size: int, invert: bool
    ) -> None:
        font = _font(bold, CELL_H * size)
        img = _draw_lines(rows, font, self.paper.dots, LINE_DOTS * size, invert)
        self.raster(_crop_right(img))

    # -- blocks

    def text(self, b: Text) -> None:
        text, size = normalise(b.text), max(1, min(8, b.size))
        if not text.strip():
            return
        if not self.printable(text):
            font = _font(b.bold, CELL_H * size)
            wrap = _balanced_px if b.align == "center" else _wrap_px
            lines = wrap(text, font, self.paper.dots - (LINE_DOTS * size // 2 if b.invert else 0))
            self.raster_text([[(line, b.align)] for line in lines], bold=b.bold, size=size, invert=b.invert)
            return
        columns = max(1, self.paper.columns // size)
        pad = 1 if b.invert else 0
        self._set(align=b.align, bold=b.bold, size=(size, size), invert=b.invert)
        for paragraph in text.split("\n"):
            width = max(1, columns - 2 * pad)
            if b.align == "center":
                lines = _balanced(paragraph, width)
            else:
                lines = textwrap.wrap(paragraph, width, break_on_hyphens=False)
            for line in lines or [""]:
                self._line(" " * pad + line + " " * pad)
        self._set(invert=False)

    def key_value(self, b: KeyValue) -> None:
        key, value = normalise(b.key).strip(), normalise(b.value).strip()
        if not self.printable(key, value):
            self._raster_key_value(key, value, b.bold_value)
            return
        cols = self.paper.columns
        self._set(align="left", size=(1, 1), invert=False)
        if len(key) + 1 + len(value) <= cols:
            self._set(bold=False)
            self.p.text(key + " " * (cols - len(key) - len(value)))
            self._set(bold=b.bold_value)
            self._line(value)
            return
        self._set(bold=False)
        for line in textwrap.wrap(key, cols) or [""]:
            self._line(line)
        self._set(bold=b.bold_value)
        for line in textwrap.wrap(value, cols - 2):
            self._line(line.rjust(cols))

    def _raster_key_value(self, key: str, value: str, bold_value: bool) -> None:
        width = self.paper.dots
        font, vfont = _font(False, CELL_H), _font(bold_value, CELL_H)
        gap = CELL_W * 2
        if font.getlength(key) + gap + vfont.getlength(value) <= width:
            img = Image.new("L", (width, LINE_DOTS), 255)
            draw = ImageDraw.Draw(img)
            baseline = round(LINE_DOTS * 0.8)
            draw.text((0, baseline), key, font=font, fill=0, anchor="ls")
            draw.text(
                (width - round(vfont.getlength(value)), baseline), value, font=vfont, fill=0, anchor="ls"
            )
            self.raster(_crop_right(img.point(lambda v: 0 if v < 128 else 255)))
            return
        key_rows = [[(line, _LEFT)] for line in _wrap_px(key, font, width)]
        self.raster_text(key_rows, bold=False, size=1, invert=False)
        value_rows = [[(line, _RIGHT)] for line in _wrap_px(value, vfont, width)]
        self.raster_text(value_rows, bold=bold_value, size=1, invert=False)

    def separator(self, b: Separator) -> None:
        char = b.char[:1] if b.char[:1] and self.printable(b.char[:1]) else "-"
        self._set(align="left", bold=False, size=(1, 1), invert=False)
        self._line(char * self.paper.columns)

    def big_number(self, b: BigNumber) -> None:
        text = normalise(b.text).strip()
        if not text:
            return
        size = max(1, min(8, b.size, self.paper.columns // max(1, len(text))))
        if not self.printable(text):
            font = _font(True, CELL_H * size)
            while size > 1 and font.getlength(text) > self.paper.dots:
                size -= 1
                font = _font(True, CELL_H * size)
            rows = [[(line, _CENTER)] for line in _wrap_px(text, font, self.paper.dots)]
            self.raster_text(rows, bold=True, size=size, invert=False)
            return
        self._set(align="center", bold=True, size=(size, size), invert=False)
        for line in textwrap.wrap(text, max(1, self.paper.columns // size)):
            self._line(line)
        self._set(bold=False, size=(1, 1))

    def qr(self, b: QR) -> None:
        if not b.data:
            return
        module = b.module_dots or (6 if self.paper.width_mm >= 80 else 5)
        code = qrcode.QRCode(error_correction=qrcode.ERROR_CORRECT_M, border=0, box_size=module)
        code.add_data(b.data)
        code.make(fit=True)
        if self.qr_native:
            self._set(align="center", bold=False, size=(1, 1), invert=False)
            self.p.qr(b.data, native=True, size=module, ec=escpos_compat.QR_EC_M)
            self.height += code.modules_count * module
        else:
            matrix = code.get_matrix()
            side = len(matrix) * module
            img = Image.new("L", (self.paper.dots, side), 255)
            draw = ImageDraw.Draw(img)
            x0 = _x("center", self.paper.dots, side)
            for j, row in enumerate(matrix):
                for i, dark in enumerate(row):
                    if dark:
                        x, y = x0 + i * module, j * module
                        draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
            self.raster(_crop_right(img))
        self._line("")

    def picture(self, b: Picture) -> None:
        try:
            src = b.image if isinstance(b.image, Image.Image) else Image.open(b.image)
            src.load()
        except (OSError, ValueError) as exc:
            raise LayoutError(f"picture {b.image}: {exc}") from None
        limit = self.paper.dots
        if b.max_width_mm:
            limit = min(limit, round(b.max_width_mm * DOTS_PER_MM))
        rgba = src.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        grey = flat.convert("L")
        if grey.width > limit:
            grey = grey.resize(
                (limit, max(1, round(grey.height * limit / grey.width))), Image.Resampling.LANCZOS
            )
        dithered = grey.convert("1")  # Floyd-Steinberg: photos and soft logos keep their shading
        canvas = Image.new("L", (self.paper.dots, grey.height), 255)
        canvas.paste(dithered.convert("L"), (_x("center", self.paper.dots, grey.width), 0))
        self.raster(_crop_right(canvas))

    def feed(self, b: Feed) -> None:
        lines = max(0, min(255, b.lines))
        if lines:
            self.p.print_and_feed(lines)
            self.height += lines * LINE_DOTS

    def cut(self, b: Cut) -> None:
        self._set(align="left", bold=False, size=(1, 1), invert=False)
        self.p.cut(mode="PART" if b.partial else "FULL")  # feeds 6 lines first: the tear-off margin
        self.height += 6 * LINE_DOTS

    def add(self, block: Block) -> None:
        handlers: dict[type, Any] = {
            Text: self.text, KeyValue: self.key_value, Separator: self.separator, BigNumber: self.big_number,
            QR: self.qr, Picture: self.picture, Feed: self.feed, Cut: self.cut,
        }  # fmt: skip
        handlers[type(block)](block)

    def output(self) -> bytes:
        return bytes(self.p.output)


def render(receipt: Receipt, *, paper_width_mm: int, profile: str, qr: QRMode = "auto") -> RenderedReceipt:
    """The bytes of one job; a new encoder every time, so nothing leaks from the previous job."""
    paper = paper_for(paper_width_mm, profile)
    writer = _Writer(paper, profile, qr)
    for block in receipt.blocks:
        writer.add(block)
    return RenderedReceipt(
        data=writer.output(), paper=paper, profile=profile, height_dots=writer.height,
        raster_bytes=writer.raster_bytes, label=receipt.label,
    )  # fmt: skip


def asset_path(relative: str, base: Path) -> Path:
    """Resolve a picture named in a template, refusing paths that climb out of the template folder."""
    path = (base / relative).resolve()
    if base.resolve() not in path.parents:
        raise LayoutError(f"picture {relative!r} is outside {base}")
    return path
