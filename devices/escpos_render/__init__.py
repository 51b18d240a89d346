"""Turn the ESC/POS bytes sent to a receipt printer into a picture of the paper.

Why: the simulator printer, ``kiosk print-preview`` and golden tests must show what a real printer would
make of the exact bytes the kiosk sends (code page mistakes included), so this works on bytes, not on
python-escpos calls, and follows printer rules: a line buffer printed on LF, wrapping at the cell count,
code pages chosen by ``ESC t``.

Stages, one module each: ``machine._Reader`` (never reads past the end) -> ``decoder`` (reads the commands that
drive ``machine.PrinterMachine``, the printer's state, producing a flat list of ``elements``, all positions in
dots) -> ``paint`` (stacks elements top to bottom and draws them with Pillow); ``symbols`` computes what the
printer computes itself (Code 128 widths, the QR matrix).

Printed: LF, FF, HT; ESC @ ! - 2 3 A + D E G J M SP $ \\ a d t * i m; GS ! B H L W f h k w v0 V * /,
GS ( L and GS 8 L (graphics), GS ( k (QR: model A, size C, level E, store P, print Q); FS & . and
FS ( C (UTF-8 mode).
Consumed and recorded as ``Ignored``: ESC = p R c { V U r T L S W B % ? & ( e u v <;
GS a b | r I P $ \\ T : ^ c and other GS ( / GS 8 functions; FS ! - C S W 2 p q; DLE EOT, ENQ, DC4.
Skipped silently: CR (no auto line feed), CAN, BEL, NUL.
Anything else becomes ``Unknown`` and only its first one or two bytes are skipped.
"""

from __future__ import annotations

from devices.escpos_render.decoder import decode
from devices.escpos_render.elements import (
    BARCODE_NAMES,
    CODE_PAGES,
    DEFAULT_FONT,
    DEFAULT_LINE_SPACING,
    FONT_CELLS,
    Align,
    Barcode,
    BitImageRun,
    Cut,
    Element,
    Feed,
    Ignored,
    Line,
    QRCode,
    Raster,
    TextRun,
    TextStyle,
    Unknown,
    plain_text,
)
from devices.escpos_render.paint import paint, render, render_to_png
from devices.escpos_render.symbols import ECLevel, code128_widths

__all__ = [
    "BARCODE_NAMES", "CODE_PAGES", "DEFAULT_FONT", "DEFAULT_LINE_SPACING", "FONT_CELLS", "Align", "Barcode",
    "BitImageRun", "Cut", "ECLevel", "Element", "Feed", "Ignored", "Line", "QRCode", "Raster", "TextRun",
    "TextStyle", "Unknown", "code128_widths", "decode", "paint", "plain_text", "render", "render_to_png",
]  # fmt: skip
