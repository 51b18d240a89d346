"""Python halves of the shared widgets declared in assets/kv/app.kv."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ColorProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import FadeTransition

from screens import theme as T


class Tile(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    icon = StringProperty("")
    text = StringProperty("")
    primary = BooleanProperty(True)
    bg_color = ColorProperty(T.PRIMARY)
    fg_color = ColorProperty(T.ON_PRIMARY)


class WideButton(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    icon = StringProperty("")
    text = StringProperty("")
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

    Kivy's shader transitions end with ``screen_in.pos = screen_out.pos`` and the manager does not
    move screens while a transition runs. When the navigation bar appears or goes with the screen
    change, the manager moves during the fade, and the new screen stayed at the old position:
    shifted by the bar's height, its bottom buttons under the bar (seen in a real X window).
    """

    def on_complete(self) -> None:
        super().on_complete()
        manager = self.manager
        if manager is not None:
            self.screen_in.pos = manager.pos
