"""The keyboard's Done key moves the visitor on (next field, submit), with real taps."""

from __future__ import annotations

import pytest

from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def done_key(ui: UI) -> object:
    key = ui.app.keyboard.find_key("done")
    assert key is not None
    return key


def type_digits(ui: UI, digits: str) -> None:
    for digit in digits:
        key = ui.app.keyboard.find_key("char", digit)
        assert key is not None
        ui.tap(key)


def open_form(ui: UI) -> None:
    app = ui.app
    service = app.ctx.appointments.services()[0]
    ui.go("book_time", service_id=service["id"])
    ui.wait_for(lambda: ui.screen.ids.times.children)
    ui.screen.ids.times.children[-1].dispatch("on_release")  # the first time shown
    ui.wait_for(lambda: app.manager.current == "book_form")
    ui.frames(3)


def test_done_on_the_name_moves_to_the_phone_keypad(fresh: UI) -> None:
    app = fresh.app
    open_form(fresh)
    form = fresh.screen
    assert app.keyboard.target.proxy_ref is form.ids.name
    fresh.tap(done_key(fresh))
    assert app.keyboard.target.proxy_ref is form.ids.phone
    assert form.ids.phone.focus
    assert app.keyboard.mode == "phone"
    fresh.tap(fresh.app.frame.ids.navbar.ids.home)


def test_done_signs_staff_in(fresh: UI) -> None:
    app = fresh.app
    app.ctx.staff.add("dora", "4826")
    fresh.go("staff_login")
    assert app.keyboard.mode == "numeric"
    type_digits(fresh, "4826")
    fresh.tap(done_key(fresh))
    fresh.wait_for(lambda: app.manager.current == "staff")


def test_done_submits_the_check_in_code(fresh: UI) -> None:
    app = fresh.app
    fresh.go("checkin")
    type_digits(fresh, "12345678")
    fresh.tap(done_key(fresh))
    fresh.wait_for(lambda: app.manager.current != "checkin" or fresh.screen.message)


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_the_keypad_done_key_speaks_the_language(fresh: UI, lang: str) -> None:
    app = fresh.app
    app.set_language(lang)
    fresh.go("checkin")
    assert app.keyboard.mode == "numeric"
    assert done_key(fresh).text != "Готово"  # type: ignore[attr-defined]
