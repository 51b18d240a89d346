"""Technician mode with a finger: hold the top-left corner, a wrong PIN, the right one, a test print,
"paper roll replaced", the card-reader button that says it is not configured, then Leave."""

from __future__ import annotations

import pytest
from kivy.tests.common import UnitTestTouch

from tests.conftest import ARTIFACTS
from tests.ui.harness import UI
from tests.ui.test_staff import type_digits

pytestmark = pytest.mark.ui


def hold_corner(ui: UI, hold_s: float = 0.3) -> None:
    """The real gesture, with a shorter hold than the kiosk's 3 s (Kivy's clock is the real one)."""
    ui.app.corner_hold.hold_s = hold_s
    touch = UnitTestTouch(10, ui.window.height - 10)
    touch.touch_down()
    ui.wait_for(lambda: ui.app.manager.current == "technician_login", timeout=5)
    touch.touch_up()
    ui.frames(3)


def test_short_tap_in_the_corner_does_nothing(fresh: UI) -> None:
    fresh.app.corner_hold.hold_s = 0.3
    fresh.tap_at(10, fresh.window.height - 10)
    fresh.frames(30)
    assert fresh.app.manager.current == "home"


def test_technician_mode_from_gesture_to_leave(fresh: UI) -> None:
    app = fresh.app
    tech = app.ctx.technician
    tech.directory.add("petrov", "4826")
    hold_corner(fresh)
    assert app.keyboard.mode == "numeric"
    type_digits(fresh, "1111")
    fresh.tap(fresh.screen.ids.enter)
    fresh.wait_for(lambda: fresh.screen.message == "Неверный ПИН-код или код. Попробуйте ещё раз.")
    type_digits(fresh, "4826")
    fresh.tap(fresh.screen.ids.enter)
    fresh.wait_for(lambda: app.manager.current == "technician")
    fresh.wait_for(lambda: "EOT1=" in fresh.screen.devices_text and fresh.screen.sync_text)
    fresh.frames(3)  # the texts' labels have grown: the buttons are where they will stay
    jobs = app.ctx.printer.simulator.job_count if app.ctx.printer.simulator else 0
    fresh.tap(fresh.screen.ids.print_ticket)
    fresh.wait_for(lambda: fresh.screen.message == "Тестовая печать выполнена.")
    assert app.ctx.printer.simulator is not None
    assert app.ctx.printer.simulator.job_count == jobs + 1
    assert app.ctx.health.store.meter().printed_mm > 0
    fresh.screen.ids.scroller.scroll_to(fresh.screen.ids.roll_replaced, animate=False)
    fresh.frames(3)
    fresh.tap(fresh.screen.ids.roll_replaced)
    fresh.wait_for(lambda: fresh.screen.message == "Счётчик бумаги сброшен для нового рулона.")
    assert app.ctx.health.store.meter().printed_mm == 0
    fresh.screen.ids.scroller.scroll_to(fresh.screen.ids.card_test, animate=False)
    fresh.frames(3)
    fresh.tap(fresh.screen.ids.card_test)
    fresh.wait_for(lambda: fresh.screen.message == "Картридер на этом киоске не настроен.")
    fresh.screenshot(ARTIFACTS / "technician-ru.png")
    fresh.screen.ids.scroller.scroll_to(fresh.screen.ids.leave, animate=False)
    fresh.frames(3)
    fresh.tap(fresh.screen.ids.leave)
    assert app.manager.current == "home"
    assert tech.who is None
    actions = [a["action"] for a in reversed(tech.recent_actions(20)) if a["action"] != "device_status"]
    assert actions[-6:] == ["enter", "enter", "test_print:ticket", "roll_replaced", "card_test", "leave"]


def test_technician_screen_needs_the_pin(fresh: UI) -> None:
    fresh.go("technician")
    assert fresh.app.manager.current == "technician_login"
