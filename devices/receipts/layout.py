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

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import qrcode
from PIL import Image, ImageDraw

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
from devices.receipts.raster_text import (
    LayoutError,
    balanced_columns,
    balanced_px,
    crop_right,
    draw_lines,
    normalise,
    text_font,
    wrap_px,
    x_for,
)

QRMode = Literal["auto", "native", "image"]

PAPER_DOTS = {58: 384, 80: 576}
DOTS_PER_MM = 8  # 203 dpi
CELL_W, CELL_H = 12, 24  # font A
LINE_DOTS = 30  # ESC 2 default line spacing
RASTER_CHUNK_ROWS = 256  # some clones refuse taller GS v 0 images
GS = b"\x1d"
_LEFT: Align = "left"
_CENTER: Align = "center"
_RIGHT: Align = "right"


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
        font = text_font(bold, CELL_H * size)
        img = draw_lines(rows, font, self.paper.dots, LINE_DOTS * size, invert)
        self.raster(crop_right(img))

    # -- blocks

    def text(self, b: Text) -> None:
        text, size = normalise(b.text), max(1, min(8, b.size))
        if not text.strip():
            return
        if not self.printable(text):
            font = text_font(b.bold, CELL_H * size)
            wrap = balanced_px if b.align == "center" else wrap_px
            lines = wrap(text, font, self.paper.dots - (LINE_DOTS * size // 2 if b.invert else 0))
            self.raster_text([[(line, b.align)] for line in lines], bold=b.bold, size=size, invert=b.invert)
            return
        columns = max(1, self.paper.columns // size)
        pad = 1 if b.invert else 0
        self._set(align=b.align, bold=b.bold, size=(size, size), invert=b.invert)
        for paragraph in text.split("\n"):
            width = max(1, columns - 2 * pad)
            if b.align == "center":
                lines = balanced_columns(paragraph, width)
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
        font, vfont = text_font(False, CELL_H), text_font(bold_value, CELL_H)
        gap = CELL_W * 2
        if font.getlength(key) + gap + vfont.getlength(value) <= width:
            img = Image.new("L", (width, LINE_DOTS), 255)
            draw = ImageDraw.Draw(img)
            baseline = round(LINE_DOTS * 0.8)
            draw.text((0, baseline), key, font=font, fill=0, anchor="ls")
            draw.text(
                (width - round(vfont.getlength(value)), baseline), value, font=vfont, fill=0, anchor="ls"
            )
            self.raster(crop_right(img.point(lambda v: 0 if v < 128 else 255)))
            return
        key_rows = [[(line, _LEFT)] for line in wrap_px(key, font, width)]
        self.raster_text(key_rows, bold=False, size=1, invert=False)
        value_rows = [[(line, _RIGHT)] for line in wrap_px(value, vfont, width)]
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
            font = text_font(True, CELL_H * size)
            while size > 1 and font.getlength(text) > self.paper.dots:
                size -= 1
                font = text_font(True, CELL_H * size)
            rows = [[(line, _CENTER)] for line in wrap_px(text, font, self.paper.dots)]
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
            x0 = x_for("center", self.paper.dots, side)
            for j, row in enumerate(matrix):
                for i, dark in enumerate(row):
                    if dark:
                        x, y = x0 + i * module, j * module
                        draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
            self.raster(crop_right(img))
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
        canvas.paste(dithered.convert("L"), (x_for("center", self.paper.dots, grey.width), 0))
        self.raster(crop_right(canvas))

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
