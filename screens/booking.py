"""Book an appointment in four screens: service, day and time, name and phone, confirmation.

The first screen is also the door to check-in and to "my booking" (cancel or move). Every call
to central runs on a worker; while it runs the screen says so and ignores a second tap.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from babel.dates import format_skeleton, format_time
from kivy.clock import Clock as KivyClock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior

from devices.printer.errors import visitor_message
from kiosk.services.appointments import (
    Booking,
    BookingRefused,
    BookingUnavailable,
    Hold,
    Slot,
    masked_code,
)
from screens.base import KioskScreen
from screens.theme import theme
from screens.ticket import qr_texture
from screens.widgets import ServiceButton, WrapLabel
from service_common.i18n import N_, Translator, babel_locale, drawable, pick


class DayChip(ToggleButtonBehavior, WrapLabel):  # type: ignore[misc]
    """A WrapLabel: as a plain Label, Kivy broke "12月1日週二" as "12月1日週 / 二"."""

    day = ObjectProperty(None, allownone=True)


class TimeButton(ButtonBehavior, WrapLabel):  # type: ignore[misc]
    slot = ObjectProperty(None, allownone=True)


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


class BookFormScreen(BookingScreen):
    """Screen 3: name and phone, while the time is held; or, when moving a booking, just confirm."""

    summary = StringProperty("")
    countdown = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)
    moving = BooleanProperty(False)
    compact = BooleanProperty(False)  # the keyboard is up: the summary is the pinned line
    _hold: Hold | None = None
    _service: dict[str, Any] = {}
    _params: dict[str, Any] = {}
    _request_id = ""
    _tick: Any = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._released: set[str] = set()  # holds given back: never confirm one of them

    def on_show(self, **params: Any) -> None:
        if "hold" not in params or "service" not in params:  # nothing held: start booking over
            self.app.go("appointments", remember=False)
            return
        if params["hold"].id and params["hold"].id in self._released:  # shown again after it was let go
            self.app.back()
            return
        self._params = params
        self._hold = params["hold"]
        self._service = params["service"]
        self.moving = "code" in params
        # One id per confirmation, and one per move however often the time is chosen again: a move
        # whose answer was lost is then answered with the booking it made, not made twice.
        self._request_id = params.get("move_request_id") or str(uuid.uuid4())
        self.say("message", "")
        self.busy = False
        self.use_keyboard({"name": None, "phone": "phone", "email": None}, self._keyboard_done)
        if not self.__dict__.get("_watching_keyboard"):
            self.app.keyboard.bind(target=self._on_keyboard)
            self.__dict__["_watching_keyboard"] = True
        self._on_keyboard(self.app.keyboard, self.app.keyboard.target)
        self._render()
        if self._tick is None:
            self._tick = KivyClock.schedule_interval(self._count, 1)
        self._count(0)
        if not self.moving:
            self.ids.name.focus = True

    def _render(self) -> None:
        hold = self._hold
        if hold is None:
            return
        lang = self.ctx.translator.lang
        when = (
            f"{long_day(hold.slot.start.date(), lang)}  ·  {time_range(hold.slot.start, hold.slot.end, lang)}"
        )
        self.summary = pick(self._service["name"], lang) + "\n" + when

    def _count(self, _dt: float) -> None:
        if self._hold is None or self.manager is None or self.manager.current != self.name:
            return
        if self.moving:  # nothing is held while a booking is moved
            self.countdown = ""
            return
        left = int((self._hold.expires_at - self.ctx.clock.now()).total_seconds())
        if left <= 0:
            self.countdown = ""
            if not self.busy:
                self.say("message", lambda: self.refusal_text(BookingRefused("hold_expired")))
            return
        self.countdown = self._("We are holding this time for you: {time} left").format(
            time=f"{left // 60}:{left % 60:02d}"
        )

    def _keyboard_done(self, _keyboard: object, target: object) -> None:
        if target is self.ids.name:
            self.ids.phone.focus = True
        elif target is self.ids.phone:
            self.ids.email.focus = True
        elif target is self.ids.email:  # the keyboard goes: the visitor checks, then taps Confirm
            self.app.keyboard.detach()
            self._show(self.ids.confirm)

    def _on_keyboard(self, _keyboard: object, target: Any) -> None:
        fields = [self.ids[f].__self__ for f in ("name", "phone", "email")]  # ids are weak proxies
        self.compact = target is not None and any(target is field for field in fields)

    @property
    def keep_in_sight(self) -> tuple[str, ...]:
        """What the layout checker requires fully visible (service, time and countdown)."""
        return ("pinned",) if self.compact or theme.landscape else ("summary_card",)

    def release(self) -> None:
        if self.__dict__.pop("_watching_keyboard", False):
            self.app.keyboard.unbind(target=self._on_keyboard)
        super().release()

    def _keep_in_view(self, field: Any, focused: bool) -> None:
        if focused:
            self._show(field)

    def _show(self, widget: Any) -> None:
        """Scroll once the docked keyboard has taken its height, so the widget is not under it."""
        KivyClock.schedule_once(
            lambda _dt: self.ids.scroller.scroll_to(widget, padding=40, animate=False), 0.05
        )

    def confirm(self) -> None:
        if self.busy or self._hold is None:
            return
        self.app.keyboard.detach()
        hold, lang = self._hold, self.ctx.translator.lang
        self.busy = True
        self.say("message", "")
        if self.moving:
            code, last4 = self._params["code"], self._params["last4"]
            self.run(
                self.ctx.appointments.reschedule, code, last4, hold.slot, lang, self._request_id,
                on_done=self._booked, on_error=self._failed,
            )  # fmt: skip
            return
        name, phone, email = self.ids.name.text, self.ids.phone.text, self.ids.email.text
        self.run(
            self.ctx.appointments.confirm, hold, name, phone, lang, self._request_id, email,
            on_done=self._booked, on_error=self._failed,
        )  # fmt: skip

    def _booked(self, booking: Booking) -> None:
        self.busy = False
        self._hold = None  # booked: nothing to release
        self.app.go("book_done", booking=booking, moved=self.moving, remember=False)

    def on_leave(self, *_args: Any) -> None:
        """Back, Home or the idle wipe: the held time goes back to other visitors at once."""
        hold, self._hold = self._hold, None
        if hold is not None and hold.id and not self.busy:
            self._released.add(hold.id)
            self.app.tasks.submit(self.ctx.appointments.release, hold)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.say("message", lambda: self.refusal_text(exc))
        if isinstance(exc, BookingRefused) and exc.reason in ("hold_expired", "not_held", "slot_full"):
            self.app.back()  # choose a time again; what was typed stays in the fields

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self._render()

    def reset(self) -> None:
        if self._hold is not None and self._hold.id and not self.busy:  # the idle wipe: give the time back
            self._released.add(self._hold.id)
            self.app.tasks.submit(self.ctx.appointments.release, self._hold)
        self._hold = None
        self._params, self._service = {}, {}
        self.summary = self.countdown = ""
        self.say("message", "")
        self.busy = self.moving = False
        if "name" in self.ids:
            self.ids.name.text = ""
            self.ids.phone.text = ""
            self.ids.email.text = ""


class BookDoneScreen(BookingScreen):
    """Screen 4: the booking as the visitor should keep it, and the printed confirmation."""

    code = StringProperty("")
    when = StringProperty("")
    service = StringProperty("")
    problem = StringProperty("")
    preview = StringProperty("")
    qr = ObjectProperty(None, allownone=True)
    moved = BooleanProperty(False)
    _booking: Booking | None = None

    def on_show(self, **params: Any) -> None:
        self._booking = params.get("booking")
        self.moved = bool(params.get("moved"))
        self.render()

    def render(self) -> None:
        booking = self._booking
        if booking is None:
            return
        lang = self.ctx.translator.lang
        self.code = f"{booking.code[:4]} {booking.code[4:]}"
        self.service = pick(booking.service_name, lang)
        self.when = (
            long_day(booking.slot_start.date(), lang)
            + "\n"
            + time_range(booking.slot_start, booking.slot_end, lang)
        )
        self.preview = booking.printed_on
        self.problem = ""
        self.qr = None
        if booking.print_error is not None:
            self.problem = (
                visitor_message(booking.print_error.key, lang)
                + "\n"
                + self._(
                    "Your booking is made. Please photograph the QR code below, or write down the booking code."
                )
            )
            self.qr = qr_texture(booking.token or booking.code)

    def finish(self) -> None:
        if self._booking is not None:
            self.ctx.session.wipe(f"booking {masked_code(self._booking.code)} finished")

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self.render()

    def reset(self) -> None:
        self._booking = None
        self.code = self.when = self.service = self.problem = self.preview = ""
        self.qr = None


class MyBookingScreen(BookingScreen):
    """Find a booking by its code and the phone's last four digits, then cancel it or move it."""

    message = StringProperty("")
    details = StringProperty("")
    found = BooleanProperty(False)
    cancelled = BooleanProperty(False)
    confirm_cancel = BooleanProperty(False)
    busy = BooleanProperty(False)
    _booking: Booking | None = None

    def on_show(self, **params: Any) -> None:
        self.use_keyboard({"code": "numeric", "last4": "numeric"}, self._keyboard_done)
        self.say("message", "")
        self.found = self.cancelled = self.confirm_cancel = False
        self.ids.code.focus = True

    def _keyboard_done(self, _keyboard: object, target: object) -> None:
        if target is self.ids.code:
            self.ids.last4.focus = True
        elif target is self.ids.last4:
            self.find()

    def find(self) -> None:
        if self.busy:
            return
        self.app.keyboard.detach()
        code, last4 = self.ids.code.text, self.ids.last4.text
        if len(last4) != 4 or not last4.isdigit():
            self.say("message", lambda: self._("Enter the last four digits of the phone number you gave."))
            return
        self.busy = True
        self.say("message", "")
        self.run(self.ctx.appointments.lookup, code, last4, on_done=self._found, on_error=self._failed)

    def _found(self, booking: Booking) -> None:
        self.busy = False
        self._booking = booking
        self.found = True
        self.cancelled = booking.status == "cancelled"
        self._render()

    def _render(self) -> None:
        booking = self._booking
        if booking is None:
            return
        lang = self.ctx.translator.lang
        status = {
            "confirmed": self._("Booked"),
            "cancelled": self._("Cancelled"),
            "checked_in": self._("Checked in"),
            "missed": self._("Missed"),
        }.get(booking.status, booking.status)
        self.details = "\n".join(
            (
                pick(booking.service_name, lang),
                long_day(booking.slot_start.date(), lang),
                time_range(booking.slot_start, booking.slot_end, lang),
                status,
            )
        )

    def cancel(self) -> None:
        if self.busy or self._booking is None:
            return
        if not self.confirm_cancel:  # a second tap confirms: a slip of the finger cancels nothing
            self.confirm_cancel = True
            return
        self.busy = True
        self.run(self.ctx.appointments.cancel, self._booking.code, self.ids.last4.text,
                 on_done=self._cancelled, on_error=self._failed)  # fmt: skip

    def _cancelled(self, booking: Booking) -> None:
        self.busy = False
        self.confirm_cancel = False
        self._booking = booking
        self.cancelled = True
        self._render()
        self.say("message", lambda: self._("Your booking is cancelled."))

    def move(self) -> None:
        if self._booking is None:
            return
        service = self.ctx.queue.service(self._booking.service_id) or {
            "id": self._booking.service_id,
            "name": self._booking.service_name,
        }
        self.app.go(
            "book_time", service=service, code=self._booking.code, last4=self.ids.last4.text,
            move_request_id=str(uuid.uuid4()),
        )  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.confirm_cancel = False
        self.say("message", lambda: self.refusal_text(exc))

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self._render()

    def reset(self) -> None:
        self._booking = None
        self.details = ""
        self.say("message", "")
        self.found = self.cancelled = self.confirm_cancel = self.busy = False
        if "code" in self.ids:
            self.ids.code.text = ""
            self.ids.last4.text = ""
