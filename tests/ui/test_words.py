"""The words a visitor and staff read: their language, at once, and plain (issue 12, "Words")."""

from __future__ import annotations

import pytest

from devices.printer.errors import staff_message
from service_common.i18n import pick
from tests.conftest import ARTIFACTS
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def _lang(ui: UI, lang: str) -> None:
    buttons = {b.lang: b for b in ui.app.frame.ids.header.ids.languages.children}
    ui.tap(buttons[lang])


def _staff(ui: UI) -> None:
    app = ui.app
    if "words" not in app.ctx.staff.names():
        app.ctx.staff.add("words", "1357")
    app.ctx.session.staff_id = "words"
    ui.go("staff")
    ui.wait_for(lambda: ui.screen.ids.services.children)


@pytest.mark.parametrize(("lang", "then"), [("zh-Hant", "ru"), ("ru", "en"), ("en", "zh-Hant")])
def test_staff_read_printer_trouble_in_their_language_without_codes(fresh: UI, lang: str, then: str) -> None:
    app = fresh.app
    sim = app.ctx.printer.simulator
    assert sim is not None
    _lang(fresh, lang)
    _staff(fresh)
    sim.set(paper="out")
    try:
        fresh.tap(fresh.screen.ids.services.children[-1])
        fresh.wait_for(lambda: fresh.screen.message and "…" not in fresh.screen.message)
    finally:
        sim.set(paper="ok")
    message = fresh.screen.message
    assert message == staff_message("paper_out", lang)
    for raw in ("paper_out", "sim:", "EOT", "0x", "while"):
        assert raw not in message
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / f"words-staff-paper-out-{lang}.png")
    _lang(fresh, then)  # the message follows the switch
    assert fresh.screen.message == staff_message("paper_out", then)


def test_printed_again_survives_a_language_switch(fresh: UI) -> None:
    _staff(fresh)
    app = fresh.app
    number = app.ctx.queue.take_ticket(app.ctx.queue.lines().lines[0].service_id, lang="ru").display
    fresh.tap(fresh.screen.ids.reprint)
    fresh.wait_for(lambda: fresh.screen.message == f"Талон {number} напечатан повторно.")
    _lang(fresh, "en")
    fresh.frames(3)
    assert fresh.screen.message == f"Ticket {number} printed again."
    _lang(fresh, "zh-Hant")
    fresh.frames(3)
    assert fresh.screen.message == f"已補印號碼牌 {number}。"


def test_header_switches_with_the_language_at_once_after_a_wipe(fresh: UI) -> None:
    app = fresh.app
    header = app.frame.ids.header
    center = fresh.wait_for(app.ctx.info.home_center)
    _lang(fresh, "en")
    fresh.wait_for(lambda: header.center_name == pick(center["name"], "en"))
    english_clock = header.clock_text
    app.ctx.session.wipe("idle timeout")  # no frame in between: nothing may wait for a worker
    assert app.ctx.translator.lang == "ru"
    assert header.center_name == pick(center["name"], "ru")
    assert header.clock_text != english_clock


