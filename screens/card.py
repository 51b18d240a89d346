"""Card services: insert the card, the PIN on a shuffled keypad, then the menu of what the card allows.

Thin views over :mod:`kiosk.services.statements`: reading the card, the PIN check on the chip and every
question to central run on workers (``self.run``), never on the UI thread. The PIN lives in this
screen only while it is typed (shown as dots), goes to the worker that hands it to the chip, and is
cleared at once; it is never logged. The statement, balance, services and loss-report screens are in
:mod:`screens.card_statement`.
"""

from __future__ import annotations

import secrets
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from devices.card import CardError, SimulatorCardReader
from kiosk.services.statements import CardServiceError, CardSession
from screens.base import KioskScreen
from service_common.i18n import N_

SOMETHING_WRONG = N_("Something went wrong. Please try again or ask a consultant.")

CARD_ERRORS: dict[str, str] = {
    "mag_stripe_only": N_("This card has no chip this kiosk can read. Please ask a consultant."),
    "unreadable": N_("The card could not be read. Please take it out and insert it again, chip first."),
    "removed": N_("The card was taken out too early. Please insert it again."),
    "no_reader": N_("The card reader is not working right now. Please ask a consultant."),
    "reader_error": N_("The card reader is not working right now. Please ask a consultant."),
    "no_card": N_("Please insert your card into the reader below the screen, chip first."),
    "busy": N_("The card reader is busy. Please wait a moment and try again."),
    "not_supported": N_("This card cannot be checked with a PIN at this kiosk. Please ask a consultant."),
}
"""``CardError.key`` in the visitor's words."""

SERVICE_ERRORS: dict[str, str] = {
    "offline": N_(
        "There is no connection to the bank right now, so card services are not available. Please try again later or ask a consultant."
    ),
    "busy": N_("Too many requests for this card. Please try again in a minute."),
    "pin_needed": N_("Please enter your PIN again."),
    "no_pin": N_("This card cannot be checked with a PIN at this kiosk. Please ask a consultant."),
    "pin_blocked": N_("The PIN of this card is blocked. Please ask a consultant."),
    "unknown_card": N_("The bank cannot serve this card at this kiosk. Please ask a consultant."),
    "not_blocked": N_("This card is not blocked."),
    "no_session": N_("Please insert your card again."),
    "printer": N_("The receipt could not be printed. Please ask a consultant."),
}
"""``CardServiceError.reason`` in the visitor's words."""


def problem_text(screen: KioskScreen, exc: BaseException) -> str:
    if isinstance(exc, CardServiceError):
        return screen._(SERVICE_ERRORS.get(exc.reason, SOMETHING_WRONG))
    if isinstance(exc, CardError):
        return screen._(CARD_ERRORS.get(exc.key, CARD_ERRORS["unreadable"]))
    return screen._(SOMETHING_WRONG)


