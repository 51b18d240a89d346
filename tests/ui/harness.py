"""A UI harness: the real KioskApp in a real X window (Xvfb; offscreen without it), driven by real touches."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from screens.app import KioskApp
from screens.launcher import save_window_png


class UI:
    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self.frames_drawn = 0
        from kivy.core.window import Window

        self.window = Window
        Window.bind(on_flip=self._count)

    def _count(self, *_args: Any) -> None:
        self.frames_drawn += 1

    def frames(self, n: int = 2) -> None:
        for _ in range(n):
            EventLoop.idle()
        self.settle()

    def settle(self, timeout: float = 3.0) -> None:
        """Pump frames until no screen transition runs (the app fades between screens, as on a kiosk)."""
        manager = getattr(self.app, "manager", None)
        deadline = time.monotonic() + timeout
        while manager is not None and manager.transition.is_active and time.monotonic() < deadline:
            EventLoop.idle()
        if manager is not None and manager.transition.is_active:
            raise AssertionError("a screen transition did not end")
        EventLoop.idle()

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Pump frames until ``predicate`` is truthy: for results coming back from worker threads."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            EventLoop.idle()
            value = predicate()
            if value:
                return value
        raise AssertionError(f"condition not met within {timeout} s")

    def tap(self, widget: Widget) -> None:
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(2)
        touch.touch_up()
        self.frames(3)

    def tap_at(self, x: float, y: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def go(self, name: str, **params: Any) -> None:
        self.app.go(name, **params)
        self.frames(3)

    @property
    def screen(self) -> Any:
        return self.app.manager.current_screen

    def texts(self, root: Widget | None = None) -> list[str]:
        """Every label text visible under ``root`` (default: the whole window, overlays included)."""
        roots: Iterator[Widget] = iter([root]) if root is not None else iter(self.window.children)
        found: list[str] = []
        for top in roots:
            for widget in top.walk():
                if (
                    isinstance(widget, Label)
                    and widget.text
                    and widget.opacity > 0
                    and widget.font_name != "Icons"
                ):
                    found.append(widget.text)
        return found

    def screenshot(self, path: Path) -> Path:
        self.frames(3)
        save_window_png(path)
        return path