def test_placeholders_read_at_4_5_to_1_on_their_field(fresh: UI) -> None:
    import json
    from pathlib import Path

    import kivy
    from PIL import Image

    from screens import theme as T

    # FIELD is really the middle of Kivy's text field background (normal and focused).
    images = Path(kivy.__file__).parent / "data" / "images"
    atlas = json.loads((images / "defaulttheme.atlas").read_text())
    for image, regions in atlas.items():
        if "textinput" not in regions:
            continue
        picture = Image.open(images / image).convert("RGB")
        for name in ("textinput", "textinput_active"):
            x, y, w, h = regions[name]
            pixel = picture.getpixel((x + w // 2, picture.height - y - h // 2))
            background = tuple(c / 255 for c in pixel)
            if name == "textinput":
                assert background == pytest.approx(T.FIELD[:3], abs=1 / 255)
            assert T.contrast(T.PLACEHOLDER, background) >= 4.5, name
    # and every field of the app uses it
    from kivy.uix.textinput import TextInput

    for name in ("staff_login", "book_form", "my_booking", "checkin"):  # built on first visit
        fresh.app.screen(name)
    fields = [w for screen in fresh.app.manager.screens for w in screen.walk() if isinstance(w, TextInput)]
    assert fields
    for field in fields:
        assert tuple(field.hint_text_color) == pytest.approx(T.PLACEHOLDER)


def test_closed_differs_from_open_in_colour_icon_and_words(fresh: UI) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from screens import theme as T
    from screens.info import opening_line

    center = {
        "timezone": "Europe/Moscow",
        "hours": [{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(5)],
    }
    tr = fresh.app.ctx.translator
    zone = ZoneInfo("Europe/Moscow")
    opened = opening_line(center, datetime(2026, 12, 1, 10, 0, tzinfo=zone), tr)
    closed = opening_line(center, datetime(2026, 12, 1, 20, 0, tzinfo=zone), tr)
    assert opened[0] != closed[0]
    assert closed[0].startswith("Сейчас закрыто")
    assert opened[3] != closed[3]
    assert opened[4] != closed[4]
    assert T.contrast(closed[3], T.SURFACE) >= 4.5
    assert T.contrast(opened[3], T.SURFACE) >= 4.5
    # not only the hue: someone who cannot tell red from green still sees the icon and the word
    assert closed[4]
    assert opened[4]


@pytest.mark.parametrize("lang", ["ru", "zh-Hant", "en"])
def test_centers_screen_marks_open_and_closed(fresh: UI, lang: str) -> None:
    _lang(fresh, lang)
    fresh.go("info_centers")
    fresh.wait_for(lambda: fresh.screen.ids.page.ids.list_box.children)
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / f"words-centers-{lang}.png")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", "В этом демо пока нечего сканировать. Сначала запишитесь на приём."),
        ("zh-Hant", "此示範中尚無可掃描的預約，請先預約。"),
        ("en", "There is no booking to scan in this demo yet. Please book an appointment first."),
    ],
)
def test_demo_scan_with_nothing_to_scan_says_so(
    fresh: UI, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setattr(fresh.app.ctx.appointments, "demo_token", lambda: "")
    _lang(fresh, lang)
    fresh.go("checkin")
    fresh.screen.simulate_scan()
    assert fresh.screen.message == expected
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / f"words-checkin-nothing-to-scan-{lang}.png")


def test_english_curly_quotes_draw_as_narrow_as_straight_ones(fresh: UI) -> None:
    from kivy.core.text import Label as CoreLabel

    def width(text: str, bold: bool = False) -> int:
        label = CoreLabel(text=text, font_name="KioskSans", font_size=38, bold=bold)
        label.refresh()
        return int(label.texture.size[0])

    for bold in (False, True):
        curly, straight = width("“Reliable” deposit", bold), width('"Reliable" deposit', bold)
        assert abs(curly - straight) <= 4, (bold, curly, straight)
    _lang(fresh, "en")
    fresh.go("info_rates")
    fresh.wait_for(lambda: fresh.screen.ids.page.ids.list_box.children)
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / "words-rates-en.png")


def test_notes_handed_to_the_ticket_screen_follow_a_language_switch(fresh: UI) -> None:
    app = fresh.app
    ticket = app.ctx.queue.take_ticket(app.ctx.queue.lines().lines[0].service_id, lang="ru")
    tr = app.ctx.translator
    fresh.go(
        "ticket_done",
        ticket=ticket,
        note=lambda: tr.gettext("You were already checked in: here is the same ticket again."),
    )
    russian = fresh.screen.note
    _lang(fresh, "en")
    assert fresh.screen.note == "You were already checked in: here is the same ticket again."
    assert russian != fresh.screen.note


def test_staff_sign_in_messages_follow_a_language_switch(fresh: UI) -> None:
    fresh.go("staff_login")
    fresh.screen.ids.pin.text = "0000"
    fresh.screen.submit()
    fresh.wait_for(lambda: fresh.screen.message == "Неверный ПИН-код. Попробуйте ещё раз.")
    _lang(fresh, "en")
    assert fresh.screen.message == "Wrong PIN. Please try again."
