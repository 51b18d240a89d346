"""Docked on-screen keyboard for finger use at the kiosk (its layouts and geometry: ``keyboard_layout``).

Kivy's own VKeyboard has no Russian layout and takes half of a landscape screen, so the kiosk
ships its own: ЙЦУКЕН and QWERTY letter pages with a digits row, a symbols page, and a big 3x4
keypad for phone numbers, codes and PINs. Layouts are data (``assets/keyboards/*.json``) so a
translator can fix a key without touching code.

The app owns placement: put the widget at the bottom of the window (its ``height`` follows the
window size) and either call :meth:`OnScreenKeyboard.attach` itself or let
:meth:`OnScreenKeyboard.watch` attach it whenever a TextInput gets focus.

Typed characters are never logged: PINs and personal data pass through here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.properties import (
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior, FocusBehavior
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label

from screens.keyboard_layout import (
    KEYBOARDS_DIR,
    NUMERIC_LAYOUT,
    PHONE_LAYOUT,
    KeyboardLayout,
    KeySpec,
    key_rects,
    keyboard_height,
    load_layouts,
)
from service_common.paths import ASSETS

log = logging.getLogger(__name__)

ASSETS_DIR = ASSETS  # a checkout's assets/ or the installed copy (service_common.paths)
TEXT_FONT_FILE = ASSETS_DIR / "fonts" / "KioskSans-Regular.otf"
TEXT_FONT_BOLD_FILE = ASSETS_DIR / "fonts" / "KioskSans-Bold.otf"
ICON_FONT_FILE = ASSETS_DIR / "fonts" / "MaterialIcons-Regular.ttf"
TEXT_FONT = "KioskSans"
ICON_FONT = "KioskKeyboardIcons"
FALLBACK_FONT = "Roboto"

_ICONS = {"backspace": "\ue14a", "shift": "\ue5d8", "caps": "\ue318"}
_ICON_FALLBACKS = {"backspace": "←", "shift": "⇧", "caps": "⇪"}

# Font sizes keys use (pixels): the type scale of screens/theme.py at 1080 pixels, and two below it.
_FONT_STEPS = (20, 26, 32, 38, 44, 58, 76)

# Colours as RGBA floats, from the app palette (screens/theme.py) without importing it, since that
# module touches the Window on import. Dark tray, white character keys, grey function keys, the
# bank's primary blue for the action key: contrast stays high under bright hall lighting.
_TRAY = (0.122, 0.161, 0.2, 1.0)
_INK = (0.07, 0.08, 0.1, 1.0)
_INK_LIGHT = (1.0, 1.0, 1.0, 1.0)
_INK_HINT = (0.36, 0.4, 0.45, 1.0)
_FACE_CHAR = (1.0, 1.0, 1.0, 1.0)
_FACE_FUNC = (0.78, 0.81, 0.86, 1.0)
_FACE_ACTION = (0.043, 0.302, 0.573, 1.0)
_FACE_ACTIVE = (0.98, 0.75, 0.18, 1.0)
_FACE_DOWN = (0.043, 0.302, 0.573, 1.0)
_FACE_ACTION_DOWN = (0.027, 0.2, 0.4, 1.0)
_SHADOW = (0.0, 0.0, 0.0, 0.45)

BACKSPACE_REPEAT_DELAY = 0.5
BACKSPACE_REPEAT_INTERVAL = 0.09


_fonts: dict[str, str] = {}


def _register_fonts() -> tuple[str, str | None]:
    """Register the kiosk fonts once; fall back to Kivy's Roboto (it has Cyrillic) if they are missing."""
    if not _fonts:
        _fonts["text"] = FALLBACK_FONT
        if TEXT_FONT_FILE.is_file():
            bold = str(TEXT_FONT_BOLD_FILE) if TEXT_FONT_BOLD_FILE.is_file() else None
            LabelBase.register(name=TEXT_FONT, fn_regular=str(TEXT_FONT_FILE), fn_bold=bold)
            _fonts["text"] = TEXT_FONT
        else:
            log.warning("keyboard font %s missing, using %s", TEXT_FONT_FILE, FALLBACK_FONT)
        if ICON_FONT_FILE.is_file():
            LabelBase.register(name=ICON_FONT, fn_regular=str(ICON_FONT_FILE))
            _fonts["icons"] = ICON_FONT
    return _fonts["text"], _fonts.get("icons")


