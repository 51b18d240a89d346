"""Signing in with a PIN on the numeric keypad, shared by staff mode and technician mode.

The code is checked on the worker (a salted hash, a lock after wrong tries, maybe a one-time code
from central); the screen only says what happened. The differences are two methods: who checks the
code, and where a right one leads.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import StringProperty

from kiosk.services.staff import StaffLocked
from screens.base import KioskScreen
from service_common.i18n import N_

log = logging.getLogger(__name__)


class PinSignInScreen(KioskScreen):
    message = StringProperty("")
    wrong = N_("Wrong PIN. Please try again.")  # what a wrong code is told, in the screen's words

    def check(self, code: str) -> Any:
        """On the worker: the signed-in result, or None for a wrong code; raises StaffLocked while locked."""
        raise NotImplementedError

    def signed_in(self, result: Any) -> None:
        """On the UI thread, after a right code."""
        raise NotImplementedError

    def on_show(self, **params: Any) -> None:
        self.say("message", "")
        self.ids.pin.text = ""
        self.use_keyboard({"pin": "numeric"}, self._keyboard_done)
        self.ids.pin.focus = True

    def _keyboard_done(self, _keyboard: object, target: object) -> None:
        if target is self.ids.pin:
            self.submit()

    def submit(self) -> None:
        code = self.ids.pin.text
        self.ids.pin.text = ""  # the PIN never stays on screen, nor in a log
        if not code:
            return
        self.say("message", lambda: self._("Checking…"))
        self.run(self.check, code, on_done=self._checked, on_error=self._failed)

    def _checked(self, result: Any) -> None:
        if result is None:
            self.say("message", lambda: self._(self.wrong))
            self.ids.pin.focus = True
            return
        self.say("message", "")
        self.signed_in(result)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, StaffLocked):
            until = f"{exc.until:%H:%M}"
            self.say(
                "message", lambda: self._("Too many wrong PINs. Try again at {time}.").format(time=until)
            )
        else:
            log.error("sign-in failed: %s", type(exc).__name__, exc_info=exc)
            self.say("message", lambda: self._("Something went wrong. Please try again or ask a consultant."))
        self.ids.pin.focus = True

    def reset(self) -> None:
        self.say("message", "")
        if "pin" in self.ids:
            self.ids.pin.text = ""
