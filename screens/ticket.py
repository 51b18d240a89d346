"""Take a queue ticket: choose a service (tap 2), the ticket prints and shows here (no tap 3 needed).

The screen never waits on the printer or central: the work runs on a worker, and the
screen says "printing" until the result comes back through the Kivy clock.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import qrcode
from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from devices.printer.errors import visitor_message
from kiosk.services.queue import IssuedTicket, QueueLine, QueueView, TicketNotIssued
from screens.base import KioskScreen
from screens.widgets import ServiceButton
from service_common.i18n import N_, Translator, is_next, pick, shown_wait


def qr_texture(url: str) -> Any:
    """A crisp QR code texture: drawn at module size, scaled by the GPU without smoothing."""
    matrix = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    matrix.add_data(url)
    image = matrix.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    buffer.seek(0)
    texture = CoreImage(buffer, ext="png").texture
    texture.mag_filter = "nearest"
    return texture


def line_hint(line: QueueLine, tr: Translator) -> str:
    if line.waiting is None:
        return ""
    if line.waiting == 0:
        return tr.gettext("No one waiting: you will be called soon")
    waiting = tr.ngettext("{n} person waiting", "{n} people waiting", line.waiting).format(n=line.waiting)
    wait = shown_wait(line.waiting, line.estimated_wait_min)
    if wait is None:
        return waiting
    return waiting + "  ·  " + tr.gettext("about {n} min").format(n=wait)


def fill_services(box: Any, view: QueueView, tr: Translator, choose: Callable[[str], None]) -> None:
    """One button per service, with how many wait: the visitor's list and staff's alike."""
    box.clear_widgets()
    for line in view.lines:
        button = ServiceButton(
            text=f"{line.prefix}  ·  {pick(line.name, tr.lang)}",
            hint=line_hint(line, tr),
            service_id=line.service_id,
        )
        button.bind(on_release=lambda b: choose(b.service_id))
        box.add_widget(button)


NO_TICKETS = N_("Tickets cannot be issued right now. Please ask a consultant.")
OFFLINE_LIST = N_(
    "No connection to the bank right now. Tickets are still issued; waiting times are not known."
)


def _text(value: str | Callable[[], str]) -> str:
    """A note handed over by another screen: a callable is made again in the current language."""
    return value() if callable(value) else value


class TicketScreen(KioskScreen):
    """Service list; ``issued_by`` and ``priority`` let staff mode reuse it."""

    notice = StringProperty("")
    busy = BooleanProperty(False)
    _view: QueueView | None = None

    def on_show(self, **params: Any) -> None:
        self.busy = False
        self.say("notice", "")
        self._view: QueueView | None = None
        self.run(self.ctx.queue.lines, on_done=self._show_lines, on_error=self._lines_failed)
        if params.get("take"):  # straight to printing: a late appointment offered a walk-in ticket
            self.take(params["take"])

    def _show_lines(self, view: QueueView) -> None:
        self._view = view
        fill_services(self.ids.services, view, self.ctx.translator, self.take)
        if not view.lines:
            self.say("notice", lambda: self._(NO_TICKETS))
        elif not view.online:
            self.say("notice", lambda: self._(OFFLINE_LIST))
        else:
            self.say("notice", "")

    def _lines_failed(self, _exc: BaseException) -> None:
        self.say("notice", lambda: self._(NO_TICKETS))

    def on_language(self, lang: str) -> None:
        if self._view is not None and self.manager and self.manager.current == self.name:
            self._show_lines(self._view)

    def take(self, service_id: str, priority: str = "none", issued_by: str = "kiosk") -> None:
        if self.busy:  # a second tap while printing must not print a second ticket
            return
        self.busy = True
        lang = self.ctx.translator.lang
        self.run(
            lambda: self.ctx.queue.take_ticket(service_id, priority=priority, issued_by=issued_by, lang=lang),
            on_done=self._issued,
            on_error=self._failed,
        )

    def _issued(self, ticket: IssuedTicket) -> None:
        self.busy = False
        self.app.go("ticket_done", ticket=ticket)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.app.go("ticket_done", error=exc)

    def reset(self) -> None:
        self.busy = False
        self.say("notice", "")
        if "services" in self.ids:
            self.ids.services.clear_widgets()


class TicketDoneScreen(KioskScreen):
    """The issued ticket as the visitor should remember it, or what went wrong in plain words."""

    number = StringProperty("")
    service = StringProperty("")
    details = StringProperty("")
    problem = StringProperty("")
    qr = ObjectProperty(None, allownone=True)
    preview = StringProperty("")
    offline = BooleanProperty(False)
    note = StringProperty("")  # e.g. "Your appointment at 10:00: you are checked in."
    print_problem = StringProperty("")  # the number stands, the paper did not come out
    unconfirmed = BooleanProperty(False)  # shown on screen only: it counts once the visitor noted it
    _params: dict[str, Any] = {}
    _pending: IssuedTicket | None = None

    def on_show(self, **params: Any) -> None:
        self._params = params
        ticket: IssuedTicket | None = params.get("ticket")
        self._pending = ticket if ticket is not None and ticket.print_error else None
        self.render()

    def render(self) -> None:
        tr = self.ctx.translator
        ticket: IssuedTicket | None = self._params.get("ticket")
        error: BaseException | None = self._params.get("error")
        self._clear()
        if ticket is None:
            self.problem = self._problem_text(error)
            return
        self.number = ticket.display
        self.note = _text(self._params.get("note", ""))
        self.print_problem = _text(self._params.get("print_problem", ""))
        if ticket.print_error:  # the printer's own trouble is for staff: the visitor needs the number
            self.print_problem = tr.gettext("The printer cannot print your ticket right now.")
            self.unconfirmed = self._pending is not None
        self.service = pick(ticket.service_name, tr.lang)
        self.offline = ticket.offline
        lines = []
        if is_next(ticket.people_ahead):
            lines.append(tr.gettext("You are next: please watch the screen in the hall."))
        elif ticket.people_ahead is not None:
            lines.append(tr.gettext("People ahead of you: {n}").format(n=ticket.people_ahead))
        wait = shown_wait(ticket.people_ahead, ticket.wait_minutes)  # the paper's rule too
        if wait is not None:
            lines.append(tr.gettext("Estimated wait: about {n} min").format(n=wait))
        if ticket.offline:
            lines.append(tr.gettext("Issued while offline: watch the screen in the hall for your number."))
        self.details = "\n".join(lines)
        self.qr = qr_texture(ticket.status_url) if ticket.status_url else None
        self.preview = "" if ticket.print_error else ticket.printed_on  # no paper came out

    def _problem_text(self, error: BaseException | None) -> str:
        lang = self.ctx.translator.lang
        if isinstance(error, TicketNotIssued):
            if error.printer_error is not None:
                return visitor_message(error.printer_error.key, lang)
            if error.reason == "no_numbers":
                return self._("Tickets cannot be issued right now. Please ask a consultant.")
        return self._("Something went wrong. Please try again or ask a consultant.")

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self.render()

    def confirm_noted(self) -> None:
        """ "I have noted my number": only now does a number the printer could not print count."""
        ticket, self._pending = self._pending, None
        self.unconfirmed = False
        if ticket is not None:
            self.app.tasks.submit(self.ctx.queue.confirm_noted, ticket)

    def _abandon(self) -> None:
        ticket, self._pending = self._pending, None
        if ticket is not None:
            self.app.tasks.submit(self.ctx.queue.abandon, ticket)

    def on_leave(self, *_args: Any) -> None:
        self._abandon()  # Home, Back, or another language's home: the number was not noted

    def finish(self) -> None:
        if self.ctx.session.staff_id is not None:  # staff issue the next ticket
            self.app.go("staff", remember=False)
        else:
            self.ctx.session.wipe("visitor finished")

    def reset(self) -> None:
        self._abandon()  # the session ends (idle timeout) before the number was noted
        self._clear()

    def _clear(self) -> None:
        self.number = self.service = self.details = self.problem = self.preview = ""
        self.note = self.print_problem = ""
        self.unconfirmed = False
        self.qr = None
        self.offline = False
