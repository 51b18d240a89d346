"""The ESC/POS renderer: structure from python-escpos and hand-written bytes, one golden image, fuzzing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from escpos.printer import Dummy  # importing it calls logging.basicConfig(); acceptable in tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFilter

from devices.escpos_render import (
    DEFAULT_FONT,
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
    Unknown,
    code128_widths,
    decode,
    plain_text,
    render,
    render_to_png,
)

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
GOLDEN = Path(__file__).parent / "golden" / "escpos"
ARTIFACTS = Path(__file__).parent / "artifacts"  # ignored by git; CI keeps what tests leave there


class AnsweringDummy(Dummy):  # type: ignore[misc]
    """Dummy cannot read; status queries need an answer byte (0x12: online, paper present)."""

    def _read(self) -> bytes:
        return b"\x12"


def printer() -> Dummy:
    return AnsweringDummy(profile="TM-T20II")


def lines(elements: list[Element]) -> list[Line]:
    return [e for e in elements if isinstance(e, Line)]


def of(kind: type, elements: list[Element]) -> list[object]:
    return [e for e in elements if isinstance(e, kind)]


def first_run(line: Line) -> TextRun:
    run = line.runs[0]
    assert isinstance(run, TextRun)
    return run


# ---------------------------------------------------------------------------------- python-escpos output


def test_python_escpos_ticket_text_and_styles() -> None:
    p = printer()
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True)
    p.textln("Service center")
    p.set(align="left", bold=False, normal_textsize=True)
    p.textln("Ticket A042, window 5")
    p.textln("Талон А042, окно №5. Ждите вызова!")
    p.set(align="right", double_width=True)
    p.textln("Ёлка")
    doc = decode(p.output)

    title, english, russian, right = lines(doc)
    assert plain_text(doc).splitlines() == [
        "Service center",
        "Ticket A042, window 5",
        "Талон А042, окно №5. Ждите вызова!",
        "Ёлка",
    ]
    assert title.align == "center"
    assert first_run(title).style.bold
    assert first_run(title).style.height == 2
    assert title.height == 48
    assert title.advance == 48
    assert english.align == "left"
    assert not first_run(english).style.bold
    assert first_run(russian).cell_w == 12
    assert russian.advance == 30
    assert right.align == "right"
    assert first_run(right).style.width == 2
    assert first_run(right).cell_w == 24
    assert not of(Unknown, doc)


def test_reused_printer_after_init_prints_cyrillic_as_cp437_garbage() -> None:
    """The field-notes bug: python-escpos does not resend ESC t after ESC @; the preview must show it."""
    p = printer()
    p.textln("Привет")
    p.hw("INIT")
    p.textln("Привет")
    first, second = lines(decode(p.output))
    assert first.text == "Привет"
    assert second.text == "Привет".encode("cp866").decode("cp437")


def test_python_escpos_chinese_needs_a_printer_that_starts_in_chinese_mode() -> None:
    p = printer()
    p.textln("中文测试")
    assert "中文测试" not in plain_text(decode(p.output))
    assert plain_text(decode(p.output, cjk_default=True)) == "中文测试"


def test_native_qr_has_the_same_modules_as_the_image_qr() -> None:
    payload = "https://bank.example/t/A042?branch=7&lang=ru"
    p = printer()
    p.qr(payload, native=True, size=5, ec=1)
    p.qr(payload, native=False, size=5, ec=1)
    doc = decode(p.output)

    (native,) = of(QRCode, doc)
    assert isinstance(native, QRCode)
    assert (native.data, native.module_size, native.ec, native.model) == (payload.encode(), 5, "M", 2)
    (raster,) = of(Raster, doc)
    assert isinstance(raster, Raster)
    assert raster.command == "GS v 0"

    matrix = native.matrix()
    assert matrix is not None
    box, border = 5, 1  # python-escpos draws its image QR with qrcode's box_size=size, border=1
    sampled = tuple(
        tuple(
            raster.image.getpixel(((border + i) * box + box // 2, (border + j) * box + box // 2)) == 0
            for i in range(len(matrix))
        )
        for j in range(len(matrix))
    )
    assert sampled == matrix


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics", "bitImageColumn"])
def test_images_come_back_dot_for_dot(impl: str) -> None:
    src = Image.new("1", (40, 50), 1)
    for x in range(40):
        src.putpixel((x, (x * 7) % 50), 0)
        src.putpixel((x, 49), 0)
    p = printer()
    p.image(src, impl=impl)
    doc = decode(p.output)

    if impl == "bitImageColumn":  # 24-dot stripes in the line buffer, stacked by LF with ESC 3 16
        stripes = [r for line in lines(doc) for r in line.runs if isinstance(r, BitImageRun)]
        assert [line.advance for line in lines(doc)] == [24, 24, 24]
        got = Image.new("1", (40, 24 * len(stripes)), 1)
        for k, stripe in enumerate(stripes):
            got.paste(stripe.image, (0, 24 * k))
    else:
        (raster,) = of(Raster, doc)
        assert isinstance(raster, Raster)
        got = raster.image
    assert ImageChops.difference(got.crop((0, 0, 40, 50)).convert("L"), src.convert("L")).getbbox() is None
    assert not of(Unknown, doc)


def test_code128_barcode_from_python_escpos() -> None:
    p = printer()
    p.barcode("{BA042-2026", "CODE128", function_type="B", width=2, height=60, pos="BELOW")
    (bc,) = of(Barcode, decode(p.output))
    assert isinstance(bc, Barcode)
    assert (bc.symbology, bc.data, bc.height, bc.module_width, bc.hri) == (
        "CODE128",
        b"{BA042-2026",
        60,
        2,
        2,
    )
    coded = code128_widths(bc.data)
    assert coded is not None
    assert coded[1] == "A042-2026"


def test_code128_table_matches_python_barcode() -> None:
    import itertools

    from barcode.charsets.code128 import CODES  # type: ignore[import-untyped]

    from devices.escpos_render.symbols import _C128

    assert ["".join(str(len(list(g))) for _, g in itertools.groupby(pattern)) for pattern in CODES] == _C128
    widths = code128_widths(b"{C\x01\x02{B!")
    assert widths is not None
    assert widths[1] == "0102!"
    # start C, 1, 2, code B, "!", checksum, stop: 6 symbols of 6 widths plus the 7-width stop
    assert len(widths[0]) == 6 * 6 + 7
    assert sum(widths[0]) == 6 * 11 + 13


def test_cut_and_drawer_and_status_are_recorded() -> None:
    p = printer()
    p.textln("x")
    p.cashdraw(2)
    p.is_online()
    p.paper_status()
    p.panel_buttons(False)
    p.cut()
    p.cut(mode="PART")
    doc = decode(p.output + GS + b"r\x01" + GS + b"V\x42\x10")
    names = [e.command for e in doc if isinstance(e, Ignored)]
    assert names == [
        "ESC p (cash drawer)",
        "DLE EOT 1",
        "DLE EOT 4",
        "ESC c (paper sensors/panel)",
        "GS r (status) 1",
    ]
    assert [e for e in doc if isinstance(e, Cut)] == [Cut(False), Cut(True), Cut(True)]
    assert Feed(6 * 30) in doc
    assert doc[-2:] == [Feed(16), Cut(True)]


# ---------------------------------------------------------------------------------- hand-written bytes


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("gb18030", "中文测试：请稍候。"), ("big5", "中文測試：請稍候。"), ("gb18030", "€𠀀")],
)
def test_fs_ampersand_double_byte_mode(encoding: str, text: str) -> None:
    data = b"AB" + FS + b"&" + text.encode(encoding) + FS + b"." + b"\xe9\n"
    (line,) = lines(decode(data, cjk_encoding=encoding))
    assert line.text == "AB" + text + "Θ"  # after FS . the byte is CP437 again
    assert [(r.text, r.cell_w) for r in line.runs if isinstance(r, TextRun)] == [
        ("AB", 12),
        (text, 24),
        ("Θ", 12),
    ]


@pytest.mark.parametrize(
    ("table", "codec", "sample"),
    [(0, "cp437", "Größe"), (16, "cp1252", "€ café"), (17, "cp866", "Жёлтый"), (46, "cp1251", "Жёлтый")],
)
def test_code_pages(table: int, codec: str, sample: str) -> None:
    data = ESC + b"t" + bytes([table]) + sample.encode(codec) + b"\n"
    assert plain_text(decode(data)) == sample


def test_code_page_without_codec_and_override() -> None:
    data = ESC + b"t\x29" + b"a\xe9\n"  # 41 is CP1098 (Farsi): Python has no codec
    doc = decode(data)
    assert plain_text(doc) == "a\ufffd"
    assert any(isinstance(e, Ignored) and e.command.startswith("ESC t 41") for e in doc)
    chinese_printer = ESC + b"t\x3b" + "Жук".encode("cp866") + b"\n"  # POS-5890: 59 is CP866
    assert plain_text(decode(chinese_printer, code_pages={59: "cp866"})) == "Жук"


def test_utf8_mode() -> None:
    data = FS + b"(C\x02\x00\x30\x02" + "Да 是 ✓\n".encode() + FS + b"(C\x02\x00\x30\x01" + b"\x82\n"
    first, second = lines(decode(data))
    assert first.text == "Да 是 ✓"
    assert [r.cell_w for r in first.runs if isinstance(r, TextRun)] == [12, 24, 12]
    assert second.text == "é"


def test_print_modes() -> None:
    data = (
        ESC + b"!\xb9" + b"a\n"  # font B, emphasized, double height and width, underline
        + ESC + b"@" + GS + b"!\x73" + b"b\n"  # 8 wide, 4 high
        + GS + b"!\x00" + ESC + b"E\x01" + ESC + b"-\x02" + ESC + b"M\x01" + GS + b"B\x01" + b"c\n"
        + ESC + b"!\x00" + b"d\n"  # ESC ! also switches bold, underline and font off
    )  # fmt: skip
    runs = [first_run(line) for line in lines(decode(data))]
    assert [(r.style.font, r.style.bold, r.style.underline, r.style.width, r.style.height) for r in runs] == [
        ("B", True, 1, 2, 2),
        ("A", False, 0, 8, 4),
        ("B", True, 2, 1, 1),
        ("A", False, 0, 1, 1),
    ]
    assert (runs[0].cell_w, runs[0].cell_h) == (18, 34)
    assert (runs[1].cell_w, runs[1].cell_h) == (96, 96)
    assert runs[2].style.invert
    assert runs[3].style.invert


@pytest.mark.parametrize(
    ("prefix", "paper", "columns"),
    [
        (b"", 576, 48),
        (ESC + b"M\x01", 576, 64),
        (b"", 384, 32),
        (GS + b"!\x10", 576, 24),
        (ESC + b" \x04", 576, 36),
    ],
)
def test_wraps_at_the_cell_count(prefix: bytes, paper: int, columns: int) -> None:
    doc = decode(prefix + b"x" * 100 + b"\n", paper_width_dots=paper)
    full, rest = divmod(100, columns)
    assert [len(line.text) for line in lines(doc)] == [columns] * full + ([rest] if rest else [])


def test_feeds_spacing_tabs_and_positions() -> None:
    data = (
        ESC + b"3\x40" + b"a\n" + b"\n" + ESC + b"2" + b"b" + ESC + b"d\x03" + ESC + b"J\x07"
        + b"c\td\n" + ESC + b"D\x04\x0a\x00" + b"\te\tf\n" + b"g" + ESC + b"$\x2c\x01" + b"h\n"
    )  # fmt: skip
    doc = decode(data)
    assert [type(e).__name__ for e in doc] == ["Line", "Feed", "Line", "Feed", "Line", "Line", "Line"]
    assert doc[0] == Line(doc[0].runs, "left", 0, 576, 24, 64)  # type: ignore[union-attr]
    assert doc[1] == Feed(64)
    assert isinstance(doc[2], Line)
    assert doc[2].advance == 90
    assert doc[3] == Feed(7)
    c_d, e_f, g_h = (
        tuple((r.text, r.x) for r in line.runs if isinstance(r, TextRun)) for line in lines(doc)[2:]
    )
    assert c_d == (("c", 0), ("d", 96))  # default tab stops every 8 font-A characters
    assert e_f == (("e", 48), ("f", 120))
    assert g_h == (("g", 0), ("h", 300))


def test_left_margin_and_print_area() -> None:
    data = GS + b"L\x30\x00" + GS + b"W\x40\x01" + ESC + b"a\x02" + b"x" * 30 + b"\n"
    first, second = lines(decode(data))
    assert (first.left, first.area, len(first.text), second.text) == (48, 320, 26, "xxxx")


def test_unknown_truncated_and_unprinted_are_recorded() -> None:
    data = b"ok\n" + ESC + b"\xff" + b"\x01" + b"tail" + GS + b"v0\x00\x10\x00\x10\x00" + b"\x00" * 5
    doc = decode(data)
    unknown = [e for e in doc if isinstance(e, Unknown)]
    assert [(u.offset, u.reason) for u in unknown] == [
        (3, "unknown ESC command"),
        (5, "control character"),
        (10, "data ends inside a command"),
        (len(data), "line buffer never printed (no LF at the end)"),
    ]
    assert unknown[-1].data == b"tail"
    assert plain_text(doc) == "ok"


def test_init_resets_state_and_drops_the_line_buffer() -> None:
    data = ESC + b"a\x01" + ESC + b"E\x01" + ESC + b"t\x11" + b"lost" + ESC + b"@" + b"\x8f\n"
    (line,) = lines(decode(data))
    assert (line.text, line.align, first_run(line).style.bold) == ("Å", "left", False)


def test_native_qr_settings_and_overflow() -> None:
    def qr(data: bytes) -> bytes:
        n = len(data) + 3
        return GS + b"(k" + bytes([n % 256, n // 256]) + b"1P0" + data

    settings_ = GS + b"(k\x03\x001C\x08" + GS + b"(k\x03\x001E3" + ESC + b"a\x02"
    doc = decode(settings_ + qr(b"12345") + GS + b"(k\x03\x001Q0" + qr(b"x" * 3000) + GS + b"(k\x03\x001Q0")
    small, huge = (e for e in doc if isinstance(e, QRCode))
    assert (small.module_size, small.ec, small.align) == (8, "H", "right")
    assert small.matrix() is not None
    assert huge.matrix() is None
    render(b"".join([settings_, qr(b"x" * 3000), GS + b"(k\x03\x001Q0"]))  # drawn as nothing, no error


# ---------------------------------------------------------------------------------- pictures


def golden_ticket() -> bytes:
    """Hand-written so the golden image does not change when python-escpos changes what it emits."""
    logo = Image.new("1", (96, 32), 1)
    for x in range(96):
        for y in range(32):
            if (x // 8 + y // 8) % 2 == 0:
                logo.putpixel((x, y), 0)
    raster = logo.convert("1").tobytes()  # PIL "1": bit set = white; ESC/POS: bit set = black
    inverted = bytes(255 - b for b in raster)
    qr = b"https://bank.example/t/A042"
    return b"".join(
        [
            ESC + b"@" + ESC + b"a\x01",
            GS + b"v0\x00" + bytes([12, 0, 32, 0]) + inverted,
            ESC + b"t\x11" + ESC + b"!\x38" + 'Банк "Восток"'.encode("cp866") + b"\n",
            ESC + b"!\x00" + "Центр обслуживания".encode("cp866") + b"\n",
            GS + b"!\x33" + b"A042\n" + GS + b"!\x00",
            ESC + b"a\x00" + "Услуга:\tОткрытие вклада\n".encode("cp866"),
            ESC + b"M\x01" + b"Font B: the quick brown fox jumps over the lazy dog\n" + ESC + b"M\x00",
            ESC + b"-\x01" + b"underlined" + ESC + b"-\x00 ",
            GS + b"B\x01" + b" inverted " + GS + b"B\x00\n",
            FS + b"&" + "服務中心：請稍候".encode("big5") + FS + b".\n",
            ESC + b"a\x01" + ESC + b"d\x01",
            GS + b"(k\x04\x001A2\x00" + GS + b"(k\x03\x001C\x05" + GS + b"(k\x03\x001E1",
            GS + b"(k" + bytes([len(qr) + 3, 0]) + b"1P0" + qr + GS + b"(k\x03\x001Q0\n",
            GS + b"h\x40" + GS + b"w\x02" + GS + b"H\x02" + GS + b"k\x49\x0b{BA042-2026\n",
            GS + b"H\x02" + GS + b"k\x02" + b"4006381333931\x00",
            ESC + b"d\x04" + GS + b"V\x01",
        ]
    )


def ink_difference(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ strongly after a blur: one-dot glyph shifts pass, a missing word fails."""
    blur = ImageFilter.GaussianBlur(2)
    diff = ImageChops.difference(a.convert("L").filter(blur), b.convert("L").filter(blur))
    histogram = diff.histogram()
    return sum(histogram[64:]) / (a.width * a.height)


