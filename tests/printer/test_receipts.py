"""Receipt templates and layout: exact bytes, golden pictures, and rules that hold for any text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFilter

from devices import escpos_render
from devices.escpos_render import QRCode, Raster, Unknown, decode, plain_text
from devices.receipts import (
    QR,
    BigNumber,
    Cut,
    KeyValue,
    Picture,
    Receipt,
    Separator,
    TemplateError,
    Text,
    render,
    ticket_receipt,
)
from devices.receipts import template as templates
from devices.receipts.layout import paper_for
from devices.receipts.raster_text import FONT_REGULAR, LayoutError
from devices.receipts.samples import sample
from tests.printer.conftest import GOLDEN, ISSUED, ticket

ESC, GS = b"\x1b", b"\x1d"
LANGS = ("ru", "zh-Hant", "en")
needs_font = pytest.mark.skipif(
    not FONT_REGULAR.exists(), reason="KioskSans is built by run.sh (scripts/build_font.py)"
)


def cp866(text: str) -> bytes:
    return text.encode("cp866")


# ---------------------------------------------------------------------------------- exact bytes


def test_ticket_bytes_on_tm_t20ii_80mm() -> None:
    """Every byte of a Russian ticket: init, CP866 once, styles only where they change, native QR, cut."""
    data = ticket(center_name="Центр обслуживания №7", center_address="ул. Ленина, 15", service="Платежи")
    got = render(ticket_receipt(data, "ru"), paper_width_mm=80, profile="TM-T20II").data
    url = b"https://queue.example/t/C01/A017"
    dashes = b"-" * 48 + b"\n"
    expected = b"".join(
        [
            ESC + b"@",  # a clean printer state for every job
            ESC + b"a\x01" + ESC + b"E\x01" + ESC + b"t\x11" + cp866("Центр обслуживания №7\n"),  # CP866
            ESC + b"E\x00" + cp866("ул. Ленина, 15\n"),
            ESC + b"a\x00" + dashes,
            ESC + b"a\x01" + cp866("Талон электронной очереди\n"),
            ESC + b"E\x01" + GS + b"!\x44" + b"A017\n" + ESC + b"E\x00" + GS + b"!\x00",  # 5x5, bold
            ESC
            + b"E\x01"
            + GS
            + b"B\x01"
            + cp866(" Приоритет: посетитель с инвалидностью \n")
            + GS
            + b"B\x00",
            cp866("Платежи\n"),
            ESC + b"a\x00" + ESC + b"E\x00" + dashes,
            cp866("Перед вами") + b" " * 37 + ESC + b"E\x01" + b"3\n",
            ESC + b"E\x00" + cp866("Ожидание") + b" " * 26 + ESC + b"E\x01" + cp866("около 12 минут\n"),
            ESC
            + b"E\x00"
            + cp866("Выдан")
            + b" " * 23
            + cp866("1 дек. 2026 г. 10:05\n"),  # Babel, NBSP -> space
            dashes,
            ESC + b"a\x01",  # the native QR is centred by ESC a
            GS
            + b"(k\x04\x001A2\x00"
            + GS
            + b"(k\x03\x001C\x06"
            + GS
            + b"(k\x03\x001E1",  # model 2, 6 dots, M
            GS + b"(k" + bytes([len(url) + 3, 0]) + b"1P0" + url + GS + b"(k\x03\x001Q0" + b"\n",
            cp866("Следите за очередью на телефоне\n"),
            ESC + b"d\x01",
            cp866("Пожалуйста, ожидайте вызова\nвашего номера на экране\n"),  # balanced, not an orphan word
            ESC + b"a\x00" + ESC + b"d\x06" + GS + b"V\x01",  # feed past the cutter, partial cut
        ]
    )
    assert got == expected
    assert len(got) == 642


def test_rendering_twice_gives_the_same_bytes() -> None:
    """A fresh encoder per job: the second rendering selects CP866 again (the python-escpos reuse bug)."""
    receipt = ticket_receipt(ticket(), "ru")
    first = render(receipt, paper_width_mm=80, profile="TM-T20II").data
    second = render(receipt, paper_width_mm=80, profile="TM-T20II").data
    assert first == second
    assert plain_text(decode(first + second)).count("Талон электронной очереди") == 2


# ---------------------------------------------------------------------------------- golden pictures


def ink_difference(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ strongly after a blur: one-dot glyph shifts pass, a missing word fails."""
    blur = ImageFilter.GaussianBlur(2)
    diff = ImageChops.difference(a.convert("L").filter(blur), b.convert("L").filter(blur))
    return sum(diff.histogram()[64:]) / (a.width * a.height)


