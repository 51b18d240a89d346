"""Booking, screen 3: name, phone and e-mail on the on-screen keyboard, while the held time counts down."""

from __future__ import annotations

import uuid
from typing import Any

from kivy.clock import Clock as KivyClock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.services.appointments import Booking, BookingRefused, Hold
from screens.booking import BookingScreen, long_day, time_range
from screens.theme import theme
from service_common.i18n import pick


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
