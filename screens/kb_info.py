"""The information sections (documents, guides, fees, contacts, offers) and "I'm interested".

They are knowledge articles of their own sections, synced from central like the answers. Each
level shows four choices or fewer, the most used first; an offer's "I'm interested" records a
lead only after the visitor's explicit consent.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.services.knowledge import LeadRefused
from offline_cache.knowledge import Article
from screens.base import KioskScreen
from screens.knowledge import entry_button
from service_common.i18n import N_

# Group key -> (title, sections in the order shown). The Info menu's fourth choice opens these four.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "guides": (N_("Step-by-step guides and frequent questions"), ("guides", "faq")),
    "fees": (N_("Tariffs, fees and benefits"), ("tariffs", "benefits")),
    "documents": (N_("Rules, regulator's documents and templates"), ("regulations", "templates")),
    "contacts": (N_("Hotline, consumer protection and offers"), ("contacts", "promotions")),
}

SECTION_TITLES: dict[str, str] = {
    "guides": N_("How to get a service, step by step"),
    "faq": N_("Answers to frequent questions"),
    "tariffs": N_("Tariffs and fees"),
    "benefits": N_("Benefits"),
    "regulations": N_("Rules and the regulator's documents"),
    "templates": N_("Document templates"),
    "contacts": N_("Hotline and consumer protection"),
    "promotions": N_("Offers"),
}

LEAD_REFUSALS: dict[str, str] = {
    "consent": N_("Please confirm that we may call you about this offer."),
    "name": N_("Please enter your name."),
    "phone": N_("Please check the phone number: 10 to 15 digits."),
}


class InfoMoreScreen(KioskScreen):
    """Four choices, each opening two sections."""

    def open(self, group: str) -> None:
        self.app.go("kb_section", group=group)


class KbSectionScreen(KioskScreen):
    title = StringProperty("")

    def on_show(self, **params: Any) -> None:
        self.params = params
        self.group = str(params.get("group", "guides"))
        title, sections = GROUPS.get(self.group, GROUPS["guides"])
        self.say("title", lambda: self._(title))
        lang = self.ctx.translator.lang
        self.run(self.ctx.knowledge.section, lang, sections, on_done=lambda arts: self._draw(sections, arts))

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self.on_show(**self.params)

    def _draw(self, sections: tuple[str, ...], articles: list[Article]) -> None:
        box = self.ids.list_box
        box.clear_widgets()
        for section in sections:
            mine = [a for a in articles if a.section == section]
            if not mine:
                continue
            box.add_widget(Factory.TopicHeading(text=self._(SECTION_TITLES[section])))
            for article in mine:
                box.add_widget(entry_button(article, self.open_article))
        if not articles:
            box.add_widget(
                Factory.KLabel(text=self._("This information is not loaded yet. Please ask a consultant."))
            )

    def open_article(self, article_id: str) -> None:
        self.app.go("kb_article", article_id=article_id)

    def on_leave(self, *_args: Any) -> None:
        self.ids.list_box.clear_widgets()


class KbLeadScreen(KioskScreen):
    """Name, phone and an explicit consent: nothing is recorded without the tick."""

    offer = StringProperty("")
    consent = BooleanProperty(False)
    message = StringProperty("")
    sent = BooleanProperty(False)

    def on_show(self, **params: Any) -> None:
        self.params = params
        self.article_id = str(params.get("article_id", ""))
        self.offer = str(params.get("title", ""))
        self.use_keyboard({"name": None, "phone": "phone"}, self._keyboard_done)
        self.sent = False
        self.say("message", "")

    def _keyboard_done(self, _keyboard: Any, target: Any) -> None:
        if target is self.ids.name:
            self.ids.phone.focus = True
        else:
            self.app.keyboard.detach()

    def toggle_consent(self) -> None:
        self.consent = not self.consent

    def send(self) -> None:
        lang = self.ctx.translator.lang
        name, phone = self.ids.name.text, self.ids.phone.text
        self.run(
            self.ctx.knowledge.lead, self.article_id, lang, name, phone, self.consent,
            on_done=self._done, on_error=self._refused,
        )  # fmt: skip

    def _done(self, _record_id: str) -> None:
        self.app.keyboard.detach()
        self.sent = True
        self.say("message", lambda: self._("Thank you. A bank employee will call you about this offer."))

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, LeadRefused):
            self.say("message", lambda: self._(LEAD_REFUSALS[exc.reason]))
        else:
            self.say("message", lambda: self._("Something went wrong. Please try again or ask a consultant."))

    def reset(self) -> None:
        self.consent = self.sent = False
        self.say("message", "")
        if "name" in self.ids:
            self.ids.name.text = self.ids.phone.text = ""
