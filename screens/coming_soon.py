"""Shown for a choice that is not built yet, so no button on the kiosk is ever dead."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from screens.base import KioskScreen
from screens.home import FEATURES


class ComingSoonScreen(KioskScreen):
    feature = StringProperty("")

    def on_show(self, **params: Any) -> None:
        self.feature = str(params.get("feature", ""))


def feature_icon(key: str) -> str:
    return FEATURES[key][0] if key in FEATURES else "build"