@pytest.mark.skipif(not DEFAULT_FONT.exists(), reason="KioskSans is built by run.sh (scripts/build_font.py)")
def test_golden_ticket() -> None:
    """After a deliberate change: rerun with UPDATE_GOLDEN=1 and look at the picture before committing."""
    got = render(golden_ticket(), cjk_encoding="big5")
    assert got.mode == "1"
    assert got.width == 576 + 2 * 16
    golden = GOLDEN / "ticket.png"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        got.save(golden)
    want = Image.open(golden)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    got.save(ARTIFACTS / "escpos-ticket.png")
    seen = f"compare {golden} with {ARTIFACTS / 'escpos-ticket.png'}"
    assert got.size == want.size, seen
    assert ink_difference(got, want) < 0.0002, seen


def test_golden_ticket_structure() -> None:
    doc = decode(golden_ticket(), cjk_encoding="big5")
    assert plain_text(doc).splitlines() == [
        'Банк "Восток"',
        "Центр обслуживания",
        "A042",
        "Услуга:Открытие вклада",
        "Font B: the quick brown fox jumps over the lazy dog",
        "underlined  inverted ",
        "服務中心：請稍候",
    ]
    assert [type(e).__name__ for e in doc if not isinstance(e, Line)] == [
        "Raster", "Feed", "QRCode", "Feed", "Barcode", "Feed", "Barcode", "Feed", "Cut",
    ]  # fmt: skip
    assert not of(Unknown, doc)
    assert not of(Ignored, doc)


