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

from kiosk.services.info import InfoUnavailable, Snapshot, opening_status
from screens import theme as T
from screens.base import KioskScreen
from screens.theme import theme
from service_common.i18n import Translator, pick


class InfoMenuScreen(KioskScreen):
    pass


def label(text: str, size: float = 38, bold: bool = False, color: tuple[float, ...] = T.INK) -> Widget:
    return Factory.KLabel(text=text, font_size=theme.u * T.snap(size), bold=bold, color=color)


def _hex(color: tuple[float, ...]) -> str:
    return "".join(f"{round(c * 255):02x}" for c in color[:3])


def esc(text: str) -> str:
    """Central's text inside Kivy markup: brackets and ampersands must not start a tag."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


def block(
    *lines: tuple[str, float, bool, tuple[float, ...]] | tuple[str, float, bool, tuple[float, ...], str],
) -> Widget:
    """Several styled lines in one label: each label is a texture (about 1 MiB on llvmpipe),
    so a card is drawn with a handful of labels rather than one per line. A fifth item is an
    icon drawn before the line's text."""
    parts = []
    for text, size, bold, color, *icon in lines:
        if not text:
            continue
        mark = f"[font=Icons]{icon[0]}[/font] " if icon and icon[0] else ""
        piece = f"[size={round(theme.u * T.snap(size))}][color={_hex(color)}]{mark}{esc(text)}[/color][/size]"
        parts.append(f"[b]{piece}[/b]" if bold else piece)
    widget = label("\n".join(parts))
    widget.markup = True
    widget.line_height = 1.25
    return widget


def table(rows: list[tuple[str, str]], size: float = 38, bold_first: bool = False) -> Widget:
    """A two-column table drawn row by row: a product name that wraps makes its own row taller.

    It was two column labels lined up by line count: a wrapped name (or a Chinese line of another
    height) paired every later rate with the wrong product.
    """
    box = Factory.BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.u * 10)
    box.bind(minimum_height=box.setter("height"))
    for index, (left, right) in enumerate(rows):
        bold = bold_first and index == 0
        row = Factory.BoxLayout(size_hint_y=None, spacing=theme.u * 16)
        name, value = label(left, size, bold=bold), label(right, size, bold=bold)
        value.halign = "right"
        name.pos_hint = value.pos_hint = {"top": 1}  # a wrapped name: its rate on its first line
        row.add_widget(name)
        row.add_widget(value)

        def fit(*_args: object, row: Widget = row, name: Widget = name, value: Widget = value) -> None:
            row.height = max(name.height, value.height)

        name.bind(height=fit)
        value.bind(height=fit)
        fit()
        box.add_widget(row)
    return box


class InfoListScreen(KioskScreen):
    """Base of the three information lists; subclasses say what to load and how to draw it."""

    notice = StringProperty("")
    key = ""
    _data: Any = None

    def load(self) -> Snapshot[Any]:
        raise NotImplementedError

    def draw(self, data: Any, tr: Translator) -> list[Widget]:
        raise NotImplementedError

    def on_show(self, **params: Any) -> None:
        self._data = None
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

    def on_leave(self, *_args: Any) -> None:
        """Drop the rendered list (hundreds of label textures); coming back re-renders from the cache."""
        self.reset()

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
            phone = tr.gettext("Phone: {phone}").format(phone=center["phone"]) if center.get("phone") else ""
            card.add_widget(
                block(
                    (title, 44, True, T.PRIMARY),
                    (pick(center.get("address"), tr.lang), 38, False, T.INK),
                    (phone, 32, False, T.INK_SOFT),
                    opening_line(center, self.ctx.clock.now(), tr),
                )
            )
            week = [(tr.weekday(d).capitalize(), _hours_text(center, d, tr)) for d in range(7)]
            card.add_widget(table(week, 32))
            breaks = _breaks_text(center, tr)
            if breaks:
                card.add_widget(label(breaks, 32, color=T.INK_SOFT))
            cards.append(card)
        return cards


def opening_line(
    center: dict[str, Any], now: datetime, tr: Translator
) -> tuple[str, float, bool, tuple[float, ...], str]:
    """Open or closed as a line of a card: closed differs in words, colour and icon, never colour alone."""
    tz = center.get("timezone")
    if tz:
        from zoneinfo import ZoneInfo

        now = now.astimezone(ZoneInfo(tz))
    status = opening_status(center, now)
    if status.open_now and status.until is not None:
        text = tr.gettext("Open now, until {time}").format(time=status.until.strftime("%H:%M"))
        return text, 38, True, T.ACCENT, T.ICONS["check"]
    if status.next_open is not None:
        text = tr.gettext("Closed now. Opens {day} at {time}").format(
            day=_day_name(status.next_open, now, tr), time=status.next_open.strftime("%H:%M")
        )
    else:
        text = tr.gettext("Closed")
    return text, 38, True, T.CLOSED, T.ICONS["closed"]


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
        exchange.add_widget(label(tr.gettext("Currency exchange"), 44, bold=True, color=T.PRIMARY))
        rows = [(tr.gettext("Currency"), tr.gettext("We buy") + "  /  " + tr.gettext("We sell"))]
        as_of = ""
        for rate in data.get("exchange", []):
            buy, sell = tr.number(rate["buy"], "#,##0.00"), tr.number(rate["sell"], "#,##0.00")
            rows.append((rate["currency"], f"{buy}  /  {sell}"))
            as_of = rate.get("as_of") or as_of
        exchange.add_widget(table(rows, 38, bold_first=True))
        if as_of:
            stamp = datetime.fromisoformat(as_of).astimezone(self.ctx.clock.tz)
            when = tr.datetime(stamp, "short")
            exchange.add_widget(
                label(tr.gettext("Rates as of {when}").format(when=when), 32, color=T.INK_SOFT)
            )
        interest = Factory.Card()
        interest.add_widget(label(tr.gettext("Deposit and loan rates"), 44, bold=True, color=T.PRIMARY))
        rows = []
        for rate in data.get("interest", []):
            months = int(rate["term_months"])
            term = tr.ngettext("{n} month", "{n} months", months).format(n=months)
            rows.append(
                (f"{pick(rate['product'], tr.lang)}, {term}", tr.number(rate["rate_percent"], "0.00") + " %")
            )
        interest.add_widget(table(rows, 38))
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
            # One label per style, not one markup block: a markup label is wrapped by Kivy, which
            # started a Chinese line with "。" (WrapLabel breaks only plain text the Chinese way).
            card = Factory.Card(spacing=theme.u * 12)
            published = datetime.fromisoformat(item["published_at"]).astimezone(self.ctx.clock.tz)
            card.add_widget(label(tr.date(published.date(), "long"), 32, color=T.INK_SOFT))
            card.add_widget(label(pick(item.get("title"), tr.lang), 44, bold=True, color=T.PRIMARY))
            body = pick(item.get("body"), tr.lang)
            if body:
                card.add_widget(label(body, 38))
            cards.append(card)
        return cards
