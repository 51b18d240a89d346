"""Booking and check-in with a finger, against the real central: four screens to a printed
confirmation, then the clocks move to the slot and the code typed on the keypad gives a
priority ticket; typing it again gives the same ticket."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta

import pytest
import requests

from server_sync.client import CentralClient
from service_common.clock import ManualClock
from tests.conftest import ARTIFACTS, CentralServer, free_port
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def children(box: object) -> list[object]:
    return list(reversed(box.children))  # type: ignore[attr-defined]


def move_clocks(central: CentralServer, clock: ManualClock, to: datetime, ui: UI | None = None) -> None:
    """Central first (its demo clock), then the kiosk's test clock to central's answer.

    Like the demo's own clock control, a jump is not a visitor walking away: it counts as activity,
    or the idle timer could wipe the session between the jump and the next tap.
    """
    answer = requests.post(f"{central.url}/demo/clock", json={"now": to.isoformat()}, timeout=5)
    answer.raise_for_status()
    clock.set(datetime.fromisoformat(answer.json()["now"]))
    if ui is not None:
        ui.app.ctx.idle.activity()


def book(ui: UI, lang_shot: str, email: str = "") -> tuple[str, datetime]:
    app = ui.app
    ui.tap(ui.screen.ids.tile_appointment)
    assert app.manager.current == "appointments"
    ui.wait_for(lambda: children(ui.screen.ids.services))
    ui.screenshot(ARTIFACTS / f"book-1-services-{lang_shot}.png")
    ui.tap(children(ui.screen.ids.services)[0])  # screen 1: the service
    assert app.manager.current == "book_time"
    ui.wait_for(lambda: children(ui.screen.ids.times))
    ui.screenshot(ARTIFACTS / f"book-2-time-{lang_shot}.png")
    slot_button = children(ui.screen.ids.times)[0]
    start = slot_button.slot.start
    ui.tap(slot_button)  # screen 2: day and time
    ui.wait_for(lambda: app.manager.current == "book_form")
    form = ui.screen
    assert form.countdown  # "we keep this time for you for 4:59"
    form.ids.name.text = "Анна Петрова"
    form.ids.phone.text = "+7 912 345-67-89"
    form.ids.email.text = email
    ui.frames(3)
    ui.screenshot(ARTIFACTS / f"book-3-form-{lang_shot}.png")
    app.keyboard.detach()  # as the keyboard's done key on the last field does
    form.ids.scroller.scroll_to(form.ids.confirm, animate=False)
    ui.frames(3)
    ui.tap(form.ids.confirm)  # screen 3: name and phone
    ui.wait_for(lambda: app.manager.current == "book_done" and ui.screen.code)
    done = ui.screen
    assert done.preview
    assert not done.problem
    ui.frames(5)
    ui.screenshot(ARTIFACTS / f"book-4-done-{lang_shot}.png")
    return done.code.replace(" ", ""), start


def test_book_then_check_in_by_code_then_again_the_same_ticket(
    fresh: UI, central: CentralServer, ui_clock: ManualClock
) -> None:
    app = fresh.app
    sim = app.ctx.printer.simulator
    assert sim is not None
    jobs = sim.job_count
    code, start = book(fresh, "ru", email="anna@example.com")
    with sqlite3.connect(central.db) as conn:  # kept for the reminder (with its .ics)
        email = conn.execute("SELECT email FROM appointments WHERE code = ?", [code]).fetchone()[0]
    assert email == "anna@example.com"
    assert len(code) == 8
    assert sim.job_count == jobs + 1
    fresh.tap(fresh.screen.ids.get("done") or app.frame.ids.navbar.ids.home)
    # Too early: told when to come back.
    app.go("checkin")
    fresh.frames(3)
    fresh.screen.ids.code.text = code
    fresh.tap(fresh.screen.ids.submit)
    fresh.wait_for(lambda: not fresh.screen.busy and fresh.screen.message)
    opens = (start - timedelta(minutes=15)).strftime("%H:%M")
    assert opens in fresh.screen.message
    fresh.screenshot(ARTIFACTS / "checkin-too-early-ru.png")
    # The clocks move to five minutes before the slot: a priority ticket.
    move_clocks(central, ui_clock, start - timedelta(minutes=5), fresh)
    fresh.screen.ids.code.text = code
    fresh.tap(fresh.screen.ids.submit)
    fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
    number = fresh.screen.number
    assert fresh.screen.note
    fresh.frames(5)
    fresh.screenshot(ARTIFACTS / "checkin-ticket-ru.png")
    # The same code again: the same number, printed again.
    app.go("checkin")
    fresh.frames(3)
    fresh.screen.ids.code.text = code
    fresh.tap(fresh.screen.ids.submit)
    fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
    assert fresh.screen.number == number


def test_a_typo_in_the_code_is_caught_on_the_kiosk(fresh: UI) -> None:
    app = fresh.app
    buttons = {b.lang: b for b in app.frame.ids.header.ids.languages.children}
    fresh.tap(buttons["en"])
    app.go("checkin")
    fresh.frames(3)
    fresh.screen.ids.code.text = "12345670"  # wrong check digit
    fresh.tap(fresh.screen.ids.submit)
    fresh.wait_for(lambda: not fresh.screen.busy and fresh.screen.message)
    assert "typo" in fresh.screen.message
    fresh.screenshot(ARTIFACTS / "checkin-typo-en.png")


def test_the_demo_scan_button_reads_the_confirmation_through_the_scanner(fresh: UI) -> None:
    app = fresh.app
    _code, start = book(fresh, "zh")
    app.go("checkin")
    fresh.frames(3)
    assert fresh.screen.simulated  # sim: scanner, so the demo button shows
    fresh.tap(fresh.screen.ids.simulate)  # sim scanner -> reader thread -> app -> this screen
    fresh.wait_for(lambda: not fresh.screen.busy and fresh.screen.message)
    assert start.strftime("%H:%M") not in fresh.screen.message  # it says when check-in opens
    assert (start - timedelta(minutes=15)).strftime("%H:%M") in fresh.screen.message
    fresh.screenshot(ARTIFACTS / "checkin-demo-scan-too-early.png")
    # A scan that is no booking (a ticket's QR code) says so.
    app.ctx.scanner.inject("http://127.0.0.1:8470/t/0123456789abcdef?s=xyz")  # type: ignore[attr-defined]
    fresh.wait_for(lambda: "QR" in fresh.screen.message and not fresh.screen.busy)


def test_going_back_from_the_form_gives_the_time_back_at_once(fresh: UI) -> None:
    app = fresh.app
    appts = app.ctx.appointments
    fresh.tap(fresh.screen.ids.tile_appointment)
    fresh.wait_for(lambda: children(fresh.screen.ids.services))
    service = next(b for b in children(fresh.screen.ids.services) if b.service_id.endswith("-B"))  # 1 place
    fresh.tap(service)
    fresh.wait_for(lambda: children(fresh.screen.ids.times) and not fresh.screen.busy)
    button = children(fresh.screen.ids.times)[0]
    slot = button.slot
    fresh.tap(button)
    fresh.wait_for(lambda: app.manager.current == "book_form")
    assert slot.start not in [s.start for s in appts.slots(service.service_id, slot.start.date())]
    fresh.tap(app.frame.ids.navbar.ids.back)
    assert app.manager.current == "book_time"
    fresh.wait_for(
        lambda: slot.start in [s.start for s in appts.slots(service.service_id, slot.start.date())]
    )


def test_too_late_offers_a_walk_in_ticket_for_the_same_service_in_one_tap(
    fresh: UI, central: CentralServer, ui_clock: ManualClock
) -> None:
    app = fresh.app
    code, start = book(fresh, "late")
    fresh.tap(app.frame.ids.navbar.ids.home)
    move_clocks(central, ui_clock, start + timedelta(minutes=11), fresh)
    app.go("checkin")
    fresh.frames(3)
    fresh.screen.ids.code.text = code
    fresh.tap(fresh.screen.ids.submit)
    fresh.wait_for(lambda: fresh.screen.offer_walk_in)
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / "checkin-too-late-ru.png")
    fresh.tap(fresh.screen.ids.walk_in)
    fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
    assert fresh.screen.number.startswith("A")  # the booked service's line, an ordinary ticket


def test_offline_the_booking_screen_says_so_and_offers_check_in_and_the_queue(fresh: UI) -> None:
    app = fresh.app
    gateway = app.ctx.gateway
    assert gateway is not None
    online = gateway.client
    gateway.client = CentralClient(f"http://127.0.0.1:{free_port()}", "x", connect_timeout=0.3)
    try:
        fresh.tap(fresh.screen.ids.tile_appointment)
        fresh.wait_for(lambda: fresh.screen.notice)
        assert fresh.screen.offline
        assert not children(fresh.screen.ids.services)
        fresh.frames(3)
        fresh.screenshot(ARTIFACTS / "book-offline-ru.png")
        fresh.tap(fresh.screen.ids.side_entry)  # in place of "change a booking", which needs central
        assert app.manager.current == "ticket"
    finally:
        gateway.client = online


def test_my_booking_move_to_another_time_then_cancel(fresh: UI) -> None:
    app = fresh.app
    appts = app.ctx.appointments
    service = "C01-B"  # one place a slot: the move must not trip over a hold of its own
    day = appts.days(service)[0]
    first, other = appts.slots(service, day)[:2]
    booking = appts.confirm(appts.hold(service, first), "Анна", "+7 912 345-67-89", "ru", str(uuid.uuid4()))
    app.go("my_booking")
    fresh.frames(3)
    fresh.screen.ids.code.text = booking.code
    fresh.screen.ids.last4.text = "6789"
    app.keyboard.detach()
    fresh.frames(2)
    fresh.screen.find()  # as the "Find my booking" button does
    fresh.wait_for(lambda: fresh.screen.found)
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / "my-booking-found-ru.png")
    fresh.tap(fresh.screen.ids.move)
    fresh.wait_for(lambda: app.manager.current == "book_time" and children(fresh.screen.ids.times))
    button = next(b for b in children(fresh.screen.ids.times) if b.slot.start == other.start)
    fresh.tap(button)
    fresh.wait_for(lambda: app.manager.current == "book_form")
    assert fresh.screen.moving
    assert not fresh.screen.countdown
    fresh.tap(fresh.screen.ids.confirm)
    fresh.wait_for(lambda: app.manager.current == "book_done" and fresh.screen.code)
    assert fresh.screen.moved
    new_code = fresh.screen.code.replace(" ", "")
    assert new_code != booking.code
    assert appts.lookup(booking.code, "6789").status == "cancelled"
    # Cancel the new one: the first tap asks, the second cancels.
    app.go("my_booking")
    fresh.frames(3)
    fresh.screen.ids.code.text = new_code
    fresh.screen.ids.last4.text = "6789"
    fresh.screen.find()
    fresh.wait_for(lambda: fresh.screen.found)
    fresh.frames(3)
    fresh.tap(fresh.screen.ids.cancel)
    assert fresh.screen.confirm_cancel
    fresh.tap(fresh.screen.ids.cancel)
    fresh.wait_for(lambda: fresh.screen.cancelled)
    assert appts.lookup(new_code, "6789").status == "cancelled"


def test_a_message_follows_a_language_switch(fresh: UI) -> None:
    app = fresh.app
    app.go("checkin")
    fresh.frames(3)
    fresh.screen.submit("12345670")  # a typo: refused on the kiosk at once
    fresh.wait_for(lambda: not fresh.screen.busy and fresh.screen.message)
    russian = fresh.screen.message
    buttons = {b.lang: b for b in app.frame.ids.header.ids.languages.children}
    fresh.tap(buttons["zh-Hant"])
    assert fresh.screen.message not in ("", russian)
    assert fresh.screen.message == app.ctx.translator.gettext(
        "This code has a typo: a booking code has 8 digits. Please check it."
    )