def test_render_to_png_and_paper_widths(tmp_path: Path) -> None:
    out = render_to_png(b"58 mm paper\n", tmp_path / "t.png", paper_width_dots=384)
    with Image.open(out) as img:
        assert img.size == (384 + 32, 30 + 32)
        assert img.mode == "1"
        assert img.crop((16, 16, 400, 46)).getbbox() is not None  # some ink where the line is
    blank = render(b"")
    assert blank.size == (608, 32)
    assert blank.convert("L").getextrema() == (255, 255)


def test_pillow_default_font_when_no_font_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import devices.escpos_render as mod

    monkeypatch.setattr(mod, "DEFAULT_FONT", tmp_path / "missing.otf")
    img = render(b"fallback " + ESC + b"E\x01bold\n")
    assert img.convert("L").getextrema() == (0, 255)
    with pytest.raises(OSError):
        render(b"x\n", font_path=str(tmp_path / "missing.otf"))


# ---------------------------------------------------------------------------------- robustness

COMMAND_BITS = st.sampled_from(
    [ESC, GS, FS, b"\x10\x04", b"\n", b"\t", b"(", b"k", b"L", b"v0", b"*", b"!", b"V", b"&", b".", b"1P0",
     b"1Q0", b"\x00", b"\xff", b"\x03\x00", b"\x21", b"t", b"a", b"$", b"D", b"8L", b"\xa4\xa4", b"d\xff"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    render(data, max_height_dots=3000)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMMAND_BITS | st.binary(max_size=6), max_size=120), st.sampled_from(["gb18030", "big5"]))
def test_command_soup_never_raises(parts: list[bytes], encoding: str) -> None:
    data = b"".join(parts)
    decode(data, cjk_encoding=encoding, cjk_default=True)
    render(data, cjk_encoding=encoding, paper_width_dots=384, max_height_dots=3000)


def test_stray_lead_byte_in_chinese_mode_does_not_swallow_the_line_feed() -> None:
    data = FS + b"&" + "Ж".encode("cp866") + b"\n" + "中".encode("gb18030") + b"\x81\n"
    first, second = lines(decode(data))
    assert (first.text, second.text) == ("\ufffd", "中\ufffd")
