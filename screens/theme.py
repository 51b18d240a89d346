"""Sizes and colours of the interface, scaled to the panel so one layout serves every kiosk.

``u`` is one design pixel: layouts are drawn for a 1080-pixel short side and scale from there.
Touch targets never go below ``MIN_TOUCH`` design pixels (about 15 mm on a 21.5" panel).
"""

from __future__ import annotations

from kivy.core.window import Window
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty

MIN_TOUCH = 120

# The type scale, in design pixels. Every distinct size opens another face of the 16 MB CJK
# font (about 2.5 MiB each), so text keeps to these steps: caption, body, emphasis, title,
# display, hero.
TYPE_SCALE = (32, 38, 44, 58, 76, 110)


def snap(size: float) -> int:
    """The step of the type scale nearest to ``size``."""
    return min(TYPE_SCALE, key=lambda step: (abs(step - size), step))


# A calm bank palette with WCAG AA contrast for text on each background.
BG = (0.957, 0.965, 0.973, 1)
SURFACE = (1, 1, 1, 1)
INK = (0.122, 0.161, 0.2, 1)
INK_SOFT = (0.36, 0.4, 0.45, 1)
PRIMARY = (0.043, 0.302, 0.573, 1)
PRIMARY_DARK = (0.027, 0.2, 0.4, 1)
ACCENT = (0.0, 0.49, 0.42, 1)
WARN = (0.72, 0.33, 0.0, 1)
ERROR = (0.7, 0.12, 0.12, 1)
CLOSED = (
    0.7,
    0.12,
    0.12,
    1,
)  # "closed now": red, not the green of "open now" (and an icon, not colour alone)
ON_PRIMARY = (1, 1, 1, 1)
DIVIDER = (0.85, 0.87, 0.9, 1)
# Text fields keep Kivy's own background image: its middle is this grey (238/255), lighter when focused.
FIELD = (238 / 255, 238 / 255, 238 / 255, 1)
# Placeholder text ("First and last name"): at least 4.5:1 against FIELD (Kivy's default grey gave 3.4:1).
PLACEHOLDER = (0.33, 0.36, 0.4, 1)

# Material icon code points (fonts-material-design-icons-iconfont, Apache-2.0).
ICONS = {
    "search": "\ue8b6",
    "ticket": "\ue638",
    "calendar": "\ue916",
    "appeal": "\ue560",
    "card": "\ue870",
    "info": "\ue88e",
    "back": "\ue5c4",
    "home": "\ue88a",
    "language": "\ue894",
    "place": "\ue55f",
    "schedule": "\ue8b5",
    "phone": "\ue0b0",
    "news": "\ue031",
    "rates": "\ue227",
    "cloud_off": "\ue2c1",
    "build": "\ue869",
    "hourglass": "\ue88b",
    "touch": "\ue913",
    "person": "\ue7fd",
    "print": "\ue8ad",
    "error": "\ue000",
    "check": "\ue86c",
    "closed": "\ue14b",  # block: a circle struck through
    "qr": "\uef6b",
    "qr_scan": "\uf206",
    "event": "\ue878",
    "event_ok": "\ue614",
    "event_edit": "\ue742",
    "cancel": "\ue5c9",
    "dialpad": "\ue0bc",
    "article": "\ue873",  # description
    "folder": "\ue2c7",
    "check_box": "\ue834",
    "check_box_blank": "\ue835",
}


def luminance(color: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour given as 0..1 floats."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    """WCAG contrast ratio (1 to 21): body text needs 4.5, large text 3."""
    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class Theme(EventDispatcher):  # type: ignore[misc]
    u = NumericProperty(1.0)
    landscape = BooleanProperty(False)

    def __init__(self) -> None:
        super().__init__()
        Window.bind(size=self._resize)
        self._resize(Window, Window.size)

    def _resize(self, _window: object, size: tuple[int, int]) -> None:
        width, height = size
        self.u = max(0.3, min(width, height) / 1080.0)
        self.landscape = width > height


theme = Theme()
