"""Check in for an appointment: scan the confirmation's QR code, or type the booking code.

A scan reaches this screen from anywhere in the kiosk (the app routes every scan here). The
answer is a queue ticket with the appointment priority, shown like any ticket; otherwise the
visitor is told plainly what to do: come back at a time, or take an ordinary ticket now.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_time
from kivy.properties import BooleanProperty, StringProperty

from devices.printer.errors import visitor_message
from devices.scanner import SimulatorScanner
from kiosk.services.checkin import CheckedIn, CheckInRefused
from screens.base import KioskScreen
from screens.booking import SOMETHING_WRONG
from service_common.i18n import N_, babel_locale

_NO_TICKETS = N_("Tickets cannot be issued right now. Please ask a consultant.")
NOTHING_TO_SCAN = N_("There is no booking to scan in this demo yet. Please book an appointment first.")
TOO_EARLY_UNKNOWN = N_("It is too early to check in. Please come back closer to your time.")

REFUSALS: dict[str, str] = {
    "bad_code": N_("This code has a typo: a booking code has 8 digits. Please check it."),
    "not_booking": N_(
        "This code is not from a booking confirmation. Please scan the QR code on your confirmation."
    ),
    "not_found": N_("We could not find a booking with this code. Please check it, or ask a consultant."),
    "other_center": N_(
        "This booking is for another service center. Please check the address on your confirmation."
    ),
    "too_early": N_("It is too early to check in. Check-in opens at {time}."),
    "too_late": N_("The time of your appointment has passed. You can take an ordinary queue ticket now."),
    "not_confirmed": N_("This booking was cancelled or has already been used."),
    "try_again": N_("The bank's system did not answer in time. Please try again in a moment."),
    "already_checked_in": N_(
        "You are already checked in. If you have lost your ticket, please ask a consultant."
    ),
    "needs_connection": N_(
        "There is no connection to the bank, so a typed code cannot be checked. Please scan the QR code on your confirmation, or take a queue ticket."
    ),
    "printer": _NO_TICKETS,
    "no_numbers": _NO_TICKETS,
}
"""Each CheckInRefused reason in the visitor's words; {time} is the refusal's ``at``."""


class CheckInScreen(KioskScreen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    walk_in_service = StringProperty("")  # too late: the service to offer an ordinary ticket for
    offer_walk_in = BooleanProperty(False)
    simulated = BooleanProperty(False)  # the demo's scanner: show a button that "scans"

    def on_show(self, **params: Any) -> None:
        self.use_keyboard({"code": "numeric"}, self._keyboard_done)
        self.simulated = isinstance(self.ctx.scanner, SimulatorScanner)
        self.say("message", "")
        self.offer_walk_in = False
        self.walk_in_service = ""
        self.busy = False
        scanned = params.get("scanned")
        if scanned:
            self.submit(scanned)

    def _keyboard_done(self, _keyboard: object, target: object) -> None:
        field: Any = self.ids.code
        if target is field:
            self.submit(str(self.ids.code.text))

    def submit(self, text: str) -> None:
        if self.busy or not text.strip():
            return
        self.app.keyboard.detach()
        self.busy = True
        self.offer_walk_in = False
        self.say("message", lambda: self._("Checking your booking…"))
        lang = self.ctx.translator.lang
        self.run(self.ctx.checkin.check_in, text, lang, on_done=self._done, on_error=self._refused)

    def _done(self, result: CheckedIn) -> None:
        self.busy = False
        self.ids.code.text = ""
        tr = self.ctx.translator

        def note() -> str:  # made again after a language switch on the ticket screen
            if result.again:
                return self._("You were already checked in: here is the same ticket again.")
            start = result.slot_start
            at = format_time(start, "short", tzinfo=start.tzinfo, locale=babel_locale(tr.lang))
            return self._("Your appointment at {time}: you are checked in.").format(time=at)

        def problem() -> str:
            error = result.print_error
            return visitor_message(error.key, tr.lang) if error is not None else ""

        self.app.go("ticket_done", ticket=result.ticket, note=note, print_problem=problem, remember=False)

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.say("message", lambda: self.refusal_text(exc))
        if isinstance(exc, CheckInRefused) and exc.reason == "too_late":
            self.offer_walk_in = True
            self.walk_in_service = exc.service_id

    def refusal_text(self, exc: BaseException) -> str:
        tr = self.ctx.translator
        if not isinstance(exc, CheckInRefused) or exc.reason not in REFUSALS:
            return tr.gettext(SOMETHING_WRONG)
        message = REFUSALS[exc.reason]
        if exc.reason == "too_early" and exc.at is None:
            message = TOO_EARLY_UNKNOWN
        at = (
            format_time(exc.at, "short", tzinfo=exc.at.tzinfo, locale=babel_locale(tr.lang)) if exc.at else ""
        )
        return tr.gettext(message).format(time=at)

    def walk_in(self) -> None:
        if self.walk_in_service:
            self.app.go("ticket", take=self.walk_in_service)
        else:
            self.app.go("ticket")

    def simulate_scan(self) -> None:
        """Demo only: "scan" the confirmation printed last, as a visitor holding it up would."""
        if not self.app.simulate_scan():
            self.say("message", lambda: self._(NOTHING_TO_SCAN))

    def reset(self) -> None:
        self.walk_in_service = ""
        self.say("message", "")
        self.busy = self.offer_walk_in = False
        if "code" in self.ids:
            self.ids.code.text = ""
