"""Card services as a visitor does them in the demo: insert the demo card, the PIN on the shuffled keypad,
the statement on screen and on paper, the loss report with its block and the unblock with the PIN again."""

from __future__ import annotations

import pytest

from devices.escpos_render import decode, plain_text
from kiosk.services.demo_clock import DemoClock
from tests.conftest import ARTIFACTS
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def enter_pin(ui: UI, pin: str) -> None:
    screen = ui.screen
    keypad = list(reversed(screen.ids.keypad.children))
    for digit in pin:
        index = list(screen.keys).index(digit)
        ui.tap(keypad[index if index < 9 else 10])  # the tenth digit sits between Erase and OK
    assert screen.length == len(pin)
    assert screen.dots.count("\u25cf") == len(pin)
    ui.tap(screen.ids.ok)


def test_insert_pin_statement_print_block_unblock(fresh: UI) -> None:
    app = fresh.app
    ctx = app.ctx
    DemoClock(ctx.clock, ctx.gateway).move_to(ctx.clock.now())  # attestations are timed: one clock
    ctx.card_reader.remove()  # type: ignore[attr-defined]
    buttons = {b.lang: b for b in app.frame.ids.header.ids.languages.children}
    fresh.tap(buttons["en"])
    fresh.tap(fresh.screen.ids.tile_card)
    fresh.wait_for(lambda: app.manager.current == "card")
    fresh.tap(fresh.screen.ids.demo_insert)
    fresh.wait_for(lambda: app.manager.current == "card_pin")
    assert ctx.translator.lang == "ru"  # the demo card prefers Russian (5F2D "ruen")
    first = list(fresh.screen.keys)
    assert sorted(first) == [str(d) for d in range(10)]
    enter_pin(fresh, "0000")
    fresh.wait_for(lambda: not fresh.screen.busy and "2" in fresh.screen.message)
    assert fresh.screen.length == 0
    enter_pin(fresh, "1234")
    fresh.wait_for(lambda: app.manager.current == "card_menu")
    fresh.screenshot(ARTIFACTS / "card-menu-ru.png")
    # The statement: on screen, then on paper.
    fresh.tap(fresh.screen.ids.statement)
    fresh.wait_for(lambda: app.manager.current == "card_statement" and fresh.screen.has_statement)
    screen = fresh.screen
    assert len(screen.ids.rows.children) == 10
    fresh.tap(screen.ids.this_month)
    fresh.wait_for(lambda: not screen.busy and screen.period == "this_month")
    fresh.tap(screen.ids.print_it)
    fresh.wait_for(lambda: not screen.busy)
    printed = plain_text(decode(ctx.printer.simulator.jobs[-1].data))  # type: ignore[union-attr]
    assert "Выписка по карте" in printed
    assert "411111******1111" in printed
    assert ctx.printer.last_preview()
    fresh.screenshot(ARTIFACTS / "card-statement-ru.png")
    # The loss report: the balance first, then the block, then the unblock with the PIN again.
    app.go("card_block")
    fresh.wait_for(lambda: fresh.screen.balance and not fresh.screen.busy)
    fresh.settle()  # the fade done and the balance laid out: a tap mid-fade reached nothing
    fresh.tap(fresh.screen.ids.confirm)
    fresh.wait_for(lambda: fresh.screen.stage == "blocked" and not fresh.screen.busy)
    reference = fresh.screen.reference
    assert reference
    assert reference in plain_text(decode(ctx.printer.simulator.jobs[-1].data))  # type: ignore[union-attr]
    fresh.tap(fresh.screen.ids.confirm)  # now "Unblock the card"
    fresh.wait_for(lambda: app.manager.current == "card_pin")
    second = list(fresh.screen.keys)
    enter_pin(fresh, "1234")
    fresh.wait_for(lambda: app.manager.current == "card_block" and fresh.screen.stage == "unblocked")
    assert not ctx.statements.balance().blocked
    # Pulling the card ends the session.
    ctx.card_reader.remove()  # type: ignore[attr-defined]
    fresh.wait_for(lambda: app.manager.current == "home" and ctx.statements.card is None)
    assert ctx.session.card is None
    assert first != second or first != list(range(10))  # shuffled each time (a repeat is 1 in 3.6 million)
