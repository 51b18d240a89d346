"""Staff mode with a finger: PIN on the keypad, a priority ticket for a visitor, reprint, sign out."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def type_digits(ui: UI, digits: str) -> None:
    keyboard = ui.app.keyboard
    for digit in digits:
        key = next(k for spec, k in keyboard._iter_keys() if spec.value == digit)
        ui.tap(key)


def sign_in(ui: UI, pin: str) -> None:
    ui.tap(ui.screen.ids.tile_ticket)
    ui.tap(ui.screen.ids.staff_entry)
    assert ui.app.manager.current == "staff_login"
    assert ui.app.keyboard.mode == "numeric"
    type_digits(ui, pin)
    ui.tap(ui.screen.ids.sign_in)


def test_wrong_pin_then_priority_ticket_reprint_and_sign_out(fresh: UI) -> None:
    app = fresh.app
    app.ctx.staff.add("anna", "2580")
    sign_in(fresh, "9999")
    fresh.wait_for(lambda: fresh.screen.message == "Неверный ПИН-код. Попробуйте ещё раз.")
    assert app.ctx.session.staff_id is None
    type_digits(fresh, "2580")
    fresh.tap(fresh.screen.ids.sign_in)
    fresh.wait_for(lambda: app.manager.current == "staff")
    assert app.ctx.session.staff_id == "anna"
    fresh.wait_for(lambda: fresh.screen.ids.services.children)
    fresh.screenshot(ARTIFACTS / "staff-ru.png")
    fresh.screen.choose_priority("disability")
    service = list(reversed(fresh.screen.ids.services.children))[1]
    fresh.tap(service)
    fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
    number = fresh.screen.number
    issued = app.ctx.queue.cache.db.execute(
        "SELECT priority, issued_by FROM tickets WHERE display = ? ORDER BY issued_at DESC", [number]
    ).fetchone()
    assert tuple(issued) == ("disability", "staff:anna")
    fresh.screen.finish()  # staff go back to staff mode, still signed in
    fresh.frames(3)
    assert app.manager.current == "staff"
    fresh.tap(fresh.screen.ids.reprint)
    fresh.wait_for(lambda: number in fresh.screen.message)
    fresh.tap(fresh.screen.ids.sign_out)
    assert app.manager.current == "home"
    assert app.ctx.session.staff_id is None


def test_staff_mode_needs_a_sign_in(fresh: UI) -> None:
    fresh.go("staff")
    assert fresh.app.manager.current == "staff_login"
