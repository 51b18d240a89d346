"""The appointment confirmation: exact bytes, golden pictures, a QR code that scans, and its formatting."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_interval
from PIL import Image

from devices import escpos_render
from devices.escpos_render import QRCode, Raster, Unknown, decode, plain_text
from devices.receipts import QR, BigNumber, KeyValue, Receipt, Text, appointment_receipt, render
from devices.receipts import template as templates
from devices.receipts.appointment import code_text
from devices.receipts.samples import sample
from service_common.i18n import babel_locale
from tests.printer.conftest import ISSUED, SLOT, appointment
from tests.printer.test_receipts import LANGS, check_golden, commands_only, needs_font

zxingcpp = pytest.importorskip("zxingcpp")

ESC, GS = b"\x1b", b"\x1d"


def cp866(text: str) -> bytes:
    return ESC + b"t\x11" + text.encode("cp866")


def kv(key: str, value: str, columns: int = 48) -> str:
    return key + " " * (columns - len(key) - len(value)) + value + "\n"


def time_range(lang: str) -> str:
    """The slot 10:00-10:20 as the locked Babel writes it: the dash is CLDR's choice, not the receipt's.

    Babel 2.19 changed Russian ranges from an en dash to an em dash; a copied literal broke then.
    """
    text = str(
        format_interval(
            SLOT, SLOT + timedelta(minutes=20), "Hm", tzinfo=SLOT.tzinfo, locale=babel_locale(lang)
        )
    )
    assert re.fullmatch(r"10:00\s?[-\u2013\u2014]\s?10:20", text), text
    return text


def texts_of(receipt: Receipt) -> list[str]:
    return [b.text for b in receipt.blocks if isinstance(b, Text | BigNumber)]


# ---------------------------------------------------------------------------------- exact bytes


def test_appointment_bytes_on_tm_t20ii_80mm() -> None:
    """Every byte of a Russian confirmation: CP866 text, «» and › from other code pages, native QR, cut."""
    data = appointment(center_name="Центр обслуживания №7", center_address="ул. Ленина, 15")
    got = render(appointment_receipt(data, "ru"), paper_width_mm=80, profile="TM-T20II").data
    token = data.token.encode("ascii")
    dashes = b"-" * 48 + b"\n"
    dash = time_range("ru")[5:-5].encode("cp1252")  # the locked Babel's dash, from CP1252 (not in CP866)
    expected = b"".join(
        [
            ESC + b"@",
            ESC + b"a\x01" + ESC + b"E\x01" + cp866("Центр обслуживания №7\n"),
            ESC + b"E\x00" + "ул. Ленина, 15\n".encode("cp866"),
            ESC + b"a\x00" + dashes,
            ESC + b"a\x01" + ESC + b"E\x01" + GS + b"B\x01",  # the title, white on black
            " Запись подтверждена \n".encode("cp866") + GS + b"B\x00",
            "Платежи и переводы\n".encode("cp866"),  # the service, bold
            ESC + b"d\x01",
            GS + b"!\x11" + "Среда\n2 декабря 2026 г.\n".encode("cp866"),  # 2x2: weekday over the date
            GS + b'!"' + b"10:00" + ESC + b"t\x10" + dash + b"10:20\n",  # 3x3; the dash from CP1252
            ESC + b"E\x00" + GS + b"!\x00" + ESC + b"a\x00" + dashes,
            ESC + b"a\x01" + cp866("Код записи\n"),
            ESC + b"E\x01" + GS + b"!\x33" + b"1234 5674\n",  # 4x4, grouped for reading
            ESC + b"E\x00" + GS + b"!\x00" + ESC + b"d\x01",  # the QR code's quiet zone
            GS + b"(k\x04\x001A2\x00" + GS + b"(k\x03\x001C\x06" + GS + b"(k\x03\x001E1",  # 6 dots, M
            GS + b"(k" + bytes([len(token) + 3, 0]) + b"1P0" + token + GS + b"(k\x03\x001Q0" + b"\n",
            ESC
            + b"E\x01"
            + "Отсканируйте этот код на терминале\nв центре с 09:45 до 10:10\n".encode("cp866"),
            ESC + b"a\x00" + ESC + b"E\x00" + dashes,
            "Отменить или перенести запись можно на любом\nтерминале:\n".encode("cp866"),
            ESC
            + b"a\x01"
            + ESC
            + b"E\x01"
            + ESC
            + b"t\x10\xab",  # « here from CP1252 (python-escpos picks the page)
            cp866("Записаться на приём") + ESC + b"t\x10\xbb \x9b\n\xab",  # » › « (wrapped)
            cp866("Отменить или перенести запись") + ESC + b"t\x10\xbb\n",
            ESC + b"a\x00" + ESC + b"E\x00",
            cp866("Понадобятся код записи и последние 4 цифры\nномера телефона.\n"),
            "Или на сайте:\n".encode("cp866") + b"https://queue.example/a/12345674\n",
            dashes,
            kv("Имя", "Анна Иванова").encode("cp866"),
            kv("Телефон", "+7 *** ***-67-89").encode("cp866"),
            kv("Напечатано", "1 дек. 2026 г. 10:05").encode("cp866"),  # Babel, NBSP -> space
            ESC + b"d\x06" + GS + b"V\x01",
        ]
    )
    assert got == expected


# ---------------------------------------------------------------------------------- golden pictures


@needs_font
@pytest.mark.parametrize("paper", [80, 58])
@pytest.mark.parametrize("lang", LANGS)
def test_golden_appointment(lang: str, paper: int, receipt_artifacts: Path) -> None:
    rendered = render(appointment_receipt(appointment(lang), lang), paper_width_mm=paper, profile="TM-T20II")
    img = check_golden(f"appointment-{lang}-{paper}", rendered.data, paper, receipt_artifacts)
    assert img.width == rendered.paper.dots + 32


# ---------------------------------------------------------------------------------- the QR code scans


def scanned(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img) if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("paper", [80, 58])
@pytest.mark.parametrize("lang", LANGS)
def test_qr_code_reads_back_from_the_paper(lang: str, paper: int) -> None:
    """Drawn as the printer would, the code is read by a real decoder; modules 0.75 / 0.625 mm wide."""
    data = appointment(lang)
    rendered = render(appointment_receipt(data, lang), paper_width_mm=paper, profile="TM-T20II")
    doc = decode(rendered.data, paper_width_dots=rendered.paper.dots)
    (qr,) = [e for e in doc if isinstance(e, QRCode)]
    matrix = qr.matrix()
    assert matrix is not None
    assert qr.ec == "M"
    assert qr.module_size == (6 if paper == 80 else 5)
    assert len(matrix) * qr.module_size <= rendered.paper.dots
    img = escpos_render.render(rendered.data, paper_width_dots=rendered.paper.dots)
    assert scanned(img) == [data.token]


def test_longest_real_token_fits_58mm_and_scans() -> None:
    """Central's own signer with the longest ids its tables allow (16-char center, 32-char service)."""
    token_mod = pytest.importorskip("central.appointments.token")
    end = SLOT.replace(minute=20)
    token = token_mod.sign(
        bytes(32), code="12345674", center_id="C" * 16, service_id="s" * 32, slot_start=SLOT, slot_end=end
    )
    assert token.startswith("A1.")
    data = appointment("en", token=token)
    rendered = render(appointment_receipt(data, "en"), paper_width_mm=58, profile="TM-T20II")
    (qr,) = [e for e in decode(rendered.data, paper_width_dots=384) if isinstance(e, QRCode)]
    matrix = qr.matrix()
    assert matrix is not None
    assert len(matrix) * qr.module_size <= 384
    assert scanned(escpos_render.render(rendered.data, paper_width_dots=384)) == [token]


