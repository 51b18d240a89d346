"""Appeals at the kiosk: choose a kind, fill the short form, take the receipt; or check a status.

The form files at once, offline too (the service numbers the appeal here); a printer failure
leaves the appeal standing and the screen shows the number. The language and the knowledge
search text come from the session and the params, never asked again.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from babel.dates import format_date, format_skeleton
from kivy.clock import Clock as KivyClock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.services.appeals import (
    AppealForm,
    AppealInvalid,
    AppealLookupRefused,
    AppealStatus,
    AppealsUnavailable,
    FiledAppeal,
)
from screens.base import KioskScreen
from service_common.i18n import N_, babel_locale, drawable, pick

KIND_TITLES = {
    "question": N_("Ask a question"),
    "application": N_("Make an application"),
    "complaint": N_("Make a complaint"),
    "feedback": N_("Leave feedback"),
}
KIND_NAMES = {
    "question": N_("Question"),
    "application": N_("Application"),
    "complaint": N_("Complaint"),
    "feedback": N_("Feedback"),
}
PROBLEMS = {
    "kind_unknown": N_("Choose what kind of appeal this is."),
    "name_missing": N_("Please enter your name."),
    "name_too_long": N_("The name is too long."),
    "contact_missing": N_(
        "Please give a phone number or an e-mail address: otherwise no answer can reach you."
    ),
    "phone_invalid": N_("Please check the phone number: 10 to 15 digits."),
    "email_invalid": N_("Please check the e-mail address."),
    "reply_phone": N_("An answer by SMS needs a phone number."),
    "reply_email": N_("An answer by e-mail needs an e-mail address."),
    "reply_unknown": N_("Choose how you want the answer."),
    "text_missing": N_("Please write your appeal."),
    "text_too_long": N_("The text is too long (at most 10,000 characters)."),
    "topic_too_long": N_("The topic is too long."),
    "concerns_too_long": N_("This field is too long."),
    "happened_future": N_("This date is in the future."),
    "happened_invalid": N_("Please write the date as day.month.year, e.g. 30.11.2026."),
}
STATUSES = {
    "registered": N_("Registered"),
    "needs_info": N_("We need more information from you"),
    "in_progress": N_("Being handled"),
    "extended": N_("Deadline extended"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
    "overdue": N_("Being handled, past its deadline"),
    "waiting": N_("Registered at this kiosk, waiting to be sent to the bank"),
    "refused": N_("Not accepted by the bank: please ask a consultant"),
}
LOOKUP_REFUSALS = {
    "not_found": N_("No appeal matches this number and these digits. Please check them."),
    "locked": N_("Too many wrong tries. Please try again in 15 minutes."),
    "invalid": N_("Please enter the last four digits of your phone number."),
}
# The same refusals when the visitor proves the appeal is theirs by the e-mail they gave.
EMAIL_REFUSALS = {
    "not_found": N_("No appeal matches this number and this e-mail address. Please check them."),
    "locked": LOOKUP_REFUSALS["locked"],
    "invalid": N_("Please enter the e-mail address you gave."),
}
UNAVAILABLE = N_("Appeals cannot be registered at this kiosk right now. Please ask a consultant.")
NO_LINK = N_("The bank cannot be reached right now. Please try again later.")
SOMETHING_WRONG = N_("Something went wrong. Please try again or ask a consultant.")


def parse_day(text: str) -> date | None:
    """ "30.11.2026", "30/11/2026" or "2026-11-30"; ValueError for anything else typed."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class AppealsScreen(KioskScreen):
    """The four kinds and "check a status"."""

    def choose(self, kind: str) -> None:
        self.app.go("appeal_form", kind=kind)


