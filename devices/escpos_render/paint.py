"""Painting decoded elements onto a picture of the paper with Pillow."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from devices.escpos_render.decoder import decode
from devices.escpos_render.elements import (
    DEFAULT_FONT,
    FONT_CELLS,
    Align,
    Barcode,
    Cut,
    Element,
    Feed,
    Line,
    QRCode,
    Raster,
    TextRun,
    TextStyle,
)
from devices.escpos_render.symbols import code128_widths

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
