"""The statement (on screen, scrollable, with a period and filters, printable), balance, services, loss report.

Every answer comes from central through a worker; a missing connection is said plainly
(``SERVICE_ERRORS["offline"]``). The loss report shows the balance first and can be abandoned; the
block happens only on "Block the card", then its confirmation prints. Unblocking asks for the PIN again.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_skeleton
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from devices.receipts.statement import money, period_text
from kiosk.services.statements import (
    MAX_RANGE_DAYS,
    BlockView,
    CardServiceError,
    RangeProblem,
    StatementQuery,
    StatementView,
    date_range,
    day_digits,
)
from screens.base import KioskScreen
from screens.card import problem_text
from service_common.i18n import N_, babel_locale, drawable, pick

PERIODS = {
    "last10": N_("Last 10 operations"),
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "range": N_("Dates of your choice"),
}


def _row(what: str, amount: str) -> Any:
    row = Factory.StatementRow()  # kv-declared properties cannot be passed to the constructor
    row.what, row.amount = what, amount
    return row


class _CardView(KioskScreen):
    """Shared: leave for the PIN or the card screen when the session is not (or no longer) identified."""

    message = StringProperty("")
    busy = BooleanProperty(False)
    problem = BooleanProperty(False)  # the message is a problem (red), not news (accent)

    def say(self, prop: str, text: Any) -> None:
        if prop == "message":
            self.problem = False
        super().say(prop, text)

    def _identified(self) -> bool:
        card = self.ctx.statements.card
        if card is None or not card.identified:
            self.app.go("card", remember=False)
            return False
        return True

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, CardServiceError) and exc.reason == "pin_needed":
            self.app.go("card_pin", purpose="session", remember=False)
            return
        self.say("message", lambda: problem_text(self, exc))
        self.problem = True

    def _line(self, label: str, value: str) -> str:
        """ "Label: value" with the language's own colon (full-width in Chinese)."""
        return self._("{label}: {value}").format(label=label, value=value)

    def _amount(self, value: Decimal, currency: str = "", signed: bool = False) -> str:
        return money(value, currency, self.ctx.translator.lang, signed=signed)

    def reset(self) -> None:
        self.busy = False
        self.say("message", "")


RANGE_PROBLEMS: dict[str, str] = {
    "format": N_("Please type each date as day, month and year: 8 digits, for example 01092026."),
    "order": N_("The first date must not be after the last one."),
    "future": N_("The last date cannot be later than today."),
    "too_old": N_(
        "A statement at the kiosk covers the last 12 months. Please ask a consultant for older ones."
    ),
    "too_long": N_("A statement covers at most 3 months. Please choose a shorter period."),
}


class CardStatementScreen(_CardView):
    period = StringProperty("last10")
    summary = StringProperty("")
    has_statement = BooleanProperty(False)

    def on_show(self, **params: Any) -> None:
        if not self._identified():
            return
        self.use_keyboard(
            {"amount_min": "numeric", "amount_max": "numeric", "voucher": "numeric",
             "date_from": "numeric", "date_to": "numeric"},
            self._done,
        )  # fmt: skip
        for field in ("date_from", "date_to"):
            self.ids[field].unbind(text=self._as_date)
            self.ids[field].bind(text=self._as_date)
        self.show(self.period)

    def _as_date(self, field: Any, text: str) -> None:
        shown = day_digits(text)
        if shown != text:
            field.text = shown

    def choose_dates(self) -> None:
        """The last three months to start from; the visitor changes either date and presses Done."""
        if not self.ids.date_from.text:
            today = self.ctx.clock.now().date()
            start = today - timedelta(days=MAX_RANGE_DAYS - 1)
            self.ids.date_from.text = f"{start:%d%m%Y}"
            self.ids.date_to.text = f"{today:%d%m%Y}"
        self.show("range")

    def _done(self, _keyboard: object, _target: object) -> None:
        self.app.keyboard.detach()
        self.show(self.period)

    def _query(self, period: str) -> StatementQuery:
        today = self.ctx.clock.now().date()

        def number(field: str) -> Decimal | None:
            text = str(self.ids[field].text).strip().replace(",", ".")
            try:
                return Decimal(text) if text else None
            except InvalidOperation:
                return None

        start = end = None
        if period == "range":
            start, end = date_range(str(self.ids.date_from.text), str(self.ids.date_to.text), today)
        return StatementQuery(
            period=period,
            date_from=start,
            date_to=end,
            amount_min=number("amount_min"),
            amount_max=number("amount_max"),
            voucher=str(self.ids.voucher.text).strip(),
        )

    def show(self, period: str) -> None:
        if self.busy:
            return
        try:
            query = self._query(period)
        except RangeProblem as refused:
            self.period = period
            reason = refused.reason
            self.say("message", lambda: self._(RANGE_PROBLEMS[reason]))
            self.problem = True  # after say(), which resets it
            return
        self.period = period
        self.busy = True
        self.say("message", lambda: self._("Asking the bank…"))
        self.run(self.ctx.statements.statement, query, on_done=self._shown, on_error=self._failed)

    def _shown(self, view: StatementView) -> None:
        self.busy = False
        self._view = view
        self.has_statement = True
        self.say("message", "")
        self._render()

    def _render(self) -> None:
        view: StatementView | None = self.__dict__.get("_view")
        rows = self.ids.rows
        rows.clear_widgets()
        if view is None:
            self.summary = ""
            return
        lang = self.ctx.translator.lang
        locale = babel_locale(lang)
        self.summary = "\n".join(
            (
                self._line(self._("Period"), period_text(view.period_from, view.period_to, lang)),
                self._line(self._("Opening balance"), self._amount(view.opening, view.currency)),
                self._line(self._("Closing balance"), self._amount(view.closing, view.currency)),
            )
        )
        if not view.operations:
            rows.add_widget(_row(self._("No operations in this period"), ""))
        for op in reversed(view.operations):  # newest first on screen
            tz = op.at.tzinfo
            day = drawable(format_skeleton("MMMd", op.at, tzinfo=tz, locale=locale))
            when = f"{day} {format_skeleton('Hm', op.at, tzinfo=tz, locale=locale)}"
            rows.add_widget(
                _row(f"{when}  {op.description}  #{op.voucher}", self._amount(op.amount, signed=True))
            )

    def print_it(self) -> None:
        view: StatementView | None = self.__dict__.get("_view")
        if view is None or self.busy:
            return
        self.busy = True
        self.say("message", lambda: self._("Printing…"))
        lang = self.ctx.translator.lang
        self.run(
            self.ctx.statements.print_statement, view, lang, on_done=self._printed, on_error=self._failed
        )

    def _printed(self, _result: object) -> None:
        self.busy = False
        self.say("message", lambda: self._("Please take your statement."))

    def on_language(self, lang: str) -> None:
        self._render()

    def reset(self) -> None:
        super().reset()
        self.__dict__.pop("_view", None)
        self.has_statement = False
        self.summary = ""
        self.period = "last10"
        for field in ("amount_min", "amount_max", "voucher", "date_from", "date_to"):
            if field in self.ids:
                self.ids[field].text = ""
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()


