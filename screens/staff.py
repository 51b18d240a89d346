"""Staff mode on the kiosk: sign in with a PIN, issue tickets for visitors (with priority),
reprint the last ticket, see the center's queue. Signing out, or the idle timeout, ends it."""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import StringProperty

from kiosk.services.queue import IssuedTicket, QueueView, TicketNotIssued
from kiosk.services.staff import StaffMember
from screens.base import KioskScreen
from screens.pin_sign_in import PinSignInScreen
from screens.ticket import fill_services
from service_common.i18n import N_

log = logging.getLogger(__name__)

PRIORITY_LABELS = {
    "none": N_("Regular"),
    "disability": N_("Disability"),
    "pregnancy": N_("Pregnancy"),
    "veteran": N_("Veteran"),
    "appointment": N_("Appointment"),
}


class StaffLoginScreen(PinSignInScreen):
    def check(self, code: str) -> StaffMember | None:
        return self.ctx.staff.sign_in(code)

    def signed_in(self, result: StaffMember) -> None:
        self.ctx.session.staff_id = result.name
        self.app.go("staff", remember=False)


class StaffScreen(KioskScreen):
    """Staff read plain words in their language; the technician's line with raw codes goes to the log."""

    staff_name = StringProperty("")
    priority = StringProperty("none")
    message = StringProperty("")

    def on_show(self, **params: Any) -> None:
        if self.ctx.session.staff_id is None:  # never reachable without signing in
            self.app.go("staff_login", remember=False)
            return
        self.staff_name = self.ctx.session.staff_id
        self.say("message", str(params.get("message", "")))
        self._load_lines()

    def _load_lines(self) -> None:
        self.run(self.ctx.queue.lines, on_done=self._show_lines)

    def _show_lines(self, view: QueueView) -> None:
        fill_services(self.ids.services, view, self.ctx.translator, self.issue)

    def choose_priority(self, priority: str) -> None:
        self.priority = priority

    def issue(self, service_id: str) -> None:
        lang, staff, priority = self.ctx.translator.lang, f"staff:{self.staff_name}", self.priority
        self.say("message", lambda: self._("Printing your ticket…"))
        self.run(
            lambda: self.ctx.queue.take_ticket(service_id, priority=priority, issued_by=staff, lang=lang),
            on_done=self._issued,
            on_error=self._failed,
        )

    def reprint(self) -> None:
        self.say("message", lambda: self._("Printing your ticket…"))
        lang = self.ctx.translator.lang
        self.run(lambda: self.ctx.queue.reprint_last(lang), on_done=self._reprinted, on_error=self._failed)

    def _issued(self, ticket: IssuedTicket) -> None:
        self.priority = "none"
        self.app.go("ticket_done", ticket=ticket)

    def _reprinted(self, ticket: IssuedTicket | None) -> None:
        if ticket is None:
            self.say("message", lambda: self._("No ticket has been issued on this kiosk yet."))
        else:
            number = ticket.display
            self.say("message", lambda: self._("Ticket {number} printed again.").format(number=number))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, TicketNotIssued) and exc.printer_error is not None:
            error = exc.printer_error
            log.warning("staff ticket not printed: %s", error.technician_message)
            self.say("message", lambda: error.staff_message(self.ctx.translator.lang))
        else:
            self.say("message", lambda: self._("Something went wrong. Please try again or ask a consultant."))

    def sign_out(self) -> None:
        self.ctx.session.wipe("staff signed out")

    def on_language(self, lang: str) -> None:
        # The message follows by itself (``say``); only the service list is built in Python.
        if self.manager and self.manager.current == self.name and self.ctx.session.staff_id is not None:
            self._load_lines()

    def reset(self) -> None:
        self.priority = "none"
        self.say("message", "")
        self.staff_name = ""