class KeyButton(ButtonBehavior, Label):  # type: ignore[misc]
    """A rounded key that sinks and turns blue while pressed, so a finger sees its tap land."""

    face = ListProperty(list(_FACE_CHAR))
    face_down = ListProperty(list(_FACE_DOWN))
    ink = ListProperty(list(_INK))
    ink_down = ListProperty(list(_INK_LIGHT))
    radius = NumericProperty(12)

    def __init__(self, spec: KeySpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)
        self.halign = "center"
        self.valign = "middle"
        with self.canvas.before:
            self._shadow_color = Color(rgba=_SHADOW)
            self._shadow = RoundedRectangle()
            self._face_color = Color(rgba=self.face)
            self._face = RoundedRectangle()
        for prop in ("pos", "size", "state", "face", "face_down", "ink", "ink_down", "radius"):
            self.fbind(prop, self._redraw)
        self._redraw()

    def _redraw(self, *_: Any) -> None:
        down = self.state == "down"
        drop = max(2.0, self.height * 0.035)
        r = [self.radius] * 4
        self._shadow.pos = (self.x, self.y - drop)
        self._shadow.size = self.size
        self._shadow.radius = r
        self._shadow_color.a = 0.0 if down else _SHADOW[3]
        # Pressed keys move down onto their shadow: reads as a physical press.
        self._face.pos = (self.x, self.y - drop) if down else self.pos
        self._face.size = self.size
        self._face.radius = r
        self._face_color.rgba = self.face_down if down else self.face
        self.color = self.ink_down if down else self.ink


def _identity(widget: Any) -> int:
    """One key for a widget and the weak proxy kv's ``ids`` hand out for it.

    Keyed by ``id(textinput)``, a field registered through ``self.ids`` (a proxy) was never found
    when the field itself gained focus: the phone field came up with the letter keyboard.
    """
    return id(getattr(widget, "proxy_ref", widget))