def check_golden(name: str, data: bytes, paper: int, artifacts: Path) -> Image.Image:
    got = escpos_render.render(data, paper_width_dots=paper_for(paper, "TM-T20II").dots)
    got.save(artifacts / f"{name}.png")
    golden = GOLDEN / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        got.save(golden)
    seen = f"compare {golden} with {artifacts / (name + '.png')}; UPDATE_GOLDEN=1 after looking at it"
    with Image.open(golden) as want:
        assert got.size == want.size, seen
        assert ink_difference(got, want) < 0.0005, seen
    return got


@needs_font
@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", LANGS)
def test_golden_ticket(lang: str, paper: int, receipt_artifacts: Path) -> None:
    rendered = render(ticket_receipt(ticket(lang), lang), paper_width_mm=paper, profile="TM-T20II")
    img = check_golden(f"ticket-{lang}-{paper}", rendered.data, paper, receipt_artifacts)
    assert img.width == rendered.paper.dots + 32


@needs_font
@pytest.mark.parametrize(("lang", "paper"), [("en", 58), ("zh-Hant", 80)])
def test_golden_offline_ticket(lang: str, paper: int, receipt_artifacts: Path) -> None:
    """Issued without central: no queue figures, no QR, the offline marker."""
    data = ticket(lang, people_ahead=None, wait_minutes=None, url="", offline=True, priority="none")
    rendered = render(ticket_receipt(data, lang), paper_width_mm=paper, profile="TM-T20II")
    check_golden(f"ticket-offline-{lang}-{paper}", rendered.data, paper, receipt_artifacts)


def commands_only(data: bytes) -> bytes:
    """The job without GS v 0 raster payloads: image bytes may contain any pair, FS & included."""
    out, i = bytearray(), 0
    while i < len(data):
        if data[i : i + 3] == b"\x1dv0" and i + 8 <= len(data):
            width, height = data[i + 4] | data[i + 5] << 8, data[i + 6] | data[i + 7] << 8
            out += data[i : i + 8]
            i += 8 + width * height
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


# ---------------------------------------------------------------------------------- structure per language


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", LANGS)
def test_ticket_structure(lang: str, paper: int) -> None:
    rendered = render(ticket_receipt(ticket(lang), lang), paper_width_mm=paper, profile="TM-T20II")
    doc = decode(rendered.data, paper_width_dots=rendered.paper.dots)
    assert not [e for e in doc if isinstance(e, Unknown)]
    assert len([e for e in doc if isinstance(e, QRCode)]) == 1  # native on TM-T20II
    assert b"\x1c&" not in commands_only(rendered.data)  # never python-escpos's raw GB18030 Chinese
    text = plain_text(doc)
    assert "A017" in text
    if lang == "zh-Hant":
        assert rendered.raster_bytes > 5000
        assert "北區服務中心".encode("gb18030") not in rendered.data
        assert "北區服務中心".encode("big5") not in rendered.data
    else:
        assert rendered.raster_bytes == 0  # Latin and Cyrillic go as text
        center = ticket(lang).center_name
        assert center in text
    for element in doc:
        if isinstance(element, Raster):
            assert element.image.width <= rendered.paper.dots


def test_bytes_per_ticket() -> None:
    """The figures in the report: text tickets well under 1 KB, Chinese ones a raster of some 15 KB."""
    sizes = {
        (lang, paper): len(
            render(ticket_receipt(ticket(lang), lang), paper_width_mm=paper, profile="TM-T20II").data
        )
        for lang in LANGS
        for paper in (58, 80)
    }
    assert all(sizes[(lang, p)] < 1000 for lang in ("ru", "en") for p in (58, 80)), sizes
    assert all(8_000 < sizes[("zh-Hant", p)] < 30_000 for p in (58, 80)), sizes


