"""Python halves of the shared widgets declared in assets/kv/app.kv."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import FadeTransition

from screens import theme as T
from screens.linebreak import has_cjk, wrap


class WrapLabel(Label):  # type: ignore[misc]
    """A Label that breaks Chinese lines where Chinese allows (see screens/linebreak.py).

    Kivy breaks only at spaces and cuts a longer run anywhere, which for Chinese means before
    "，" or inside "週五". Text without CJK characters is left to Kivy (it breaks at spaces only,
    so Russian words are never split unless a single word is wider than the line).
    """

    def texture_update(self, *largs: Any) -> None:
        core = self._label
        if not self.markup:
            text = self.text
            width = self.text_size[0]
            if width and not self.shorten and has_cjk(text):
                pad = self.padding[0] + self.padding[2]
                text = wrap(text, width - pad, lambda s: core.get_extents(s)[0])
            core.text = text
        super().texture_update(*largs)


class FitLabel(WrapLabel):
    """One line that shrinks its font (down to ``min_font_size``) rather than be cut: the header's
    center name ("Центральный офис обслуживания") was shortened on every portrait screen."""

    base_font_size = NumericProperty(38)
    min_font_size = NumericProperty(26)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("text", self._fit)
        self.fbind("width", self._fit)
        self.fbind("base_font_size", self._fit)
        self.fbind("bold", self._fit)
        self._fit()

    def _fit(self, *_args: Any) -> None:
        from kivy.core.text import Label as CoreLabel

        if not self.text or self.width <= 1:
            self.font_size = self.base_font_size
            return
        probe = CoreLabel(font_size=self.base_font_size, font_name=self.font_name, bold=self.bold)
        needed = probe.get_extents(self.text)[0] + self.padding[0] + self.padding[2]
        scale = min(1.0, (self.width - 2) / max(1.0, needed))
        self.font_size = max(self.min_font_size, self.base_font_size * scale)


# Every ``Label:`` in the kv files is a WrapLabel: one place, no kv file to keep in step.
Factory.unregister("Label")
Factory.register("Label", cls=WrapLabel)


class Tile(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    icon = StringProperty("")
    text = StringProperty("")
    primary = BooleanProperty(True)
    bg_color = ColorProperty(T.PRIMARY)
    fg_color = ColorProperty(T.ON_PRIMARY)


class WideButton(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    """``shown: False`` hides it and frees its place. A ``height: ... else 0`` of one's own lost to
    the class rule's height whenever the label redrew: book_time's hidden "Take a queue ticket
    instead" kept 200 px and left one row of times in landscape."""

    icon = StringProperty("")
    text = StringProperty("")
    shown = BooleanProperty(True)
    min_height = NumericProperty(150)  # design pixels
    bg_color = ColorProperty(T.SURFACE)
    fg_color = ColorProperty(T.PRIMARY)


class LangButton(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    text = StringProperty("")
    lang = StringProperty("")
    active = BooleanProperty(False)


class Header(BoxLayout):  # type: ignore[misc]
    center_name = StringProperty("")
    clock_text = StringProperty("")
    offline = BooleanProperty(False)


class NavBar(BoxLayout):  # type: ignore[misc]
    visible = BooleanProperty(False)


class KioskRoot(BoxLayout):  # type: ignore[misc]
    pass


class Notice(BoxLayout):  # type: ignore[misc]
    text = StringProperty("")
    icon = StringProperty(T.ICONS["cloud_off"])
    tone = ColorProperty(T.WARN)


class ServiceButton(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    icon = StringProperty("ticket")  # a key of theme.ICONS
    text = StringProperty("")
    hint = StringProperty("")
    service_id = StringProperty("")


class SteadyFadeTransition(FadeTransition):  # type: ignore[misc]
    """A fade that leaves the new screen where the manager is *now*.

    Kivy's shader transitions end with ``screen_in.pos = screen_out.pos`` and the manager neither
    moves nor resizes screens while a transition runs. When the navigation bar appears or goes with the screen
    change, the manager moves during the fade, and the new screen stayed at the old position:
    shifted by the bar's height, its bottom buttons under the bar (seen in a real X window).
    """

    def on_complete(self) -> None:
        super().on_complete()
        manager = self.manager
        if manager is not None:
            # Nor are screens resized during a fade: the keyboard coming up with a focused
            # field left the screen as tall as before, its field under the keyboard.
            self.screen_in.pos = manager.pos
            self.screen_in.size = manager.size
