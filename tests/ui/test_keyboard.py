"""The on-screen keyboard driven by real touches in an offscreen window.

Touches go through the Window (UnitTestTouch at key centres), so focus handling, hit testing and
layout are exercised the way a visitor's finger would.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)
# Set only in the child processes this module starts for a window size it cannot get in-process.
_CHILD_SIZE = os.environ.get("KIOSK_UI_WINDOW", "")
WINDOW_SIZE = LANDSCAPE if _CHILD_SIZE == "1920x1080" else PORTRAIT


def _configure_kivy_once() -> None:
    """Configure Kivy as the shared ``ui`` fixture does, before this module imports TextInput.

    Importing ``kivy.uix.textinput`` creates the process's only Window and ``kivy.core.text`` fixes
    the default font, so whoever gets here first must have set Config already.
    """
    if "kivy.core.window" in sys.modules or "kivy.core.text" in sys.modules:
        return
    from screens.bootstrap import WindowSpec, configure

    kivy_home = tempfile.mkdtemp(prefix="kiosk-kb-kivy-")
    atexit.register(shutil.rmtree, kivy_home, ignore_errors=True)
    configure(WindowSpec(*WINDOW_SIZE, headless=True), Path(kivy_home))


_configure_kivy_once()

from kivy.base import EventLoop  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.graphics import Color, Rectangle  # noqa: E402
from kivy.properties import NumericProperty  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.label import Label  # noqa: E402
from kivy.uix.textinput import TextInput  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

from screens.keyboard import KeyButton, OnScreenKeyboard  # noqa: E402
from screens.keyboard_layout import KEYBOARDS_DIR, key_rects, keyboard_height, load_layouts  # noqa: E402
from screens.launcher import save_window_png  # noqa: E402

pytestmark = pytest.mark.ui

# If another module created the Window before Config was set (e.g. by importing a screen at
# collection), it has Kivy's default size: the geometry tests then run in a child process instead.
ACTUAL_SIZE = tuple(Window.size)
needs_portrait = pytest.mark.skipif(
    ACTUAL_SIZE != PORTRAIT, reason=f"window is {ACTUAL_SIZE}, not {PORTRAIT}: runs in a child process"
)
needs_landscape = pytest.mark.skipif(ACTUAL_SIZE != LANDSCAPE, reason="runs in a landscape child process")


def frames(n: int = 3) -> None:
    for _ in range(n):
        EventLoop.idle()


def tap(widget: Widget) -> None:
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    frames(1)


class LimitedInput(TextInput):  # type: ignore[misc]
    max_length = NumericProperty(0)


@dataclass
class Scene:
    root: BoxLayout
    field: TextInput
    kb: OnScreenKeyboard

    def key(self, kind: str, value: str = "") -> KeyButton:
        key = self.kb.find_key(kind, value)
        assert key is not None, f"no {kind} key {value!r} on {self.kb.layout}/{self.kb.page}/{self.kb.mode}"
        return key

    def key_buttons(self) -> list[KeyButton]:
        return [w for w in self.kb.children if isinstance(w, KeyButton)]

    def type(self, text: str) -> None:
        """Type like a visitor: shift before capitals, a tap per character."""
        for ch in text:
            if ch == " ":
                tap(self.key("space"))
                continue
            if ch != ch.lower():
                tap(self.key("shift"))
                ch = ch.lower()
            tap(self.key("char", ch))


_scenes: list[Scene] = []


def make_scene(field: TextInput | None = None, caption: str = "Фамилия, имя и отчество") -> Scene:
    """A form above the docked keyboard, laid over whatever else is in the window."""
    u = min(Window.size) / 1080
    field = field or TextInput(multiline=False)
    field.size_hint_y = None
    field.height = 120 * u
    field.font_size = 56 * u
    field.padding = [24 * u, 28 * u]
    root = BoxLayout(orientation="vertical")
    with root.canvas.before:  # opaque: the shared harness may have the app underneath
        Color(rgba=(0.957, 0.965, 0.973, 1))
        bg = Rectangle()
    root.bind(pos=lambda w, _: setattr(bg, "pos", w.pos), size=lambda w, _: setattr(bg, "size", w.size))
    form = BoxLayout(orientation="vertical", padding=48 * u, spacing=24 * u)
    form.add_widget(Widget())
    form.add_widget(
        Label(
            text=caption,
            font_size=44 * u,
            size_hint_y=None,
            height=70 * u,
            halign="left",
            valign="middle",
            text_size=(Window.width - 96 * u, None),
            color=(0.12, 0.16, 0.2, 1),
        )
    )
    form.add_widget(field)
    form.add_widget(Widget(size_hint_y=None, height=24 * u))
    root.add_widget(form)
    kb = OnScreenKeyboard()
    root.add_widget(kb)
    Window.add_widget(root)
    frames()
    kb.attach(field)
    frames()
    scene = Scene(root, field, kb)
    _scenes.append(scene)
    return scene


@pytest.fixture(autouse=True)
def _remove_scenes() -> Iterator[None]:
    yield
    while _scenes:
        scene = _scenes.pop()
        scene.kb.detach()
        Window.remove_widget(scene.root)
    frames(1)


@pytest.fixture
def scene() -> Scene:
    return make_scene()


def screenshot(path: Path) -> Path:
    """Save a frame just drawn: pixels are read between drawing and the buffer swap, never stale."""
    taken: list[Path] = []

    def grab(*_: Any) -> None:
        if not taken:
            save_window_png(path)
            taken.append(path)

    Window.bind(on_flip=grab)
    try:
        deadline = time.monotonic() + 10
        while not taken and time.monotonic() < deadline:
            Window.canvas.ask_update()
            EventLoop.idle()
    finally:
        Window.unbind(on_flip=grab)
    assert taken, "no frame was drawn"
    return path


def assert_not_blank(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as img:
        low, high = img.convert("L").getextrema()
    assert isinstance(low, int)
    assert isinstance(high, int)
    assert high - low > 100, f"{path} looks blank: {low}..{high}"


# ----------------------------------------------------------------- data and geometry (no touches)


def test_layout_files_cover_alphabets() -> None:
    layouts = load_layouts(KEYBOARDS_DIR)
    assert {"ru", "en", "numeric"} <= set(layouts)

    def chars(name: str, page: str = "main") -> set[str]:
        return {k.value for row in layouts[name].pages[page] for k in row if k.kind == "char"}

    assert set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789") <= chars("ru")
    assert set("abcdefghijklmnopqrstuvwxyz0123456789@") <= chars("en")
    assert chars("numeric") == set("0123456789")
    for name in ("ru", "en"):
        kinds = {k.kind for row in layouts[name].pages["main"] for k in row}
        assert {"shift", "backspace", "space", "layout", "done", "page"} <= kinds
    assert layouts["ru"].label == "РУС"
    assert layouts["en"].label == "EN"


def test_height_portrait_and_landscape() -> None:
    assert keyboard_height(1080, 1920) == round(1920 * 0.32)
    assert keyboard_height(1920, 1080) <= 0.45 * 1080 + 0.5
    assert keyboard_height(1920, 1080) >= 0.4 * 1080


def test_key_rects_cap_width_and_centre_short_rows() -> None:
    rects = key_rects([[1, 1, 1], [1, 1]], 0, 0, 1920, 400, 10, 10, max_key_aspect=2.0)
    row_h = rects[0][0][3]
    assert all(r[2] <= 2.0 * row_h + 1e-6 for row in rects for r in row)
    first, second = rects
    assert first[0][0] + first[-1][0] + first[-1][2] == pytest.approx(1920)  # centred
    assert second[0][0] + second[-1][0] + second[-1][2] == pytest.approx(1920)


# ----------------------------------------------------------------- real touches


@needs_portrait
def test_keys_are_finger_sized_in_portrait(scene: Scene) -> None:
    assert tuple(Window.size) == (1080, 1920)
    assert scene.kb.height == pytest.approx(1920 * 0.32, abs=1)
    for mode in ("text", "numeric"):
        scene.kb.mode = mode
        frames()
        keys = scene.key_buttons()
        assert keys
        assert min(k.height for k in keys) >= 90, mode
        assert min(k.width for k in keys) >= 75, mode
        for k in keys:  # nothing spills out of the tray
            assert scene.kb.collide_point(*k.pos)
            assert scene.kb.collide_point(k.right - 1, k.top - 1)


@needs_portrait
def test_type_privet_on_russian_layout(scene: Scene) -> None:
    assert scene.kb.layout == "ru"
    scene.type("Привет")
    assert scene.field.text == "Привет"
    assert scene.kb.shift_state == "off"  # one-shot shift released after "П"
    assert scene.field.focus, "tapping keys must not unfocus the field (caret stays visible)"


@needs_portrait
def test_switch_to_english_and_type_ok(scene: Scene) -> None:
    switch = scene.key("layout")
    assert switch.text == "EN"  # shows where it goes, not where it is
    tap(switch)
    assert scene.kb.layout == "en"
    assert scene.key("layout").text == "РУС"
    scene.type("ok")
    assert scene.field.text == "ok"
    tap(scene.key("layout"))
    assert scene.kb.layout == "ru"


@needs_portrait
def test_shift_is_one_shot_and_double_shift_is_caps(scene: Scene) -> None:
    tap(scene.key("layout"))
    tap(scene.key("shift"))
    assert scene.kb.shift_state == "shift"
    assert scene.key("char", "a").text == "A"  # labels show what will be typed
    tap(scene.key("char", "a"))
    tap(scene.key("char", "b"))
    assert scene.field.text == "Ab"
    tap(scene.key("shift"))
    tap(scene.key("shift"))
    assert scene.kb.shift_state == "caps"
    tap(scene.key("char", "c"))
    tap(scene.key("char", "d"))
    assert scene.field.text == "AbCD"
    tap(scene.key("shift"))
    assert scene.kb.shift_state == "off"
    tap(scene.key("char", "e"))
    assert scene.field.text == "AbCDe"


@needs_portrait
def test_backspace_and_hold_to_repeat(scene: Scene) -> None:
    scene.type("дом")
    tap(scene.key("backspace"))
    assert scene.field.text == "до"
    scene.type("мик")
    assert scene.field.text == "домик"
    touch = UnitTestTouch(*scene.key("backspace").center)
    touch.touch_down()
    deadline = time.monotonic() + 1.2
    while time.monotonic() < deadline:
        EventLoop.idle()
    touch.touch_up()
    frames()
    assert scene.field.text == "", "holding backspace should keep deleting"
    assert scene.kb._repeat_event is None


@needs_portrait
def test_sliding_off_a_key_cancels_it(scene: Scene) -> None:
    key = scene.key("char", "а")
    touch = UnitTestTouch(*key.center)
    touch.touch_down()
    touch.touch_move(key.center_x, key.top + 200)
    touch.touch_up()
    frames()
    assert scene.field.text == ""


@needs_portrait
def test_symbols_page_round_trip(scene: Scene) -> None:
    tap(scene.key("page"))
    assert scene.kb.page == "symbols"
    tap(scene.key("char", "@"))
    tap(scene.key("page"))
    assert scene.kb.page == "main"
    scene.type("я")
    assert scene.field.text == "@я"


@needs_portrait
def test_numeric_mode_types_phone_number() -> None:
    scene = make_scene(TextInput(multiline=False, input_filter="int"), caption="Номер телефона")
    assert scene.kb.mode == "numeric"  # picked from input_filter
    assert scene.kb.find_key("shift") is None
    assert scene.kb.find_key("layout") is None
    for digit in "9161234567":
        tap(scene.key("char", digit))
    assert scene.field.text == "9161234567"
    tap(scene.key("backspace"))
    assert scene.field.text == "916123456"


@needs_portrait
def test_done_fires_event_and_detaches(scene: Scene) -> None:
    seen: list[Any] = []
    scene.kb.bind(on_done=lambda kb, target: seen.append(target))
    scene.type("ок")
    done = scene.key("done")
    assert done.text == "Готово"
    tap(done)
    assert seen == [scene.field]
    assert scene.kb.target is None
    assert not scene.field.focus
    tap(scene.key("char", "а"))  # detached: nothing more is typed
    assert scene.field.text == "ок"


@needs_portrait
def test_app_supplied_done_label_fits_on_one_line(scene: Scene) -> None:
    scene.kb.done_label = "Продолжить"
    frames()
    done = scene.key("done")
    assert done.texture_size[0] <= done.width
    assert done.texture_size[1] <= done.height


@needs_portrait
def test_single_layout_drops_the_switch_key(scene: Scene) -> None:
    space_before = scene.key("space").width
    scene.kb.layouts = ["ru"]
    frames()
    assert scene.kb.find_key("layout") is None
    assert scene.key("space").width > space_before
    scene.type("да")
    assert scene.field.text == "да"


@needs_portrait
def test_hidden_keyboard_lets_touches_through(scene: Scene) -> None:
    key = scene.key("char", "а")
    scene.kb.opacity = 0
    tap(key)
    assert scene.field.text == ""
    scene.kb.opacity = 1
    tap(key)
    assert scene.field.text == "а"


@needs_portrait
def test_max_length_respected() -> None:
    field = LimitedInput(multiline=False, input_filter="int", max_length=4)
    scene = make_scene(field, caption="Код из СМС")
    for digit in "123456":
        tap(scene.key("char", digit))
    assert field.text == "1234"
    tap(scene.key("backspace"))
    tap(scene.key("char", "9"))
    assert field.text == "1239"


@needs_portrait
def test_max_length_plain_attribute() -> None:
    field = TextInput(multiline=False)
    field.max_length = 3
    scene = make_scene(field)
    scene.type("Мария")
    assert field.text == "Мар"


@needs_portrait
def test_watch_attaches_on_focus() -> None:
    scene = make_scene()
    scene.kb.detach()
    phone = TextInput(multiline=False, input_type="tel")
    scene.kb.watch(scene.field)
    scene.kb.watch(phone)
    scene.field.focus = True
    frames()
    assert scene.kb.target is scene.field
    assert scene.kb.mode == "text"
    phone.focus = True
    frames()
    assert scene.kb.target is phone
    assert scene.kb.mode == "phone"  # input_type "tel": digits and "+"
    phone.focus = False
    frames()
    assert scene.kb.target is None
    scene.kb.unwatch(scene.field)
    scene.kb.unwatch(phone)


@needs_portrait
def test_typed_text_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    field = TextInput(multiline=False, input_filter="int", password=True)
    scene = make_scene(field, caption="PIN")
    for digit in "4721":
        tap(scene.key("char", digit))
    tap(scene.key("done"))
    assert field.text == "4721"
    assert "4721" not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("screens.keyboard")]


# ----------------------------------------------------------------- screenshots to look at


def _shot(scene: Scene, artifacts: Path, name: str) -> Path:
    # Let the last tap's pressed colour fade so the picture shows the resting keyboard.
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and any(k.state == "down" for k in scene.key_buttons()):
        EventLoop.idle()
    path = screenshot(artifacts / f"{name}.png")
    assert_not_blank(path)
    return path


@needs_portrait
def test_screenshot_portrait(scene: Scene, artifacts: Path) -> None:
    scene.type("Привет")
    _shot(scene, artifacts, "keyboard_1080x1920_ru")
    tap(scene.key("shift"))
    _shot(scene, artifacts, "keyboard_1080x1920_ru_shift")
    tap(scene.key("shift"))
    _shot(scene, artifacts, "keyboard_1080x1920_ru_caps")
    tap(scene.key("shift"))
    tap(scene.key("page"))
    _shot(scene, artifacts, "keyboard_1080x1920_symbols")


@needs_portrait
def test_screenshot_portrait_numeric(artifacts: Path) -> None:
    scene = make_scene(TextInput(multiline=False, input_filter="int"), caption="Номер телефона")
    for digit in "9161234567":
        tap(scene.key("char", digit))
    _shot(scene, artifacts, "keyboard_1080x1920_numeric")


def _run_child(size: str, selection: str) -> str:
    """Run this module again in a fresh process whose one Window has ``size``."""
    env = dict(os.environ, KIOSK_UI_WINDOW=size)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            str(Path(__file__).resolve()),
            "-k",
            selection,
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout, result.stdout[-3000:]
    return result.stdout


@pytest.mark.skipif(ACTUAL_SIZE == LANDSCAPE, reason="this is the landscape child")
def test_landscape_in_own_process() -> None:
    """One Window per process and no reliable offscreen resize: landscape gets its own pytest run."""
    assert "3 passed" in _run_child("1920x1080", "landscape_window")


@pytest.mark.skipif(ACTUAL_SIZE == PORTRAIT, reason="portrait tests ran in this process")
def test_portrait_in_own_process() -> None:
    _run_child("1080x1920", "not own_process and not landscape_window")


def _landscape_scene(field: TextInput) -> Scene:
    assert tuple(Window.size) == (1920, 1080)
    scene = make_scene(field)
    assert scene.kb.height <= 0.45 * 1080 + 0.5
    assert min(k.height for k in scene.key_buttons()) >= 85
    return scene


@needs_landscape
def test_landscape_window_text(artifacts: Path) -> None:
    scene = _landscape_scene(TextInput(multiline=False))
    scene.type("Привет")
    _shot(scene, artifacts, "keyboard_1920x1080_ru")
    tap(scene.key("layout"))
    scene.type(" Hello")
    assert scene.field.text == "Привет Hello"
    _shot(scene, artifacts, "keyboard_1920x1080_en")


@needs_landscape
def test_landscape_window_numeric(artifacts: Path) -> None:
    scene = _landscape_scene(TextInput(multiline=False, input_filter="int"))
    for digit in "4721":
        tap(scene.key("char", digit))
    assert scene.field.text == "4721"
    _shot(scene, artifacts, "keyboard_1920x1080_numeric")


@needs_landscape
def test_landscape_window_keypad_stays_compact() -> None:
    scene = _landscape_scene(TextInput(multiline=False, input_filter="int"))
    keys = scene.key_buttons()
    block = max(k.right for k in keys) - min(k.x for k in keys)
    assert block < 0.5 * 1920  # a keypad, not three 600 px bars