class CardInfoScreen(_CardView):
    """The balance, or the services connected to the card (``mode``)."""

    mode = StringProperty("balance")
    title = StringProperty("")
    body = StringProperty("")

    def on_show(self, **params: Any) -> None:
        if not self._identified():
            return
        self.mode = str(params.get("mode", "balance"))
        self.say(
            "title", lambda: self._("Balance") if self.mode == "balance" else self._("Connected services")
        )
        self.body = ""
        self.busy = True
        self.say("message", lambda: self._("Asking the bank…"))
        call = self.ctx.statements.balance if self.mode == "balance" else self.ctx.statements.services
        self.run(call, on_done=self._shown, on_error=self._failed)

    def _shown(self, answer: Any) -> None:
        self.busy = False
        self.say("message", "")
        self._answer = answer
        self.say("body", self._text)

    def _text(self) -> str:
        answer = self.__dict__.get("_answer")
        if answer is None:
            return ""
        lang = self.ctx.translator.lang
        if self.mode == "balance":
            lines = [self._line(self._("Available"), self._amount(answer.available, answer.currency))]
            if answer.blocked:
                lines.append(self._("The card is temporarily blocked."))
            return "\n".join(lines)
        if not answer:
            return self._("No services are connected to this card.")
        locale = babel_locale(lang)
        return "\n".join(
            f"• {pick(s.name, lang)} ({self._('since')} {drawable(format_skeleton('yMMMd', s.since, locale=locale))})"
            for s in answer
        )

    def reset(self) -> None:
        super().reset()
        self.__dict__.pop("_answer", None)
        self.body = ""


class CardBlockScreen(_CardView):
    """Loss report: the balance before, then confirm or abandon; once blocked, the reference on paper."""

    stage = StringProperty("ask")  # ask | blocked | unblocked
    balance = StringProperty("")
    reference = StringProperty("")

    def on_show(self, **params: Any) -> None:
        if not self._identified():
            return
        self.busy = True
        self.say("message", lambda: self._("Asking the bank…"))
        if params.get("action") == "unblock":
            self.run(self.ctx.statements.unblock, on_done=self._unblocked, on_error=self._failed)
            return
        self.stage = "ask"
        self.run(self.ctx.statements.balance, on_done=self._balance, on_error=self._failed)

    def _balance(self, answer: Any) -> None:
        self.busy = False
        self.say("message", "")
        self.balance = self._amount(answer.available, answer.currency)
        if answer.blocked:
            self.reference = answer.block_reference or ""
            self.stage = "blocked"

    def confirm(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.say("message", lambda: self._("Blocking the card…"))
        lang = self.ctx.translator.lang
        statements = self.ctx.statements

        def block_and_print() -> tuple[BlockView, BaseException | None]:
            view = statements.block()
            try:
                statements.print_block(view, lang)
            except CardServiceError as exc:  # blocked all the same: the screen shows the reference
                return view, exc
            return view, None

        self.run(block_and_print, on_done=self._blocked, on_error=self._failed)

    def _blocked(self, answer: tuple[BlockView, BaseException | None]) -> None:
        view, problem = answer
        self.busy = False
        self.stage = "blocked"
        self.reference = view.reference
        self.balance = self._amount(view.balance_before, view.currency)
        if problem is not None:
            self.say("message", lambda: problem_text(self, problem))
            self.problem = True
        else:
            self.say("message", lambda: self._("Please take your confirmation."))

    def abandon(self) -> None:
        self.app.go("card_menu", remember=False)

    def unblock(self) -> None:
        self.app.go("card_pin", purpose="unblock")

    def _unblocked(self, _reference: str) -> None:
        self.busy = False
        self.stage = "unblocked"
        self.say("message", "")

    def reset(self) -> None:
        super().reset()
        self.stage = "ask"
        self.balance = self.reference = ""