class AppealFormScreen(KioskScreen):
    kind = StringProperty("question")
    title = StringProperty("")
    message = StringProperty("")
    reply_by = StringProperty("")
    busy = BooleanProperty(False)
    _kb_query = ""

    def on_show(self, **params: Any) -> None:
        kind = str(params.get("kind") or "question")
        self.kind = kind if kind in KIND_TITLES else "question"
        self._kb_query = str(params.get("text") or "")
        self.title = self._(KIND_TITLES[self.kind])
        self.use_keyboard(
            {"name": None, "phone": "phone", "email": None, "topic": None, "text": None, "concerns": None,
             "happened_on": "phone"},
            self._keyboard_done,
        )  # fmt: skip
        if self._kb_query and not self.ids.text.text:
            self.ids.text.text = self._kb_query  # the search the visitor typed: never asked again
        self.say("message", "")
        self.busy = False
        self.ids.scroller.scroll_y = 1
        self.ids.name.focus = True

    def on_language(self, lang: str) -> None:
        self.title = self._(KIND_TITLES[self.kind])

    def _order(self) -> list[str]:
        order = ["name", "phone", "email", "topic", "text"]
        return [*order, "concerns", "happened_on"] if self.kind == "complaint" else order

    def _keyboard_done(self, _keyboard: object, target: object) -> None:
        order = self._order()
        for i, field_id in enumerate(order):
            if target is self.ids[field_id]:
                if i + 1 < len(order):
                    self.ids[order[i + 1]].focus = True
                    self._show(self.ids[order[i + 1]])
                else:
                    self.app.keyboard.detach()
                    self._show(self.ids.submit)
                return

    def keep_in_view(self, field: Any, focused: bool) -> None:
        if focused:
            self._show(field)

    def _show(self, widget: Any) -> None:
        KivyClock.schedule_once(
            lambda _dt: self.ids.scroller.scroll_to(widget, padding=40, animate=False), 0.05
        )

    def submit(self) -> None:
        if self.busy:
            return
        self.app.keyboard.detach()
        try:
            happened = parse_day(self.ids.happened_on.text) if self.kind == "complaint" else None
        except ValueError:
            self.say("message", lambda: self._(PROBLEMS["happened_invalid"]))
            return
        ids = self.ids
        form = AppealForm(
            kind=self.kind, name=ids.name.text, phone=ids.phone.text, email=ids.email.text,
            reply_by=self.reply_by, topic=ids.topic.text, text=ids.text.text,
            concerns=ids.concerns.text if self.kind == "complaint" else "", happened_on=happened,
            kb_query=self._kb_query,
        )  # fmt: skip
        self.busy = True
        self.say("message", "")
        lang = self.ctx.translator.lang
        self.run(self.ctx.appeals.submit, form, lang, on_done=self._filed, on_error=self._failed)

    def _filed(self, filed: FiledAppeal) -> None:
        self.busy = False
        self.reset()
        self.app.go("appeal_done", appeal=filed, remember=False)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, AppealInvalid):
            codes = list(exc.problems.values())
            self.say("message", lambda: "\n".join(self._(PROBLEMS.get(c, SOMETHING_WRONG)) for c in codes))
        elif isinstance(exc, AppealsUnavailable):
            self.say("message", lambda: self._(UNAVAILABLE))
        else:
            self.say("message", lambda: self._(SOMETHING_WRONG))
        self._show(self.ids.message_label)

    def reset(self) -> None:
        for field_id in ("name", "phone", "email", "topic", "text", "concerns", "happened_on"):
            self.ids[field_id].text = ""
        self.reply_by = ""
        self.message = ""


class AppealDoneScreen(KioskScreen):
    number = StringProperty("")
    kind_text = StringProperty("")
    deadline = StringProperty("")
    problem = StringProperty("")
    _appeal: FiledAppeal | None = None

    def on_show(self, **params: Any) -> None:
        self._appeal = params.get("appeal")
        self._render()

    def on_language(self, lang: str) -> None:
        self._render()

    def _render(self) -> None:
        appeal = self._appeal
        if appeal is None:
            return
        lang = self.ctx.translator.lang
        self.number = appeal.number
        self.kind_text = self._(KIND_NAMES.get(appeal.kind, KIND_NAMES["question"]))
        if appeal.deadline is None:
            self.deadline = self._("Thank you! Feedback needs no answer.")
        else:
            self.deadline = self._("Answer by {date}").format(
                date=drawable(format_date(appeal.deadline, "long", locale=babel_locale(lang)))
            )
        self.problem = (
            appeal.print_error.visitor_message(lang)
            + "\n"
            + self._("Please write down your registration number.")
            if appeal.print_error
            else ""
        )

    def reset(self) -> None:
        self._appeal = None
        self.number = self.kind_text = self.deadline = self.problem = ""


