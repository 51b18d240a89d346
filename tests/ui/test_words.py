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


def test_staff_read_printer_trouble_in_their_language_without_codes(fresh: UI) -> None:
    app = fresh.app
    sim = app.ctx.printer.simulator
    assert sim is not None
    _lang(fresh, "zh-Hant")
    _staff(fresh)
    sim.set(paper="out")
    try:
        fresh.tap(fresh.screen.ids.services.children[-1])
        fresh.wait_for(lambda: fresh.screen.message and "…" not in fresh.screen.message)
    finally:
        sim.set(paper="ok")
    message = fresh.screen.message
    assert message == staff_message("paper_out", "zh-Hant")
    for raw in ("paper_out", "sim:", "EOT", "0x", "while"):
        assert raw not in message
    fresh.screenshot(ARTIFACTS / "staff-paper-out-zh-Hant.png")
    _lang(fresh, "ru")  # the message follows the switch
    assert fresh.screen.message == staff_message("paper_out", "ru")


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
