"""Receipt text as the printer gets it: spaces it can print, lines wrapped ourselves, and text it cannot print
drawn with KioskSans as a black-and-white picture.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from devices.receipts.model import Align
from service_common.paths import FONTS

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

# Babel puts narrow no-break spaces in Russian dates and English times; no printer code page has them.
_SPACES: dict[int, str | None] = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003"), " ")
_SPACES.update(
    {ord("\t"): " ", ord("\u2011"): "-", ord("\u2010"): "-", ord("\u00ad"): None, ord("\u200b"): None}
)


class LayoutError(ValueError):
    """The receipt cannot be laid out (unknown paper width, unreadable picture...)."""


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_SPACES)


_CJK = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
_NO_LINE_START = "，。、：；！？）」』》〉】,.:;!?)%"
_TOKEN = re.compile(rf"[{_CJK}][{re.escape(_NO_LINE_START)}]*|\s+|[^\s{_CJK}]+")


@lru_cache(maxsize=32)
def text_font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    path = FONT_BOLD if bold and FONT_BOLD.exists() else FONT_REGULAR
    if not path.exists():
        raise LayoutError(f"{path} is missing: run 'bash run.sh setup' (scripts/build_font.py)")
    return ImageFont.truetype(str(path), px)


def wrap_px(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
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


def balanced_px(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Centred text: the narrowest width giving the same number of lines, so no word is left alone."""
    lines = wrap_px(text, font, width)
    low, high = width // 2, width
    while len(lines) > 1 and low < high:
        mid = (low + high) // 2
        if len(wrap_px(text, font, mid)) == len(lines):
            high = mid
        else:
            low = mid + 1
    return wrap_px(text, font, high) if len(lines) > 1 else lines


def balanced_columns(paragraph: str, columns: int) -> list[str]:
    lines = textwrap.wrap(paragraph, columns, break_on_hyphens=False)
    if len(lines) < 2:
        return lines
    for width in range(max(1, columns // 2), columns):
        candidate = textwrap.wrap(paragraph, width, break_on_hyphens=False)
        if len(candidate) == len(lines):
            return candidate
    return lines


def crop_right(img: Image.Image) -> Image.Image:
    """Drop blank columns on the right (whole bytes): about half the bytes of a centred line."""
    bbox = Image.eval(img, lambda v: 255 - v).getbbox()
    right = bbox[2] if bbox else 8
    return img.crop((0, 0, min(img.width, (right + 7) // 8 * 8), img.height))


def x_for(align: Align, area: int, width: int) -> int:
    return {"left": 0, "center": max(0, (area - width) // 2), "right": max(0, area - width)}[align]


def draw_lines(
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
            x = x_for(align, width, w)
            if invert:
                pad = line_h // 4
                left, right = max(0, x - pad), min(width, x + w + pad)
                draw.rectangle((left, top + 1, right - 1, top + line_h - 2), fill=0)
            draw.text((x, baseline), text, font=font, fill=255 if invert else 0, anchor="ls")
    return img.point(lambda v: 0 if v < 128 else 255)  # thermal heads print no grey
