"""A receipt as a short list of blocks: what to say, not which ESC/POS bytes say it.

Why a model: the same ticket must come out right on 58 and 80 mm paper, on printers with different code
pages, in three languages. Templates (assets/receipts/*.toml) produce these blocks; ``layout`` turns them
into bytes for one printer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper. ``size`` multiplies the font (1-8), as GS ! does."""

    text: str
    align: Align = "left"
    bold: bool = False
    size: int = 1
    invert: bool = False


@dataclass(frozen=True)
class KeyValue:
    """ "Label ........ value" on one line, or the value on its own right-aligned line when too long."""

    key: str
    value: str
    bold_value: bool = False


@dataclass(frozen=True)
class Separator:
    char: str = "-"


@dataclass(frozen=True)
class BigNumber:
    """The ticket number: as large as the paper allows, up to ``size``."""

    text: str
    size: int = 4


@dataclass(frozen=True)
class QR:
    data: str
    module_dots: int = 0  # 0: chosen from the paper width


@dataclass(frozen=True, eq=False)
class Picture:
    """A logo or stamp; scaled down to the paper, dithered to black and white."""

    image: Image.Image | Path
    max_width_mm: float = 0  # 0: up to the full printable width


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    partial: bool = True


Block = Text | KeyValue | Separator | BigNumber | QR | Picture | Feed | Cut


@dataclass(frozen=True)
class Receipt:
    """One printable document. ``label`` goes to logs, so it must carry no personal data ("ticket A017")."""

    kind: str
    lang: str
    blocks: tuple[Block, ...]
    label: str = ""
