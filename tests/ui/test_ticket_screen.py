"""Taking a ticket with a finger: two taps from the home screen, and a clear message when paper is out."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def services(ui: UI) -> list[object]:
    return list(reversed(ui.screen.ids.services.children))


def test_two_taps_print_a_ticket_and_done_wipes_the_session(fresh: UI) -> None:
    app = fresh.app
    sim = app.ctx.printer.simulator
    assert sim is not None
    jobs_before = sim.job_count
    fresh.tap(fresh.screen.ids.tile_ticket)  # tap 1
    assert app.manager.current == "ticket"
    fresh.wait_for(lambda: services(fresh))
    first = services(fresh)[0]
    assert first.hint  # how many wait, in Russian, from central
    fresh.screenshot(ARTIFACTS / "ticket-services-ru.png")
    fresh.settle()  # a tap mid-fade reaches nothing (seen under load)
    fresh.tap(first)  # tap 2
    fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
    done = fresh.screen
    assert done.number.startswith(first.text[0])
    assert done.qr is not None
    assert sim.job_count == jobs_before + 1
    shown = " ".join(fresh.texts(done))
    # Printed, or (after a long session on the simulated roll) told to remember the number.
    assert "Возьмите талон из принтера под экраном." in shown or "Запомните" in shown or done.print_problem
    fresh.frames(5)
    fresh.screenshot(ARTIFACTS / "ticket-done-ru.png")
    fresh.settle()
    fresh.tap(app.frame.ids.navbar.ids.home)
    assert app.manager.current == "home"


def test_paper_out_shows_the_number_which_counts_once_the_visitor_noted_it(fresh: UI) -> None:
    app = fresh.app
    sim = app.ctx.printer.simulator
    assert sim is not None
    buttons = {b.lang: b for b in app.frame.ids.header.ids.languages.children}
    fresh.tap(buttons["en"])
    fresh.tap(fresh.screen.ids.tile_ticket)
    fresh.wait_for(lambda: services(fresh))
    sim.set(paper="out")
    try:
        fresh.settle()
        fresh.tap(services(fresh)[0])
        fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
        done = fresh.screen
        ticket = done._pending
        assert ticket is not None
        assert done.unconfirmed
        shown = " ".join(fresh.texts(done))
        assert "The printer cannot print your ticket right now." in shown
        assert "I have noted my number" in shown
        assert app.ctx.queue.tickets.status_of(ticket.request_id) == "issuing"
        fresh.frames(5)
        fresh.screenshot(ARTIFACTS / "ticket-screen-only-en.png")
        fresh.settle()
        fresh.tap(done.ids.done)  # "I have noted my number"
        fresh.wait_for(lambda: app.ctx.queue.tickets.status_of(ticket.request_id) == "issued")
        assert not done.unconfirmed
        assert "Done" in " ".join(fresh.texts(done))
    finally:
        sim.set(paper="ok")
    fresh.settle()
    fresh.tap(done.ids.done)  # Done
    assert app.manager.current == "home"


def test_a_visitor_who_walks_away_without_noting_the_number_leaves_no_ticket(fresh: UI) -> None:
    app = fresh.app
    sim = app.ctx.printer.simulator
    assert sim is not None
    fresh.tap(fresh.screen.ids.tile_ticket)
    fresh.wait_for(lambda: services(fresh))
    sim.set(paper="out")
    try:
        fresh.settle()
        fresh.tap(services(fresh)[0])
        fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
        ticket = fresh.screen._pending
        assert ticket is not None
        app.ctx.session.wipe("idle timeout")  # what the idle timer does when nobody touches the screen
        fresh.wait_for(lambda: app.ctx.queue.tickets.status_of(ticket.request_id) == "void")
    finally:
        sim.set(paper="ok")


def _retry(ui: UI) -> object:
    from screens.widgets import WideButton

    return next(w for w in ui.screen.walk() if isinstance(w, WideButton))
