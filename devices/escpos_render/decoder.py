"""ESC/POS commands read the way a printer reads them, each to its exact length."""

from __future__ import annotations

from collections.abc import Mapping

from PIL import Image

from devices.escpos_render.elements import (
    DEFAULT_LINE_SPACING,
    DLE,
    ESC,
    FONT_CELLS,
    FS,
    GS,
    NUL,
    BitImageRun,
    Cut,
    Element,
    TextRun,
    Unknown,
)
from devices.escpos_render.machine import (
    PrinterMachine,
    _align,
    _columns_to_image,
    _State,
    _TruncatedError,
)

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


class _Decoder(PrinterMachine):
    """Reads ESC/POS commands; each handler consumes exactly its command's bytes."""

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