def test_image_qr_on_a_printer_without_native_qr_scans() -> None:
    data = appointment("ru")
    rendered = render(appointment_receipt(data, "ru"), paper_width_mm=58, profile="POS-5890")
    doc = decode(rendered.data, paper_width_dots=384)
    assert not [e for e in doc if isinstance(e, QRCode)]
    assert scanned(escpos_render.render(rendered.data, paper_width_dots=384)) == [data.token]


# ---------------------------------------------------------------------------------- structure


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", LANGS)
def test_appointment_structure(lang: str, paper: int) -> None:
    rendered = render(appointment_receipt(appointment(lang), lang), paper_width_mm=paper, profile="TM-T20II")
    doc = decode(rendered.data, paper_width_dots=rendered.paper.dots)
    assert not [e for e in doc if isinstance(e, Unknown)]
    assert b"\x1c&" not in commands_only(rendered.data)  # never python-escpos's raw GB18030 Chinese
    text = plain_text(doc)
    assert "1234 5674" in text
    assert "https://queue.example/a/12345674" in text  # the printer's font: one line even on 58 mm
    if lang == "zh-Hant":
        assert "北區服務中心".encode("big5") not in rendered.data
    else:
        assert rendered.raster_bytes == 0  # Latin and Cyrillic go as text
        assert {"ru": "09:45 до 10:10", "en": "09:45 to 10:10"}[lang] in text.replace("\n", " ")
    for element in doc:
        if isinstance(element, Raster):
            assert element.image.width <= rendered.paper.dots