def test_profile_without_native_qr_gets_an_image_qr() -> None:
    receipt = ticket_receipt(ticket("en"), "en")
    data = render(receipt, paper_width_mm=58, profile="POS-5890").data
    doc = decode(data, paper_width_dots=384)
    assert not [e for e in doc if isinstance(e, QRCode)]
    rasters = [e for e in doc if isinstance(e, Raster)]
    assert len(rasters) == 1
    forced = render(receipt, paper_width_mm=80, profile="TM-T20II", qr="image").data
    assert b"\x1d(k" not in forced


def test_profile_without_cyrillic_code_page_prints_russian_as_a_picture() -> None:
    """The "simple" profile has CP437 only: Russian must not become question marks."""
    rendered = render(ticket_receipt(ticket("ru"), "ru"), paper_width_mm=80, profile="simple")
    text = plain_text(decode(rendered.data))
    assert "?" not in text
    assert "A017" in text
    assert rendered.raster_bytes > 0


def test_profile_narrower_than_the_paper() -> None:
    assert paper_for(80, "TM-T88V").dots == 512
    assert paper_for(80, "TM-T88V").columns == 42
    assert paper_for(58, "TM-T20II").columns == 32
    with pytest.raises(LayoutError):
        paper_for(76, "TM-T20II")


