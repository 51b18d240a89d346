"""Booking's shared words and screen 1: the services that take appointments, check-in, my booking.

The other screens: ``book_time`` (day and time), ``book_form`` (name and phone), ``book_done``
(confirmation, and finding a booking to cancel or move). Every call to central runs on a worker; while
it runs the screen says so and ignores a second tap.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_skeleton, format_time
from kivy.properties import BooleanProperty, StringProperty

from kiosk.services.appointments import (
    BookingRefused,
    BookingUnavailable,
    Slot,
)
from screens.base import KioskScreen
from screens.widgets import ServiceButton
from service_common.i18n import N_, Translator, babel_locale, drawable, pick


def day_text(day: date, lang: str) -> str:
    """ "вт, 2 дек.", "12月2日 週二", "Tue 2 Dec": short enough for a chip."""
    return drawable(format_skeleton("MMMEd", day, locale=babel_locale(lang)))


def slot_text(slot: Slot, lang: str) -> str:
    """ "11:20", "上午11:20", "11:20": each language's own clock."""
    return drawable(format_time(slot.start, "short", tzinfo=slot.start.tzinfo, locale=babel_locale(lang)))


def long_day(day: date, lang: str) -> str:
    return drawable(format_skeleton("yMMMMEEEEd", day, locale=babel_locale(lang)))


def time_range(slot_start: Any, slot_end: Any, lang: str) -> str:
    locale = babel_locale(lang)
    tz = slot_start.tzinfo
    a = format_time(slot_start, "short", tzinfo=tz, locale=locale)
    b = format_time(slot_end, "short", tzinfo=tz, locale=locale)
    return drawable(f"{a}–{b}")


SOMETHING_WRONG = N_("Something went wrong. Please try again or ask a consultant.")
UNAVAILABLE = N_(
    "Booking needs a connection to the bank, and there is none right now. Please try again later, or take a queue ticket."
)
_SLOT_GONE = N_("This time can no longer be booked. Please choose another.")
_NO_MATCH = N_("No booking matches this code and phone digits. Please check them.")
_CANNOT_CHANGE = N_("This booking can no longer be changed.")

REFUSALS: dict[str, str] = {
    "slot_full": N_("Someone has just taken this time. Please choose another."),
    "hold_expired": N_(
        "We kept this time for you for a few minutes; it has been released. Please choose a time again."
    ),
    "person_limit": N_(
        "This phone number already has the most bookings allowed. Cancel one first, or take a queue ticket."
    ),
    "cooldown": N_("After several cancellations, booking with this phone is possible again from {day}."),
    "invalid_phone": N_(
        "Please check the phone number. A number from outside Russia needs its country code, for example +886 912 345 678."
    ),
    "invalid_email": N_("Please check the e-mail address, or leave it empty."),
    "invalid_name": N_("Please enter your name (up to 200 letters)."),
    "locked": N_("Too many wrong tries for this code. Please try again after {time}."),
    "not_found": _NO_MATCH,
    "bad_code": _NO_MATCH,
    **dict.fromkeys(
        ("too_soon", "beyond_horizon", "holiday", "closed", "in_break", "outside_schedule"), _SLOT_GONE
    ),
    **dict.fromkeys(("not_cancellable", "not_reschedulable"), _CANNOT_CHANGE),
}
"""Central's (and the kiosk's own) refusal codes in the visitor's words; {day} and {time} from ``until``."""


class BookingScreen(KioskScreen):
    """Words for what central or the connection said, shared by the booking screens."""

    def refusal_text(self, exc: BaseException) -> str:
        tr: Translator = self.ctx.translator
        if isinstance(exc, BookingUnavailable):
            return tr.gettext(UNAVAILABLE)
        if not isinstance(exc, BookingRefused) or exc.reason not in REFUSALS:
            return tr.gettext(SOMETHING_WRONG)
        until = exc.until.astimezone(self.ctx.clock.tz) if exc.until else None
        locale = babel_locale(tr.lang)
        return tr.gettext(REFUSALS[exc.reason]).format(
            day=long_day(until.date(), tr.lang) if until else "",
            time=format_time(until, "short", tzinfo=until.tzinfo, locale=locale) if until else "",
        )


class AppointmentsScreen(BookingScreen):
    """Screen 1 of booking: the services that take appointments, plus check-in and my booking."""

    notice = StringProperty("")
    offline = BooleanProperty(False)

    def on_show(self, **params: Any) -> None:
        self.say("notice", "")
        self.run(self._load, on_done=self._show, on_error=self._failed)

    def _load(self) -> tuple[list[dict[str, Any]], bool]:
        return self.ctx.appointments.services(), self.ctx.appointments.online()

    def _show(self, result: tuple[list[dict[str, Any]], bool]) -> None:
        services, online = result
        self.offline = not online
        box = self.ids.services
        box.clear_widgets()
        lang = self.ctx.translator.lang
        if not online:
            self.say(
                "notice",
                lambda: self._(
                    "Booking needs a connection to the bank, and there is none right now. You can still check in for a booking, or take a queue ticket."
                ),
            )
            return
        if not services:
            self.say(
                "notice",
                lambda: self._("Appointments are not offered at this center. Please take a queue ticket."),
            )
        for service in services:
            button = ServiceButton(
                text=f"{service['prefix']}  ·  {pick(service['name'], lang)}",
                hint=pick(service.get("description"), lang),
                service_id=service["id"],
            )
            button.icon = "event"
            button.bind(on_release=lambda b, s=service: self.app.go("book_time", service=s))
            box.add_widget(button)

    def _failed(self, exc: BaseException) -> None:
        self.say("notice", lambda: self.refusal_text(exc))

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self.on_show()

    def reset(self) -> None:
        self.say("notice", "")
        if "services" in self.ids:
            self.ids.services.clear_widgets()
