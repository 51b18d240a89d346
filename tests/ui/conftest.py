"""Offscreen Kivy harness for UI tests.

Kivy reads its environment and Config when first imported and a process gets one Window, so all
of this must run before any test module imports kivy. The window is portrait 1080x1920, the
default kiosk panel; a test that resizes it must put it back.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
atexit.register(shutil.rmtree, _KIVY_HOME, ignore_errors=True)

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_WINDOW", "sdl2")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_LOG_MODE"] = "PYTHON"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_HOME"] = _KIVY_HOME

from kivy.config import Config  # noqa: E402  (env above must come first)

Config.set("graphics", "width", "1080")
Config.set("graphics", "height", "1920")
Config.set("graphics", "multisamples", "0")
Config.set("kivy", "keyboard_mode", "system")
Config.set("kivy", "exit_on_escape", "0")
Config.set("input", "mouse", "mouse,disable_multitouch")

PORTRAIT = (1080, 1920)


@pytest.fixture(scope="session")
def kivy_window() -> Any:
    """The process's only Window, created on first use."""
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    window = EventLoop.window
    assert tuple(window.size) == PORTRAIT, window.size
    return window


@pytest.fixture
def clean_window(kivy_window: Any) -> Iterator[Any]:
    """Give each test an empty portrait window and leave it that way."""
    yield kivy_window
    for child in list(kivy_window.children):
        kivy_window.remove_widget(child)
    if tuple(kivy_window.size) != PORTRAIT:
        kivy_window.size = PORTRAIT
