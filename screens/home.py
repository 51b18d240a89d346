"""The attract/home screen: four main choices, a secondary row, and the latest announcement."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from screens.base import KioskScreen
from service_common.i18n import N_, pick

# Feature key -> (icon key, title msgid, screen it opens when built).
FEATURES: dict[str, tuple[str, str, str]] = {
    "knowledge": ("search", N_("Find an answer"), "kb"),
    "ticket": ("ticket", N_("Take a queue ticket"), "ticket"),
    "appointment": ("calendar", N_("Book an appointment"), "appointments"),
    "appeal": ("appeal", N_("Questions and complaints"), "appeals"),
    "card": ("card", N_("Card services and statements"), "card"),
    "info": ("info", N_("Centers, hours, rates and news"), "info"),
}


def feature_title(key: str) -> str:
    return FEATURES[key][1] if key in FEATURES else key


class HomeScreen(KioskScreen):
    headline = StringProperty("")

    def choose(self, feature: str) -> None:
        _icon, _title, target = FEATURES[feature]
        if target == "coming_soon":
            self.app.go("coming_soon", feature=feature)
        else:
            self.app.go(target)

    def on_show(self, **params: Any) -> None:
        self.run(
            self.ctx.info.cached, f"announcements:{self.ctx.config.kiosk.center_id}", on_done=self._show_news
        )

    def on_language(self, lang: str) -> None:
        self.on_show()

    def _show_news(self, items: list[dict[str, Any]] | None) -> None:
        self.headline = pick(items[0].get("title"), self.ctx.translator.lang) if items else ""
