"""Booking, screen 2: a day, then a free time, held at central on a tap."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior

from kiosk.services.appointments import BookingRefused, Hold, Slot
from screens.booking import BookingScreen, day_text, slot_text
from screens.widgets import WrapLabel
from service_common.i18n import pick


class DayChip(ToggleButtonBehavior, WrapLabel):  # type: ignore[misc]
    """A WrapLabel: as a plain Label, Kivy broke "12月1日週二" as "12月1日週 / 二"."""

    day = ObjectProperty(None, allownone=True)


class TimeButton(ButtonBehavior, WrapLabel):  # type: ignore[misc]
    slot = ObjectProperty(None, allownone=True)


class BookTimeScreen(BookingScreen):
    """Screen 2: a day, then a free time. Tapping a time holds it at central."""

    service_name = StringProperty("")
    notice = StringProperty("")
    busy = BooleanProperty(False)
    empty = BooleanProperty(False)
    _service: dict[str, Any] = {}
    _params: dict[str, Any] = {}
    _day: date | None = None

    def on_show(self, **params: Any) -> None:
        service = params.get("service")
        if service is None and params.get("service_id"):  # `kiosk screenshot --param service_id=C01-A`
            service = self.ctx.queue.service(params["service_id"])
        if service is None:  # nothing chosen (a stale history entry): start booking over
            self.app.go("appointments", remember=False)
            return
        self._params = {**params, "service": service}
        self._service = service
        self.service_name = pick(self._service["name"], self.ctx.translator.lang)
        self.say("notice", "")
        self.empty = False
        self.ids.day_row.clear_widgets()
        self.ids.times.clear_widgets()
        self.busy = True
        self.run(
            self.ctx.appointments.days, self._service["id"], on_done=self._show_days, on_error=self._failed
        )

    def _show_days(self, days: list[date]) -> None:
        self.busy = False
        row = self.ids.day_row
        row.clear_widgets()
        if not days:
            self.empty = True
            self.say(
                "notice",
                lambda: self._(
                    "There are no free times in the next 30 days. You can take a queue ticket instead."
                ),
            )
            return
        lang = self.ctx.translator.lang
        for day in days:
            chip = DayChip(text=day_text(day, lang), day=day, group=f"day-{id(self)}")
            chip.bind(on_release=lambda c: self.choose_day(c.day))
            row.add_widget(chip)
        first = row.children[-1]
        first.state = "down"
        self.choose_day(days[0])

    def choose_day(self, day: date) -> None:
        for chip in self.ids.day_row.children:
            chip.state = "down" if chip.day == day else "normal"
        self.ids.times.clear_widgets()
        self.busy = True
        self.run(
            self.ctx.appointments.slots,
            self._service["id"],
            day,
            on_done=self._show_slots,
            on_error=self._failed,
        )

    def _show_slots(self, slots: list[Slot]) -> None:
        self.busy = False
        grid = self.ids.times
        grid.clear_widgets()
        lang = self.ctx.translator.lang
        for slot in slots:
            button = TimeButton(text=slot_text(slot, lang), slot=slot)
            button.bind(on_release=lambda b: self.choose_time(b.slot))
            grid.add_widget(button)
        if not slots:
            self.say("notice", lambda: self._("This day has just filled up. Please choose another day."))

    def choose_time(self, slot: Slot) -> None:
        if self.busy:
            return
        if "code" in self._params:  # moving a booking: central books the new time in one step, no hold
            far = self.ctx.clock.now() + timedelta(days=1)
            self.app.go("book_form", service=self._service, hold=Hold("", self._service["id"], slot, far),
                        **self._manage_params())  # fmt: skip
            return
        self.busy = True
        self.say("notice", "")
        self.run(
            self.ctx.appointments.hold,
            self._service["id"],
            slot,
            on_done=self._held,
            on_error=self._hold_failed,
        )

    def _held(self, hold: Hold) -> None:
        self.busy = False
        if self.manager is None or self.manager.current != self.name:  # the visitor has gone meanwhile
            self.app.tasks.submit(self.ctx.appointments.release, hold)
            return
        self.app.go("book_form", service=self._service, hold=hold, **self._manage_params())

    def _manage_params(self) -> dict[str, Any]:
        return {k: self._params[k] for k in ("code", "last4", "move_request_id") if k in self._params}

    def _hold_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.say("notice", lambda: self.refusal_text(exc))
        if isinstance(exc, BookingRefused):  # the list is stale: show what is free now
            selected = [c.day for c in self.ids.day_row.children if c.state == "down"]
            if selected:
                self.choose_day(selected[0])

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.say("notice", lambda: self.refusal_text(exc))

    def walk_in(self) -> None:
        self.app.go("ticket")

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name and self._service:
            self.service_name = pick(self._service["name"], lang)
            for chip in self.ids.day_row.children:
                chip.text = day_text(chip.day, lang)
            for button in self.ids.times.children:
                button.text = slot_text(button.slot, lang)

    def reset(self) -> None:
        self._params, self._service, self._day = {}, {}, None  # a move's code and digits go too
        self.service_name = ""
        self.say("notice", "")
        self.empty = self.busy = False
        if "day_row" in self.ids:
            self.ids.day_row.clear_widgets()
            self.ids.times.clear_widgets()
