"""The demo's control panel: move the shared clock (kiosk and central) and see what changes.

Shown only under ``kiosk demo``. Moving time is how a demo gets from "book for tomorrow" to
"check in at the slot" without waiting a day; clocks only move forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_skeleton
from kivy.properties import StringProperty

from devices.card import SimulatorCardReader
from kiosk.services.demo_clock import DemoClock
from screens.base import KioskScreen
from service_common.i18n import babel_locale, drawable


class DemoScreen(KioskScreen):
    now_text = StringProperty("")
    message = StringProperty("")

    @property
    def demo_clock(self) -> DemoClock:
        return DemoClock(self.ctx.clock, self.ctx.gateway, on_moved=self.ctx.idle.activity)

    def on_show(self, **params: Any) -> None:
        self.say("message", "")
        self._show_now()

    def _show_now(self, *_args: Any) -> None:
        now = self.ctx.clock.now()
        locale = babel_locale(self.ctx.translator.lang)
        self.now_text = (
            drawable(format_skeleton("yMMMMEEEEd", now, locale=locale)) + "  " + now.strftime("%H:%M")
        )

    def advance(self, minutes: int) -> None:
        self.run(
            self.demo_clock.advance, timedelta(minutes=minutes), on_done=self._moved, on_error=self._failed
        )

    def tomorrow_morning(self) -> None:
        target = (self.ctx.clock.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        self.run(self.demo_clock.move_to, target, on_done=self._moved, on_error=self._failed)

    def next_booking(self) -> None:
        self.run(self._to_next_booking, on_done=self._moved, on_error=self._failed)

    def _to_next_booking(self) -> datetime:
        start = self.ctx.appointments.next_booking_start()
        if start is None:
            raise LookupError("no booking to come at this center")
        return self.demo_clock.move_to(start - timedelta(minutes=10))

    def insert_card(self, profile: str) -> None:
        """Demo: the simulated reader gets a demo card (then "Card services" on the home screen reads it)."""
        reader = self.ctx.card_reader
        if isinstance(reader, SimulatorCardReader):
            reader.insert(profile)
            self.say(
                "message",
                lambda: self._("A demo card is in the reader. Open card services on the home screen."),
            )

    def remove_card(self) -> None:
        reader = self.ctx.card_reader
        if isinstance(reader, SimulatorCardReader):
            reader.remove()
            self.say("message", lambda: self._("The demo card is out of the reader."))

    def _moved(self, _now: datetime) -> None:
        self._show_now()
        self.say("message", lambda: self._("The clock of the kiosk and of the bank's system moved together."))
        self.ctx.sync.sync_now()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, LookupError):
            self.say("message", lambda: self._("There are no upcoming bookings at this center."))
        else:
            self.say("message", lambda: self._("The clock could not be moved: {reason}").format(reason=exc))