def test_picture_block_is_scaled_and_centred(tmp_path: Path) -> None:
    logo = Image.new("RGBA", (900, 90), (255, 255, 255, 0))
    logo.paste((0, 0, 0, 255), (0, 0, 900, 30))
    receipt = Receipt("test", "en", (Picture(logo, max_width_mm=40), Cut()))
    doc = decode(render(receipt, paper_width_mm=80, profile="TM-T20II").data)
    (raster,) = [e for e in doc if isinstance(e, Raster)]
    box = raster.image.convert("L").point(lambda v: 255 - v).getbbox()
    assert box is not None
    assert box[2] - box[0] == 320  # 40 mm at 8 dots/mm
    assert abs(box[0] - (576 - 320) // 2) <= 1
    with pytest.raises(LayoutError):
        render(
            Receipt("t", "en", (Picture(tmp_path / "missing.png"),)), paper_width_mm=80, profile="TM-T20II"
        )


# ---------------------------------------------------------------------------------- any text fits


_ALPHABET = st.sampled_from(list("abcXYZ0123 .,-:«»№ЁёЖжщЩ中文臺號碼，。請稍候🙂\u202f\u00a0"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(_ALPHABET, min_size=1, max_size=90),
    value=st.text(_ALPHABET, max_size=40),
    paper=st.sampled_from([58, 80]),
    size=st.integers(1, 8),
    align=st.sampled_from(["left", "center", "right"]),
)
def test_any_text_stays_on_the_paper(text: str, value: str, paper: int, size: int, align: str) -> None:
    """Nothing is clipped, nothing is wrapped by the printer, nothing is undecodable."""
    blocks = (
        Text(text, align=align, size=size, bold=size % 2 == 0, invert=size == 3),  # type: ignore[arg-type]
        KeyValue(text[:20], value),
        BigNumber(text, size=size),
        Separator("="),
        QR(text),
        Cut(),
    )
    rendered = render(Receipt("t", "en", blocks), paper_width_mm=paper, profile="TM-T20II")
    dots = rendered.paper.dots
    # Decoded on endless paper: if we had left wrapping to the printer, a line would be wider than ours.
    for element in decode(rendered.data, paper_width_dots=100_000):
        assert not isinstance(element, Unknown), element
        if isinstance(element, escpos_render.Line):
            assert element.content_width <= dots, element.text
        if isinstance(element, Raster):
            assert element.image.width <= dots
    assert b"\x1c&" not in commands_only(rendered.data)


# ---------------------------------------------------------------------------------- templates


def test_shipped_template_has_every_language_and_same_keys() -> None:
    tpl = templates.load("ticket")
    assert set(tpl.texts) == set(LANGS)
    for lang in LANGS:
        receipt = ticket_receipt(ticket(lang), lang)
        assert receipt.lang == lang
        assert receipt.label == "ticket A017"  # logs see the number, nothing personal


def test_an_unknown_receipt_is_refused() -> None:
    with pytest.raises(TemplateError, match="no template"):
        sample("lottery", "en", ISSUED)


def texts_of(receipt: Receipt) -> list[str]:
    return [b.text for b in receipt.blocks if isinstance(b, Text)]


def test_optional_blocks() -> None:
    offline = ticket_receipt(ticket("en", people_ahead=None, wait_minutes=None, url="", offline=True), "en")
    kinds = [type(b).__name__ for b in offline.blocks]
    assert "QR" not in kinds
    assert [b.key for b in offline.blocks if isinstance(b, KeyValue)] == ["Issued"]
    assert "Issued offline" in texts_of(offline)
    normal = ticket_receipt(ticket("en", priority="none"), "en")
    assert not any("Priority" in t for t in texts_of(normal))
    assert "Issued offline" not in texts_of(normal)
    unknown = ticket_receipt(ticket("en", priority="vip"), "en")
    assert "Priority service" in texts_of(unknown)
    assert [b.value for b in normal.blocks if isinstance(b, KeyValue)] == [
        "3",
        "about 12 minutes",
        "1 Dec 2026 10:05",
    ]


def test_babel_formats_per_language() -> None:
    zh = ticket_receipt(ticket("zh-Hant", people_ahead=1234, wait_minutes=1), "zh-Hant")
    values = [b.value for b in zh.blocks if isinstance(b, KeyValue)]
    assert values == ["1,234 人", "約 1 分鐘", "2026年12月1日 上午10:05"]
    ru = ticket_receipt(ticket("ru", wait_minutes=21), "ru")
    assert "около 21 минута" in [b.value for b in ru.blocks if isinstance(b, KeyValue)]


def write_template(folder: Path, body: str, kind: str = "demo") -> Path:
    path = folder / f"{kind}.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
kind = "demo"
[[block]]
type = "text"
text = "hello"
[text.ru]
hello = "Привет, {name}"
[text.zh-Hant]
hello = "你好，{name}"
[text.en]
hello = "Hello, {name}"
"""


def test_template_fill_and_errors(tmp_path: Path) -> None:
    write_template(tmp_path, GOOD)
    tpl = templates.load("demo", tmp_path)
    assert texts_of(templates.build(tpl, "zh-Hant", {"name": "王"})) == ["你好，王"]
    assert texts_of(templates.build(tpl, "de", {"name": "X"})) == ["Hello, X"]  # unknown language: English
    with pytest.raises(TemplateError, match="no value for"):
        templates.build(tpl, "en", {})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('[text.zh-Hant]\nhello = "你好，{name}"\n', ""), "no \\[text.zh-Hant\\]"),
        (('hello = "Hello, {name}"', 'hello = "Hello, {name}"\nextra = "x"'), "differ in: extra"),
        (('type = "text"', 'type = "poem"'), "type 'poem'"),
        (('text = "hello"', 'text = "hello"\ncolour = "red"'), "unknown key 'colour'"),
        (('text = "hello"', 'text = "missing"'), "no message 'missing'"),
        (("Hello, {name}", "Hello, {name.__class__}"), "plain field name"),
        (('kind = "demo"', 'kind = "other"'), "expected 'demo'"),
    ],
)
def test_broken_templates_fail_at_load(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    write_template(tmp_path, GOOD.replace(*change))
    with pytest.raises(TemplateError, match=message):
        templates.load("demo", tmp_path)


def test_template_pictures_cannot_leave_the_folder(tmp_path: Path) -> None:
    body = 'kind = "demo"\n[[block]]\ntype = "image"\npath = "../../etc/logo.png"\n'
    body += "".join(f'[text.{lang}]\nx = "x"\n' for lang in LANGS)
    write_template(tmp_path, body)
    with pytest.raises(LayoutError, match="outside"):
        templates.build(templates.load("demo", tmp_path), "en", {})