class AppealStatusScreen(KioskScreen):
    message = StringProperty("")
    details = StringProperty("")
    found = BooleanProperty(False)
    can_rate = BooleanProperty(False)
    busy = BooleanProperty(False)
    proof = StringProperty("phone")  # how the visitor shows the appeal is theirs: "phone" | "email"
    _status: AppealStatus | None = None
    _thanks = False

    def on_show(self, **params: Any) -> None:
        self.use_keyboard({"number": None, "last4": "phone", "email": None}, self._keyboard_done)
        if params.get("number"):
            self.ids.number.text = str(params["number"])
        if params.get("proof") in ("phone", "email"):
            self.proof = str(params["proof"])
        self._proof_field().focus = bool(self.ids.number.text)
        self.ids.number.focus = not self.ids.number.text

    def _proof_field(self) -> Any:
        return self.ids.email if self.proof == "email" else self.ids.last4

    def choose_proof(self, proof: str) -> None:
        """Switch between phone digits and e-mail; the message about the other one no longer applies."""
        if proof == self.proof:
            return
        self.proof = proof
        self.say("message", "")
        self._proof_field().focus = True

    def _credentials(self) -> dict[str, str]:
        if self.proof == "email":
            return {"email": self.ids.email.text.strip()}
        return {"phone_last4": self.ids.last4.text.strip()}

    def _keyboard_done(self, _keyboard: object, target: object) -> None:
        if target is self.ids.number:
            self._proof_field().focus = True
        else:
            self.app.keyboard.detach()
            self.find()

    def find(self) -> None:
        if self.busy:
            return
        self.app.keyboard.detach()
        self.busy = True
        self.say("message", "")
        lookup = partial(self.ctx.appeals.status, self.ids.number.text, **self._credentials())
        self.run(lookup, on_done=self._found, on_error=self._failed)

    def rate(self, answer: str) -> None:
        status = self._status
        if self.busy or status is None:
            return
        self.busy = True
        send = partial(self.ctx.appeals.rate, status.number, answer, **self._credentials())
        self.run(send, on_done=self._rated, on_error=self._failed)

    def _rated(self, status: AppealStatus | None) -> None:
        self.busy = False
        self._thanks = True
        if status is not None:
            self._status = status
        self.can_rate = False
        self._render()

    def _found(self, status: AppealStatus) -> None:
        self.busy = False
        self._status = status
        self._thanks = False
        self.found = True
        self.can_rate = status.can_rate
        self._render()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, AppealLookupRefused):
            words = EMAIL_REFUSALS if self.proof == "email" else LOOKUP_REFUSALS
            self.say("message", lambda: self._(words.get(exc.reason, words["not_found"])))
        elif isinstance(exc, AppealsUnavailable):
            self.say("message", lambda: self._(NO_LINK))
        else:
            self.say("message", lambda: self._(SOMETHING_WRONG))

    def on_language(self, lang: str) -> None:
        self._render()

    def _render(self) -> None:
        status = self._status
        if status is None:
            self.details = ""
            return
        lang = self.ctx.translator.lang
        locale = babel_locale(lang)
        lines = [f"{status.number}  ·  {self._(KIND_NAMES.get(status.kind, KIND_NAMES['question']))}",
                 self._(STATUSES.get(status.status, STATUSES["registered"]))]  # fmt: skip
        if status.deadline is not None:
            lines.append(
                self._("Answer by {date}").format(
                    date=drawable(format_date(status.deadline, "long", locale=locale))
                )
            )
        for entry in status.history:
            at = datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00")).astimezone(
                self.ctx.clock.now().tzinfo
            )
            note = pick(entry.get("note"), lang)
            label = self._(STATUSES.get(str(entry["status"]), STATUSES["registered"]))
            lines.append(
                f"• {drawable(format_skeleton('yMMMd', at, locale=locale))}: {label}"
                + (f" — {note}" if note else "")
            )
        if status.info_request:
            lines.append(self._("The bank asks: {request}").format(request=status.info_request))
        if status.answer:
            lines.append(self._("Answer: {text}").format(text=status.answer.get("text", "")))
            lines.append(self._("Answered by {name}, {contact}").format(
                name=status.answer.get("by_name", ""), contact=status.answer.get("by_contact", "")))  # fmt: skip
        if self._thanks:
            lines.append(self._("Thank you for your answer."))
        self.details = "\n".join(lines)

    def reset(self) -> None:
        self._status = None
        self.found = self.can_rate = self.busy = self._thanks = False
        self.message = self.details = ""
        self.ids.number.text = self.ids.last4.text = self.ids.email.text = ""
        self.proof = "phone"
