"""Public information without identification: centers and hours, rates, announcements.

Each list screen shows the cached copy at once and then whatever central answers, with a
notice when the data is an offline copy, so the visitor never stares at a spinner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from kiosk.i18n import Translator, pick
from kiosk.services.info import InfoUnavailable, Snapshot, opening_status
from screens import theme as T
from screens.base import KioskScreen
from screens.theme import theme


class InfoMenuScreen(KioskScreen):
    pass


def label(text: str, size: float = 38, bold: bool = False, color: tuple[float, ...] = T.INK) -> Widget:
    return Factory.KLabel(text=text, font_size=theme.u * size, bold=bold, color=color)


def row(left: str, right: str, size: float = 36, bold: bool = False) -> Widget:
    """Two columns on one line: a table row that stays legible at any width."""
    box = Factory.BoxLayout(size_hint_y=None, spacing=theme.u * 16)
    lhs = label(left, size, bold)
    rhs = label(right, size, bold)
    rhs.halign = "right"
    box.add_widget(lhs)
    box.add_widget(rhs)
    box.height = max(lhs.height, rhs.height, theme.u * size * 1.5)
    lhs.bind(height=lambda *_: setattr(box, "height", max(lhs.height, rhs.height)))
    rhs.bind(height=lambda *_: setattr(box, "height", max(lhs.height, rhs.height)))
    return box


class InfoListScreen(KioskScreen):
    """Base of the three information lists; subclasses say what to load and how to draw it."""

    notice = StringProperty("")
    key = ""

    def load(self) -> Snapshot[Any]:
        raise NotImplementedError

    def draw(self, data: Any, tr: Translator) -> list[Widget]:
        raise NotImplementedError

    def on_show(self, **params: Any) -> None:
        self._data: Any = None
        self.run(self.ctx.info.cached, self.key, on_done=self._show_cached)
        self.run(self.load, on_done=self._show_fresh, on_error=self._show_error)

    def _show_cached(self, data: Any) -> None:
        if data is not None and self._data is None:
            self._render(data)

    def _show_fresh(self, snap: Snapshot[Any]) -> None:
        self._render(snap.data)
        if snap.stale:
            self.notice = self._(
                "No connection to the bank right now. Showing information as of {when}."
            ).format(
                when=self.ctx.translator.datetime(snap.fetched_at.astimezone(self.ctx.clock.tz), "short")
            )
        else:
            self.notice = ""

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, InfoUnavailable):
            self.notice = self._(
                "This information is not available right now. A consultant will gladly help you."
            )
        else:
            self.notice = self._("Something went wrong. Please try again or ask a consultant.")

    def _render(self, data: Any) -> None:
        self._data = data
        box = self.ids.page.ids.list_box
        box.clear_widgets()
        for widget in self.draw(data, self.ctx.translator):
            box.add_widget(widget)

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name and self._data is not None:
            self._render(self._data)

    def reset(self) -> None:
        self.notice = ""
        self._data = None
        if "page" in self.ids:
            self.ids.page.ids.list_box.clear_widgets()


class InfoCentersScreen(InfoListScreen):
    key = "centers"

    def load(self) -> Snapshot[Any]:
        return self.ctx.info.centers()

    def draw(self, data: list[dict[str, Any]], tr: Translator) -> list[Widget]:
        own = self.ctx.config.kiosk.center_id
        centers = sorted(data, key=lambda c: c.get("id") != own)
        cards: list[Widget] = []
        for center in centers:
            card = Factory.Card()
            title = pick(center.get("name"), tr.lang)
            if center.get("id") == own:
                title += "  ·  " + tr.gettext("you are here")
            card.add_widget(label(title, 42, bold=True, color=T.PRIMARY))
            card.add_widget(label(pick(center.get("address"), tr.lang), 36))
            if center.get("phone"):
                card.add_widget(
                    label(tr.gettext("Phone: {phone}").format(phone=center["phone"]), 34, color=T.INK_SOFT)
                )
            card.add_widget(label(self._status_text(center, tr), 36, bold=True, color=T.ACCENT))
            for weekday in range(7):
                card.add_widget(row(tr.weekday(weekday).capitalize(), _hours_text(center, weekday, tr), 32))
            breaks = _breaks_text(center, tr)
            if breaks:
                card.add_widget(label(breaks, 32, color=T.INK_SOFT))
            cards.append(card)
        return cards

    def _status_text(self, center: dict[str, Any], tr: Translator) -> str:
        tz = center.get("timezone")
        now = self.ctx.clock.now()
        if tz:
            from zoneinfo import ZoneInfo

            now = now.astimezone(ZoneInfo(tz))
        status = opening_status(center, now)
        if status.open_now and status.until is not None:
            return tr.gettext("Open now, until {time}").format(time=status.until.strftime("%H:%M"))
        if status.next_open is not None:
            return tr.gettext("Closed now. Opens {day} at {time}").format(
                day=_day_name(status.next_open, now, tr), time=status.next_open.strftime("%H:%M")
            )
        return tr.gettext("Closed")


def _day_name(when: datetime, now: datetime, tr: Translator) -> str:
    delta = (when.date() - now.date()).days
    if delta == 0:
        return tr.gettext("today")
    if delta == 1:
        return tr.gettext("tomorrow")
    return tr.weekday(when.weekday())


def _hours_text(center: dict[str, Any], weekday: int, tr: Translator) -> str:
    rows = [r for r in center.get("hours", []) if r.get("weekday") == weekday]
    if not rows:
        return tr.gettext("closed")
    return ", ".join(f"{r['opens']}–{r['closes']}" for r in rows)


def _breaks_text(center: dict[str, Any], tr: Translator) -> str:
    """Lunch breaks in one line under the week, so the hours table keeps one line per day."""
    breaks = sorted(
        {
            (r["break_start"], r["break_end"])
            for r in center.get("hours", [])
            if r.get("break_start") and r.get("break_end")
        }
    )
    return "; ".join(tr.gettext("Break {start}–{end}").format(start=start, end=end) for start, end in breaks)


class InfoRatesScreen(InfoListScreen):
    key = "rates"

    def load(self) -> Snapshot[Any]:
        return self.ctx.info.rates()

    def draw(self, data: dict[str, Any], tr: Translator) -> list[Widget]:
        exchange = Factory.Card()
        exchange.add_widget(label(tr.gettext("Currency exchange"), 42, bold=True, color=T.PRIMARY))
        exchange.add_widget(
            row(tr.gettext("Currency"), tr.gettext("We buy") + "   /   " + tr.gettext("We sell"), 32, True)
        )
        as_of = ""
        for rate in data.get("exchange", []):
            exchange.add_widget(
                row(
                    rate["currency"],
                    f"{tr.number(rate['buy'], '#,##0.00')}   /   {tr.number(rate['sell'], '#,##0.00')}",
                    38,
                )
            )
            as_of = rate.get("as_of") or as_of
        if as_of:
            stamp = datetime.fromisoformat(as_of).astimezone(self.ctx.clock.tz)
            exchange.add_widget(
                label(
                    tr.gettext("Rates as of {when}").format(when=tr.datetime(stamp, "short")),
                    30,
                    color=T.INK_SOFT,
                )
            )
        interest = Factory.Card()
        interest.add_widget(label(tr.gettext("Deposit and loan rates"), 42, bold=True, color=T.PRIMARY))
        for rate in data.get("interest", []):
            months = int(rate["term_months"])
            term = tr.ngettext("{n} month", "{n} months", months).format(n=months)
            interest.add_widget(
                row(
                    f"{pick(rate['product'], tr.lang)}, {term}",
                    tr.number(rate["rate_percent"], "0.00") + " %",
                    36,
                )
            )
        return [exchange, interest]


class InfoNewsScreen(InfoListScreen):
    @property
    def key(self) -> str:  # type: ignore[override]
        return f"announcements:{self.ctx.config.kiosk.center_id}"

    def load(self) -> Snapshot[Any]:
        return self.ctx.info.announcements()

    def draw(self, data: list[dict[str, Any]], tr: Translator) -> list[Widget]:
        if not data:
            return [label(tr.gettext("No announcements at the moment."), 38, color=T.INK_SOFT)]
        cards: list[Widget] = []
        for item in data:
            card = Factory.Card()
            published = datetime.fromisoformat(item["published_at"]).astimezone(self.ctx.clock.tz)
            card.add_widget(label(tr.date(published.date(), "long"), 30, color=T.INK_SOFT))
            card.add_widget(label(pick(item.get("title"), tr.lang), 42, bold=True, color=T.PRIMARY))
            card.add_widget(label(pick(item.get("body"), tr.lang), 36))
            cards.append(card)
        return cards