class CardScreen(KioskScreen):
    """ "Insert your card": reads it as soon as it is in the reader, then asks for the PIN."""

    message = StringProperty("")
    busy = BooleanProperty(False)
    simulated = BooleanProperty(False)

    def on_show(self, **params: Any) -> None:
        self.simulated = isinstance(self.ctx.card_reader, SimulatorCardReader)
        self.say("message", "")
        self.busy = False
        card = self.ctx.statements.card
        if card is not None and card.identified:
            self.app.go("card_menu", remember=False)
            return
        if self._card_in_reader():
            self.read()

    def _card_in_reader(self) -> bool:
        reader = self.ctx.card_reader
        if isinstance(reader, SimulatorCardReader):
            return reader.card is not None
        return False  # a real reader announces the card with an event (card_inserted)

    def card_inserted(self) -> None:
        """The app calls this when a card goes in while this screen is shown."""
        if self.ctx.statements.card is None:
            self.read()

    def read(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.say("message", lambda: self._("Reading your card…"))
        statements, reader = self.ctx.statements, self.ctx.card_reader
        # On the worker: the card's number exists only there, until begin() turned it into the token.
        self.run(lambda: statements.begin(reader.read_card()), on_done=self._read, on_error=self._failed)

    def _read(self, card: CardSession) -> None:
        self.busy = False
        if card.language and card.language in self.ctx.config.languages:
            self.app.set_language(card.language)
        if not card.pin_cvm:
            self.say("message", lambda: self._(SERVICE_ERRORS["no_pin"]))
            return
        self.app.go("card_pin", purpose="session")

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.say("message", lambda: problem_text(self, exc))

    def demo_insert(self) -> None:
        """Demo only: the simulator "inserts" the demo Visa-like card."""
        reader = self.ctx.card_reader
        if isinstance(reader, SimulatorCardReader):
            reader.insert("visa")  # its CardInserted event brings the read (card_inserted)

    def reset(self) -> None:
        self.busy = False
        self.say("message", "")


class CardPinScreen(KioskScreen):
    """The PIN keypad. Its digits are shuffled every time it is shown (and after a wrong PIN)."""

    dots = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)
    keys = ListProperty([str(d) for d in range(10)])
    length = NumericProperty(0)
    masked = StringProperty("")

    def on_show(self, **params: Any) -> None:
        self.purpose = str(params.get("purpose", "session"))
        self._pin: list[str] = []
        self.length = 0
        self.dots = ""
        self.busy = False
        card = self.ctx.statements.card
        self.masked = card.masked if card is not None else ""
        self.shuffle()
        self.say("message", self._tries_text)

    def shuffle(self) -> None:
        self.keys = [str(d) for d in secrets.SystemRandom().sample(range(10), 10)]

    def _tries_text(self) -> str:
        card = self.ctx.statements.card
        if self.purpose == "unblock":
            return self._("To unblock the card, enter its PIN.")
        if card is not None and card.tries_left is not None:
            return self._("Tries left: {n}").format(n=card.tries_left)
        return ""

    def press(self, index: int) -> None:
        if self.busy or len(self._pin) >= 12:
            return
        self._pin.append(self.keys[index])
        self._show()

    def erase(self) -> None:
        if self._pin and not self.busy:
            self._pin.pop()
            self._show()

    def _show(self) -> None:
        self.length = len(self._pin)
        self.dots = "\u25cf " * self.length

    def confirm(self) -> None:
        if self.busy:
            return
        if len(self._pin) < 4:
            self.say("message", lambda: self._("A PIN has 4 to 12 digits."))
            return
        pin = "".join(self._pin)
        self._pin.clear()
        self._show()
        self.busy = True
        self.say("message", lambda: self._("Checking your PIN…"))
        statements, reader = self.ctx.statements, self.ctx.card_reader
        self.run(statements.verify_pin, reader, pin, on_done=self._checked, on_error=self._failed)
        del pin

    def _checked(self, result: Any) -> None:
        self.busy = False
        if result.ok:
            if self.purpose == "unblock":
                self.app.go("card_block", action="unblock", remember=False)
            else:
                self.app.go("card_menu", remember=False)
            return
        self.shuffle()
        if result.blocked:
            self.say("message", lambda: self._(SERVICE_ERRORS["pin_blocked"]))
        elif result.tries_left is not None:
            self.say("message", lambda: self._("Wrong PIN. Tries left: {n}").format(n=result.tries_left))
        else:
            self.say("message", lambda: self._("Wrong PIN. Please try again."))

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.shuffle()
        self.say("message", lambda: problem_text(self, exc))

    def reset(self) -> None:
        self.__dict__.get("_pin", []).clear()
        self.length = 0
        self.dots = ""
        self.busy = False
        self.say("message", "")


class CardMenuScreen(KioskScreen):
    """What an identified card can do: statement, balance, services, loss report; "finish" forgets it."""

    masked = StringProperty("")
    label = StringProperty("")

    def on_show(self, **params: Any) -> None:
        card = self.ctx.statements.card
        if card is None or not card.identified:
            self.app.go("card", remember=False)
            return
        self.masked, self.label = card.masked, card.label

    def finish(self) -> None:
        self.ctx.session.wipe("card session finished")  # the app goes home after every wipe

    def reset(self) -> None:
        self.masked = self.label = ""
