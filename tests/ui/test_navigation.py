"""Navigation, language switch, idle timeout and the off-UI-thread mechanism, in a real window."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.services.appointments import Booking, Hold, Slot
from screens.home import FEATURES
from screens.registry import SCREENS
from service_common.i18n import catalog
from tests.conftest import ARTIFACTS
from tests.ui.harness import UI

pytestmark = pytest.mark.ui

_ZONE = ZoneInfo("Europe/Moscow")
_SLOT = Slot(datetime(2026, 12, 2, 10, 0, tzinfo=_ZONE), datetime(2026, 12, 2, 10, 20, tzinfo=_ZONE), 1)
_SERVICE = {"id": "C01-A", "prefix": "A", "name": {"ru": "Карты", "zh-Hant": "卡片", "en": "Cards"}}
_BOOKING = Booking("18527101", "", "C01-A", _SERVICE["name"], _SLOT.start, _SLOT.end, "confirmed")

# What each screen shows as its heading, and the parameters it is opened with.
SCREEN_TITLES: dict[str, tuple[str, dict[str, Any]]] = {
    "home": ("How can we help you?", {}),
    "info": ("Information", {}),
    "info_centers": ("Centers, addresses and opening hours", {}),
    "info_rates": ("Exchange and interest rates", {}),
    "info_news": ("News and announcements", {}),
    "coming_soon": ("Questions and complaints", {"feature": "appeal"}),
    "ticket": ("Take a queue ticket", {}),
    "ticket_done": ("No ticket was issued", {}),
    "staff_login": ("Staff sign-in", {}),
    "staff": ("Staff sign-in", {}),  # without signing in, staff mode sends you to sign in
    "appointments": ("Book an appointment", {}),
    "book_time": ("Choose a day, then a time. Only free times are shown.", {"service": _SERVICE}),
    "book_form": (
        "Your name and phone",
        {"service": _SERVICE, "hold": Hold("h1", "C01-A", _SLOT, datetime(2027, 1, 1, tzinfo=_ZONE))},
    ),
    "book_done": ("You are booked", {"booking": _BOOKING}),
    "my_booking": ("Cancel or change a booking", {}),
    "checkin": ("Check in for your appointment", {}),
    "demo": ("Demo: time", {}),
    "kb": ("Find an answer", {}),
    "kb_topic": ("Find an answer", {"path": ["Карты"]}),  # a switch starts the new language's topics
    "kb_article": ("Find an answer", {"article_id": "card-block-ru"}),
    "info_more": ("Documents, fees and help", {}),
    "kb_section": ("Step-by-step guides and frequent questions", {"group": "guides"}),
    "kb_lead": ("I'm interested", {"article_id": "promo-cashback-ru", "title": "Кэшбэк 5 % в аптеках"}),
    # Card services: without a card whose PIN was checked, each sends the visitor to insert the card.
    "card": ("Card services and statements", {}),
    "card_pin": ("Enter your PIN", {}),
    "card_menu": ("Card services and statements", {}),
    "card_statement": ("Card services and statements", {}),
    "card_info": ("Card services and statements", {}),
    "card_block": ("Card services and statements", {}),
    "technician_login": ("Technician mode", {}),
    "technician": ("Technician mode", {}),  # without the PIN, technician mode asks for it
    "out_of_service": ("Temporarily out of service", {}),
    "appeals": ("Questions and complaints", {}),
    "appeal_form": ("Make a complaint", {"kind": "complaint"}),
    "appeal_done": ("Registration number", {}),
    "appeal_status": ("Check an appeal's status", {}),
}


def test_every_screen_has_a_title_check() -> None:
    assert set(SCREEN_TITLES) == set(SCREENS)


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_each_main_choice_opens_and_back_returns_home(fresh: UI, feature: str) -> None:
    home = fresh.screen
    fresh.tap(home.ids[f"tile_{feature}"])
    assert fresh.app.manager.current != "home"
    title = catalog("ru").gettext(FEATURES[feature][1])
    shown = fresh.texts(fresh.screen)
    assert title in shown or fresh.app.manager.current == "info"
    navbar = fresh.app.root_widget.ids.navbar
    assert navbar.visible
    fresh.tap(navbar.ids.back)
    assert fresh.app.manager.current == "home"


def test_home_button_from_two_levels_deep(fresh: UI) -> None:
    fresh.tap(fresh.screen.ids.tile_info)
    fresh.tap(fresh.screen.ids.go_rates)
    assert fresh.app.manager.current == "info_rates"
    fresh.tap(fresh.app.root_widget.ids.navbar.ids.back)
    assert fresh.app.manager.current == "info"
    fresh.tap(fresh.screen.ids.go_centers)
    fresh.tap(fresh.app.root_widget.ids.navbar.ids.home)
    assert fresh.app.manager.current == "home"
    assert not fresh.app.root_widget.ids.navbar.visible


@pytest.mark.parametrize("screen", list(SCREEN_TITLES))
def test_language_switch_on_every_screen(fresh: UI, screen: str) -> None:
    title, params = SCREEN_TITLES[screen]
    fresh.go(screen, **params)
    english_only = {m for m in _all_msgids() if catalog("ru").gettext(m) != m}
    for lang in ("zh-Hant", "en", "ru"):
        buttons = {b.lang: b for b in fresh.app.root_widget.ids.header.ids.languages.children}
        fresh.tap(buttons[lang])
        assert fresh.app.ctx.translator.lang == lang
        assert fresh.app.ctx.session.language == lang
        if screen in ("info_centers", "info_rates", "info_news"):
            fresh.wait_for(lambda: fresh.screen.ids.page.ids["list_box"].children)
        texts = fresh.texts()
        assert catalog(lang).gettext(title) in texts, (lang, texts)
        if lang != "en":
            leftovers = [t for t in texts if t in english_only]
            assert not leftovers, f"untranslated on {screen} in {lang}: {leftovers}"
        fresh.screenshot(ARTIFACTS / f"screen-{screen}-{lang}.png")


def _all_msgids() -> set[str]:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    import i18n as extractor

    return {m for m in extractor.messages() if isinstance(m, str)}


def test_centers_come_from_central_with_opening_status(fresh: UI) -> None:
    fresh.go("info_centers")
    fresh.wait_for(lambda: fresh.screen.ids.page.ids["list_box"].children)
    texts = " ".join(fresh.texts(fresh.screen))
    assert "вы здесь" in texts
    assert "Открыто до" in texts  # Tuesday 10:00 in the test clock
    assert fresh.screen.notice == ""


def test_idle_countdown_then_wipe_returns_to_attract_screen(fresh: UI, ui_clock: object) -> None:
    app = fresh.app
    buttons = {b.lang: b for b in app.root_widget.ids.header.ids.languages.children}
    fresh.tap(buttons["en"])
    fresh.tap(fresh.screen.ids.tile_info)
    app.ctx.session.inputs["name"] = "Ivan"
    warning = app.ctx.config.idle.warning_after_s
    countdown = app.ctx.config.idle.countdown_s
    ui_clock.advance(warning + 1)  # type: ignore[attr-defined]
    app._tick(0)
    fresh.frames(3)
    assert app.overlay is not None
    assert app.overlay.shown
    shown = fresh.texts()
    assert "Are you still there?" in shown
    assert str(int(countdown - 1)) in shown
    fresh.screenshot(ARTIFACTS / "idle-countdown-en.png")
    ui_clock.advance(countdown)  # type: ignore[attr-defined]
    app._tick(0)
    fresh.frames(3)
    assert not app.overlay.shown
    assert app.manager.current == "home"
    assert app.ctx.session.inputs == {}
    assert app.ctx.translator.lang == app.ctx.config.ui.default_language
    assert app.ctx.session.language == app.ctx.config.ui.default_language
    assert app.history == []


def test_touch_during_countdown_keeps_the_session(fresh: UI, ui_clock: object) -> None:
    app = fresh.app
    fresh.tap(fresh.screen.ids.tile_info)
    app.ctx.session.inputs["phone"] = "+7 900 000-00-00"
    ui_clock.advance(app.ctx.config.idle.warning_after_s + 2)  # type: ignore[attr-defined]
    app._tick(0)
    fresh.frames(2)
    assert app.overlay is not None
    assert app.overlay.shown
    fresh.tap(app.overlay.ids.continue_button)
    app._tick(0)
    fresh.frames(2)
    assert not app.overlay.shown
    assert app.manager.current == "info"
    assert app.ctx.session.inputs == {"phone": "+7 900 000-00-00"}


def test_blank_home_screen_never_counts_down(fresh: UI, ui_clock: object) -> None:
    ui_clock.advance(3600)  # type: ignore[attr-defined]
    fresh.app._tick(0)
    fresh.frames(2)
    assert fresh.app.overlay is not None
    assert not fresh.app.overlay.shown


def test_slow_service_call_keeps_ui_drawing_and_taking_touches(fresh: UI) -> None:
    """A 2 s call runs on a worker: frames keep coming and a button still works meanwhile."""
    app = fresh.app
    results: list[tuple[str, bool]] = []

    def slow_service() -> str:
        time.sleep(2.0)  # stands in for a stalled printer or a slow network
        return "done"

    from kivy.clock import Clock

    ticks: list[float] = []

    def animate(dt: float) -> None:  # what a spinner-free progress animation would do
        ticks.append(dt)
        fresh.window.canvas.ask_update()

    Clock.schedule_interval(animate, 0)
    frames_before = fresh.frames_drawn
    started = time.monotonic()
    app.tasks.submit(
        slow_service,
        on_done=lambda r: results.append((r, threading.current_thread() is threading.main_thread())),
    )
    fresh.tap(fresh.screen.ids.tile_info)  # a real touch while the call is running
    assert app.manager.current == "info"
    while not results:
        fresh.frames(1)
        assert time.monotonic() - started < 10, "the slow call never came back"
    assert results == [("done", True)]  # delivered on the UI thread, through the Kivy clock
    Clock.unschedule(animate)
    drawn = fresh.frames_drawn - frames_before
    print(f"during the 2 s call: {len(ticks)} clock frames, {drawn} frames drawn")
    assert len(ticks) >= 20, len(ticks)
    assert drawn >= 20, drawn


def test_focused_field_docks_the_keyboard_and_wipe_clears_it(fresh: UI) -> None:
    from kivy.uix.textinput import TextInput

    fresh.go("info")
    field = TextInput(size_hint_y=None, height=120, multiline=False)
    box = fresh.screen.children[0]
    box.add_widget(field, index=len(box.children))
    fresh.app.watch_input(field)
    fresh.frames(3)
    dock = fresh.app.frame.ids.keyboard_dock
    assert dock.height == 0
    field.focus = True
    fresh.frames(3)
    keyboard = fresh.app.keyboard
    assert keyboard.target is field
    assert dock.height > 0
    for char in "да":
        key = next(k for spec, k in keyboard._iter_keys() if spec.value == char)
        fresh.tap(key)
    assert field.text == "да"
    fresh.screenshot(ARTIFACTS / "keyboard-docked-ru.png")
    fresh.app.ctx.session.wipe("test")
    fresh.frames(3)
    assert keyboard.target is None
    assert dock.height == 0
    box.remove_widget(field)


def test_cli_screen_names_match_the_registry() -> None:
    from screens.names import SCREEN_NAMES

    assert set(SCREEN_NAMES) == set(SCREENS)