def test_bytes_per_language() -> None:
    """The figures in the report: text confirmations about 1 KB, Chinese ones a raster of 25-30 KB."""
    sizes = {
        (lang, paper): len(
            render(
                appointment_receipt(appointment(lang), lang), paper_width_mm=paper, profile="TM-T20II"
            ).data
        )
        for lang in LANGS
        for paper in (58, 80)
    }
    assert all(sizes[(lang, p)] < 1500 for lang in ("ru", "en") for p in (58, 80)), sizes
    assert all(15_000 < sizes[("zh-Hant", p)] < 40_000 for p in (58, 80)), sizes


# ---------------------------------------------------------------------------------- wording and fields


def test_contents_in_english() -> None:
    receipt = appointment_receipt(appointment("en"), "en")
    assert receipt.kind == "appointment"
    assert receipt.label == "appointment 2026-12-02 10:00"  # no code, name or phone in the logs
    assert texts_of(receipt) == [
        "North Service Center",
        "15 Lenin Street, Moscow",
        "Appointment confirmed",
        "Payments and transfers",
        "Wednesday\n2 December 2026",
        time_range("en"),
        "Booking code",
        "1234 5674",
        "Scan this code at the kiosk in the center from 09:45 to 10:10",
        "To cancel or reschedule, at any kiosk choose:",
        "Book an appointment \u203a Cancel or change a booking",
        "You will need the booking code and the last 4 digits of your phone number.",
        "Or online:",
        "https://queue.example/a/12345674",
    ]
    assert [(b.key, b.value) for b in receipt.blocks if isinstance(b, KeyValue)] == [
        ("Name", "Anna Ivanova"),
        ("Phone", "+44 *** *** 0958"),
        ("Printed", "1 Dec 2026 10:05"),
    ]
    assert [b.data for b in receipt.blocks if isinstance(b, QR)] == [appointment("en").token]


def test_babel_formats_per_language() -> None:
    ru = texts_of(appointment_receipt(appointment("ru"), "ru"))
    assert "Среда\n2 декабря 2026\u202fг." in ru
    assert time_range("ru") in ru
    zh = texts_of(appointment_receipt(appointment("zh-Hant"), "zh-Hant"))
    assert "星期三\n2026年12月2日" in zh
    assert "10:00 \u2013 10:20" in zh  # zh_Hant_TW's own interval pattern
    assert "請於 09:45 至 10:10 之間\n在自助服務機掃描此 QR Code 報到" in zh


def test_checkin_window_counts_real_minutes_across_dst() -> None:
    """10:00 with 15 min early / 10 late is 09:45-10:10; at 03:10 on the spring-forward night, 01:55."""
    custom = appointment("en", checkin_early_min=30, checkin_late_min=5)
    assert "from 09:30 to 10:05" in texts_of(appointment_receipt(custom, "en"))[8]
    berlin = datetime(2026, 3, 29, 3, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    receipt = appointment_receipt(appointment("en", slot_start=berlin), "en")
    assert any("from 01:55 to 03:20" in t for t in texts_of(receipt))


def test_optional_blocks_and_code_grouping() -> None:
    bare = appointment_receipt(appointment("en", manage_url="", token="", name="", phone_masked=""), "en")
    assert not [b for b in bare.blocks if isinstance(b, QR)]
    assert not any("online" in t or "https://" in t for t in texts_of(bare))
    assert [b.key for b in bare.blocks if isinstance(b, KeyValue)] == ["Printed"]
    assert code_text("12345674") == "1234 5674"
    assert code_text(" 1234567 ") == "1234567"  # not a booking code: printed as it is


def test_naive_times_are_refused() -> None:
    with pytest.raises(templates.TemplateError, match="timezone-aware"):
        appointment_receipt(appointment("en", slot_start=datetime(2026, 12, 2, 10, 0)), "en")


def test_issued_defaults_to_now_in_the_slot_zone() -> None:
    receipt = appointment_receipt(appointment("en", issued_at=None), "en")
    (printed,) = [b.value for b in receipt.blocks if isinstance(b, KeyValue) and b.key == "Printed"]
    assert printed  # the wall clock: only its presence can be checked


def test_template_languages_and_sample() -> None:
    tpl = templates.load("appointment")
    assert set(tpl.texts) == set(LANGS)
    for lang in LANGS:
        receipt = sample("appointment", lang, ISSUED)
        assert receipt.lang == lang
        assert receipt.kind == "appointment"
        data = render(receipt, paper_width_mm=58, profile="TM-T20II").data
        assert "1234 5674" in plain_text(decode(data))
