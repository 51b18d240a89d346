"""Booking's end: the confirmation as the visitor keeps it, and finding a booking to cancel or move."""

from __future__ import annotations

import uuid
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from devices.printer.errors import visitor_message
from kiosk.services.appointments import Booking, masked_code
from screens.booking import BookingScreen, long_day, time_range
from screens.ticket import qr_texture
from service_common.i18n import pick


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
