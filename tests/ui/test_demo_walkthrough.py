"""The issue's walkthrough, as a visitor and a counter agent would do it in the demo.

Book for tomorrow on the kiosk and see the confirmation's print preview; move the demo clock
(kiosk and central together) to ten minutes before the slot; check in by typing the code; get
an appointment ticket; two walk-ins take tickets after; the counter calls the appointment first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from service_common.clock import ManualClock
from tests.conftest import ARTIFACTS, CentralServer
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def children(box: object) -> list[object]:
    return list(reversed(box.children))  # type: ignore[attr-defined]


def test_book_tomorrow_move_the_clock_check_in_and_be_called_before_later_walk_ins(
    fresh: UI, central: CentralServer, ui_clock: ManualClock
) -> None:
    app = fresh.app
    buttons = {b.lang: b for b in app.frame.ids.header.ids.languages.children}
    fresh.tap(buttons["en"])
    # 1-4: service, day (tomorrow) and time, name and phone, confirmation.
    fresh.tap(fresh.screen.ids.tile_appointment)
    fresh.wait_for(lambda: children(fresh.screen.ids.services))
    service_id = children(fresh.screen.ids.services)[0].service_id
    fresh.tap(children(fresh.screen.ids.services)[0])
    fresh.wait_for(lambda: children(fresh.screen.ids.day_row) and children(fresh.screen.ids.times))
    tomorrow = ui_clock.now().date() + timedelta(days=1)
    chip = next(c for c in children(fresh.screen.ids.day_row) if c.day == tomorrow)
    fresh.tap(chip)
    fresh.wait_for(
        lambda: chip.state == "down" and not fresh.screen.busy and children(fresh.screen.ids.times)
    )
    slot_button = children(fresh.screen.ids.times)[0]
    slot = slot_button.slot
    assert slot.start.date() == tomorrow
    fresh.tap(slot_button)
    fresh.wait_for(lambda: app.manager.current == "book_form")
    fresh.screen.ids.name.text = "John Smith"
    fresh.screen.ids.phone.text = "+44 7700 900123"
    app.keyboard.detach()
    fresh.screen.ids.scroller.scroll_to(fresh.screen.ids.confirm, animate=False)
    fresh.frames(3)
    fresh.tap(fresh.screen.ids.confirm)
    fresh.wait_for(lambda: app.manager.current == "book_done" and fresh.screen.code)
    code = fresh.screen.code.replace(" ", "")
    assert fresh.screen.preview  # the confirmation's print preview
    fresh.frames(5)
    fresh.screenshot(ARTIFACTS / "walkthrough-1-booked-en.png")

    # The demo clock: ten minutes before the next booking, kiosk and central together.
    app.go("demo")
    fresh.frames(3)
    fresh.tap(fresh.screen.ids.next_booking)
    fresh.wait_for(lambda: ui_clock.now() >= slot.start - timedelta(minutes=10))
    assert ui_clock.now() < slot.start
    central_now = datetime.fromisoformat(requests.get(f"{central.url}/demo/clock", timeout=5).json()["now"])
    assert abs(central_now - ui_clock.now()) < timedelta(minutes=1)  # one clock for both
    fresh.screenshot(ARTIFACTS / "walkthrough-2-demo-clock-en.png")

    # Check in by the code on the keypad: an appointment ticket.
    app.go("checkin")
    fresh.frames(3)
    fresh.screen.ids.code.text = code
    fresh.tap(fresh.screen.ids.submit)
    fresh.wait_for(lambda: app.manager.current == "ticket_done" and fresh.screen.number)
    booked_number = fresh.screen.number
    fresh.frames(5)
    fresh.screenshot(ARTIFACTS / "walkthrough-3-checked-in-en.png")

    # Two walk-ins come a minute later, for the same service.
    ui_clock.advance(timedelta(minutes=1))
    requests.post(f"{central.url}/demo/clock", json={"now": ui_clock.now().isoformat()}, timeout=5)
    walk_ins = [app.ctx.queue.take_ticket(service_id) for _ in range(2)]
    assert all(t.priority == "none" for t in walk_ins)

    # The counter console (its API, as the page calls it) opens a counter and calls next.
    agent = requests.Session()
    agent.post(f"{central.url}/api/v1/staff/login", json={"username": "demo", "password": "demo-password"},
               timeout=5).raise_for_status()  # fmt: skip
    agent.post(f"{central.url}/api/v1/counters/C01-2/open", json={"services": [service_id]}, timeout=5)
    called = agent.post(f"{central.url}/api/v1/counters/C01-2/call-next", timeout=5).json()
    assert called["result"] == "called"
    assert called["current"]["display"] == booked_number
    assert called["current"]["priority"] == "appointment"
    agent.post(f"{central.url}/api/v1/counters/C01-2/finish", timeout=5)
    after = agent.post(f"{central.url}/api/v1/counters/C01-2/call-next", timeout=5).json()
    assert after["current"]["display"] == walk_ins[0].display  # then the walk-ins, in order
    agent.post(f"{central.url}/api/v1/counters/C01-2/close", timeout=5)
    # Leave both clocks in opening hours for the UI tests that follow (clocks only move forward).
    ten = ui_clock.now().replace(hour=10, minute=0, second=0, microsecond=0)
    answer = requests.post(f"{central.url}/demo/clock", json={"now": ten.isoformat()}, timeout=5)
    ui_clock.set(datetime.fromisoformat(answer.json()["now"]))