class OnScreenKeyboard(FloatLayout):  # type: ignore[misc]
    """Docked kiosk keyboard typing into one TextInput at a time.

    Dock it at the bottom of the window; ``height`` tracks the window (32 % of a portrait screen,
    45 % of a landscape one) and ``size_hint_y`` is ``None``. Fires ``on_done(target)`` when the
    visitor taps the done key, after detaching from that target.
    """

    mode = OptionProperty("text", options=["text", "numeric", "phone"])
    layouts = ListProperty(["ru", "en"])
    layout = StringProperty("ru")
    page = StringProperty("main")
    shift_state = OptionProperty("off", options=["off", "shift", "caps"])
    target = ObjectProperty(None, allownone=True)
    done_label = StringProperty("")
    portrait_fraction = NumericProperty(0.32)
    landscape_fraction = NumericProperty(0.45)

    __events__ = ("on_done",)

    def __init__(self, layout_dir: Path | None = None, **kwargs: Any) -> None:
        from kivy.core.window import Window  # imported late: the app configures the window first

        self._window = Window
        self._text_font, self._icon_font = _register_fonts()
        self._layout_data = load_layouts(layout_dir or KEYBOARDS_DIR)
        self._rows: list[list[tuple[KeySpec, KeyButton | None]]] = []
        self._watched: dict[int, tuple[Any, str | None]] = {}
        self._repeat_event: Any = None
        self._font_sizes = (40, 28, 44)
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        with self.canvas.before:
            Color(rgba=_TRAY)
            self._tray = Rectangle()
        Window.bind(size=self._on_window_size)
        self.fbind("portrait_fraction", self._on_window_size)
        self.fbind("landscape_fraction", self._on_window_size)
        self.fbind("pos", self._relayout)
        self.fbind("size", self._relayout)
        for prop in ("mode", "layout", "page", "layouts"):
            self.fbind(prop, self._rebuild)
        self.fbind("shift_state", self._refresh_labels)
        self.fbind("done_label", self._refresh_labels)
        self._on_window_size()
        self._rebuild()

    # ----------------------------------------------------------------- target handling

    def attach(self, target: Any, mode: str | None = None) -> None:
        """Type into ``target`` from now on; ``mode`` defaults to what the TextInput asks for."""
        if target is self.target and (mode is None or mode == self.mode):
            return
        if self.target is not None:
            self.detach()
        self.mode = mode or self.mode_for(target)
        self.page = "main"
        self.shift_state = "off"
        self.target = target
        # Keep the caret visible: the keyboard's own touches are excluded from unfocusing.
        if isinstance(target, FocusBehavior) and not target.focus:
            target.focus = True

    def detach(self) -> None:
        """Stop typing and drop focus, so tapping the same field again re-attaches the keyboard."""
        self._stop_repeat()
        target, self.target = self.target, None
        if isinstance(target, FocusBehavior) and target.focus:
            target.focus = False

    @staticmethod
    def mode_for(target: Any) -> str:
        """Digit-only fields (``input_filter='int'``, ``input_type`` number/tel) get the keypad."""
        if getattr(target, "input_filter", None) == "int":
            return "numeric"
        if getattr(target, "input_type", None) == "tel":
            return "phone"
        if getattr(target, "input_type", None) == "number":
            return "numeric"
        return "text"

    def watch(self, textinput: Any, mode: str | None = None) -> None:
        """Attach whenever ``textinput`` gains focus and detach when it loses it."""
        self._watched[_identity(textinput)] = (textinput, mode)
        textinput.fbind("focus", self._on_watched_focus)

    def unwatch(self, textinput: Any) -> None:
        """Undo :meth:`watch`, e.g. when a screen with its fields is thrown away."""
        if self._watched.pop(_identity(textinput), None) is not None:
            textinput.funbind("focus", self._on_watched_focus)
        if self.target is not None and _identity(self.target) == _identity(textinput):
            self.detach()

    def _on_watched_focus(self, textinput: Any, focused: bool) -> None:
        if focused:
            _, mode = self._watched.get(_identity(textinput), (textinput, None))
            self.attach(textinput, mode)
        elif self.target is textinput:
            self.detach()

    def on_done(self, target: Any) -> None:
        """Default handler: the app binds ``on_done`` to move on (submit, next field)."""

    # ----------------------------------------------------------------- typing

    def find_key(self, kind: str, value: str = "") -> KeyButton | None:
        """The key widget on the current page, e.g. for tests or to highlight it in a tutorial."""
        for spec, key in self._iter_keys():
            if spec.kind == kind and (not value or spec.value == value):
                return key
        return None

    def press(self, spec: KeySpec) -> None:
        """Act on a key as if it was tapped (the key widgets call this on release)."""
        kind = spec.kind
        if kind == "char":
            self._type(self._shifted(spec.value))
        elif kind == "space":
            self._type(" ")
        elif kind == "backspace":
            self._backspace()
        elif kind == "shift":
            self.shift_state = {"off": "shift", "shift": "caps", "caps": "off"}[self.shift_state]
        elif kind == "layout":
            self.shift_state = "off"
            self.page = "main"
            self.layout = self._next_layout()
        elif kind == "page":
            self.shift_state = "off"
            self.page = spec.page
        elif kind == "done":
            target = self.target
            self.detach()
            self.dispatch("on_done", target)

    def _shifted(self, char: str) -> str:
        return char.upper() if self.shift_state != "off" else char

    def _type(self, text: str) -> None:
        target = self.target
        if target is None or getattr(target, "readonly", False):
            return
        if getattr(target, "selection_text", ""):
            target.delete_selection()
        max_length = getattr(target, "max_length", None)
        if isinstance(max_length, int | float) and max_length > 0 and len(target.text) >= max_length:
            return
        target.insert_text(text)
        if self.shift_state == "shift":
            self.shift_state = "off"

    def _backspace(self, *_: Any) -> None:
        target = self.target
        if target is None:
            return
        if getattr(target, "selection_text", ""):
            target.delete_selection()
        else:
            target.do_backspace()

    def _start_repeat(self, *_: Any) -> None:
        self._stop_repeat()
        self._repeat_event = Clock.schedule_interval(self._backspace, BACKSPACE_REPEAT_INTERVAL)

    def _stop_repeat(self) -> None:
        if self._repeat_event is not None:
            self._repeat_event.cancel()
            self._repeat_event = None

    def _on_key_press(self, key: KeyButton) -> None:
        # Backspace acts on press and repeats while held; everything else types on release, so a
        # finger that slides off a key cancels it.
        if key.spec.kind == "backspace":
            self._backspace()
            self._stop_repeat()
            self._repeat_event = Clock.schedule_once(self._start_repeat, BACKSPACE_REPEAT_DELAY)

    def _on_key_release(self, key: KeyButton) -> None:
        if key.spec.kind != "backspace":
            self.press(key.spec)

    def _on_key_state(self, key: KeyButton, state: str) -> None:
        if state == "normal" and key.spec.kind == "backspace":
            self._stop_repeat()

    def on_touch_down(self, touch: Any) -> bool:
        """Swallow touches on the tray and keep them from unfocusing the target TextInput.

        A keyboard hidden with ``opacity = 0`` lets touches through to whatever is underneath.
        """
        if self.opacity == 0 or self.disabled or not self.collide_point(*touch.pos):
            return False  # keys all lie inside the tray: nothing of ours can want this touch
        FocusBehavior.ignored_touch.append(touch)
        super().on_touch_down(touch)
        return True

    # ----------------------------------------------------------------- building and layout

    def _current_layout(self) -> KeyboardLayout:
        name = {"numeric": NUMERIC_LAYOUT, "phone": PHONE_LAYOUT}.get(self.mode, self.layout)
        layout = self._layout_data.get(name)
        if layout is None:
            raise ValueError(f"unknown keyboard layout {name!r}; have {sorted(self._layout_data)}")
        return layout

    def _text_layouts(self) -> list[str]:
        keypads = (NUMERIC_LAYOUT, PHONE_LAYOUT)
        return [name for name in self.layouts if name in self._layout_data and name not in keypads]

    def _next_layout(self) -> str:
        names = self._text_layouts()
        if not names:
            return str(self.layout)
        if self.layout not in names:
            return names[0]
        return names[(names.index(self.layout) + 1) % len(names)]

    def _iter_keys(self) -> Iterator[tuple[KeySpec, KeyButton]]:
        for row in self._rows:
            for spec, key in row:
                if key is not None:
                    yield spec, key

    def _page_rows(self) -> tuple[tuple[KeySpec, ...], ...]:
        layout = self._current_layout()
        rows = layout.pages.get(self.page) or layout.pages["main"]
        if len(self._text_layouts()) > 1:
            return rows
        # A single layout needs no switch key: give its room to the space bar.
        fixed: list[tuple[KeySpec, ...]] = []
        for row in rows:
            spare = sum(s.width for s in row if s.kind == "layout")
            kept = [s for s in row if s.kind != "layout"]
            if spare:
                kept = [
                    KeySpec(s.kind, s.value, s.width + spare, s.label, s.page) if s.kind == "space" else s
                    for s in kept
                ]
            fixed.append(tuple(kept))
        return tuple(fixed)

    def _rebuild(self, *_: Any) -> None:
        self._stop_repeat()
        self.clear_widgets()
        self._rows = []
        for row in self._page_rows():
            built: list[tuple[KeySpec, KeyButton | None]] = []
            for spec in row:
                key = None
                if spec.kind != "spacer":
                    key = KeyButton(spec, size_hint=(None, None), font_name=self._text_font)
                    key.fbind("on_press", self._on_key_press)
                    key.fbind("on_release", self._on_key_release)
                    key.fbind("state", self._on_key_state)
                    self.add_widget(key)
                built.append((spec, key))
            self._rows.append(built)
        self._refresh_labels()
        self._relayout()

    def _on_window_size(self, *_: Any) -> None:
        width, height = self._window.size
        self.height = keyboard_height(width, height, self.portrait_fraction, self.landscape_fraction)

    def _relayout(self, *_: Any) -> None:
        self._tray.pos = self.pos
        self._tray.size = self.size
        if not self._rows or self.width <= 0 or self.height <= 0:
            return
        short_side = min(self._window.size)
        gap = max(4.0, round(short_side * 0.007))
        widths = [[spec.width for spec, _ in row] for row in self._rows]
        rects = key_rects(
            widths, self.x, self.y, self.width, self.height, gap, gap, self._current_layout().max_key_aspect
        )
        row_h = rects[0][0][3]
        unit_w = min(
            r[2] / spec.width
            for row, rrow in zip(self._rows, rects, strict=True)
            for (spec, _), r in zip(row, rrow, strict=True)
        )
        char_size = round(min(row_h * 0.5, unit_w * 0.62))
        self._font_sizes = (char_size, round(char_size * 0.72), round(min(row_h * 0.5, unit_w * 0.8)))
        for row, rrow in zip(self._rows, rects, strict=True):
            for (_spec, key), (kx, ky, kw, kh) in zip(row, rrow, strict=True):
                if key is None:
                    continue
                key.pos = (kx, ky)
                key.size = (kw, kh)
                key.radius = round(min(kw, kh) * 0.14)
                key.text_size = (kw * 0.92, None)
        self._fit_fonts()

    @staticmethod
    def _step(size: float) -> int:
        """The largest font step not above ``size``: each distinct size opens one more font object
        (about 1.2 MiB of the interface font), and on a 1080-pixel panel these steps are the app's own.
        """
        return max((step for step in _FONT_STEPS if step <= size), default=max(8, round(size)))

    def _fit_fonts(self) -> None:
        """Words shrink to stay on one line, so an app-supplied done label like "Продолжить" fits."""
        char_size, word_size, icon_size = self._font_sizes
        for spec, key in self._iter_keys():
            if spec.kind == "char" and len(key.text) <= 1:
                key.font_size = self._step(char_size)
            elif spec.kind in ("backspace", "shift") and key.font_name == self._icon_font:
                # The caps-lock glyph sits small in its em box; enlarge it to match the arrow.
                key.font_size = round(icon_size * (1.3 if key.text == _ICONS["caps"] else 1.0))
            else:
                size = word_size * (0.85 if spec.kind == "space" else 1.0)
                # ~0.58 em per glyph is a safe average width for Latin and Cyrillic in this font.
                key.font_size = self._step(
                    max(8.0, min(size, key.width * 0.86 / (0.58 * max(len(key.text), 1))))
                )

    def _refresh_labels(self, *_: Any) -> None:
        layout = self._current_layout()
        text_layout = self._layout_data.get(self.layout, layout)
        next_name = self._next_layout()
        next_label = self._layout_data[next_name].label if next_name in self._layout_data else ""
        for spec, key in self._iter_keys():
            face, ink, text, font = _FACE_FUNC, _INK, spec.label, self._text_font
            face_down, ink_down = _FACE_DOWN, _INK_LIGHT
            if spec.kind == "char":
                face, text = _FACE_CHAR, spec.label or self._shifted(spec.value)
            elif spec.kind == "space":
                face, ink = _FACE_CHAR, _INK_HINT
                text = spec.label or text_layout.space_label
            elif spec.kind == "done":
                face, ink, face_down = _FACE_ACTION, _INK_LIGHT, _FACE_ACTION_DOWN
                text = self.done_label or spec.label or text_layout.done_label or "OK"
            elif spec.kind == "layout":
                text = spec.label or next_label
            elif spec.kind in ("backspace", "shift"):
                icon = "caps" if spec.kind == "shift" and self.shift_state == "caps" else spec.kind
                if spec.kind == "shift" and self.shift_state != "off":
                    face = _FACE_ACTIVE
                if not spec.label:
                    text = _ICONS[icon] if self._icon_font else _ICON_FALLBACKS[icon]
                    font = self._icon_font or self._text_font
            key.face, key.face_down = list(face), list(face_down)
            key.ink, key.ink_down = list(ink), list(ink_down)
            key.font_name = font
            key.text = text
        self._fit_fonts()
