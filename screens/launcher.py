"""Starting the Kivy app for real (``kiosk run``/``kiosk demo``) or for one picture (``kiosk screenshot``)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from screens.bootstrap import WindowSpec, configure
from service_common.clock import Clock

log = logging.getLogger(__name__)


def save_window_png(out: Path) -> None:
    """Write exactly the drawn frame to ``out`` (Kivy's own screenshot renames the file)."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = Window.size
    pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGBA", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.png")
    image.convert("RGB").save(tmp)
    tmp.replace(out)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def window_spec(
    config: KioskConfig, size: tuple[int, int] | None = None, headless: bool = False
) -> WindowSpec:
    width, height = size or (config.ui.width, config.ui.height)
    return WindowSpec(
        width=width,
        height=height,
        fullscreen=config.ui.fullscreen and not headless,
        rotation=config.ui.rotation,
        show_cursor=config.ui.show_cursor,
        headless=headless,
    )


def _stop_on_signals(app: Any) -> None:
    """Ctrl-C and a service manager's SIGTERM stop the app from its own loop, cleanly."""
    from kivy.clock import Clock as KivyClock

    def handler(signum: int, _frame: object) -> None:
        log.info("stopping on signal %s", signal.Signals(signum).name)
        KivyClock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def run_app(
    config: KioskConfig,
    clock: Clock | None = None,
    size: tuple[int, int] | None = None,
    *,
    out_of_service: bool = False,
) -> int:
    headless = not has_display()
    configure(window_spec(config, size, headless=headless), config.data_dir / "kivy")
    from kivy.clock import Clock as KivyClock

    from kiosk.context import build
    from screens.app import KioskApp

    ctx = build(config, clock)
    app = KioskApp(ctx, out_of_service=out_of_service)
    _stop_on_signals(app)
    if headless:
        # No screen on this machine: keep a picture of what the kiosk shows, for a remote look.
        live = config.data_dir / "screen.png"
        log.warning("no display: rendering offscreen, the current screen is saved to %s", live)
        print(f"kiosk: no display found; the kiosk runs offscreen and saves its screen to {live}", flush=True)
        KivyClock.schedule_interval(lambda _dt: save_window_png(live), 2.0)
    try:
        app.run()
    finally:
        ctx.close()
    return 0


@dataclass
class _ShotState:
    started: float
    settled: bool = False
    frames_after_settle: int = 0


def screenshot(
    config: KioskConfig,
    screen: str,
    lang: str,
    size: tuple[int, int],
    out: Path,
    params: dict[str, Any] | None = None,
    settle_s: float = 3.0,
) -> int:
    """Render one screen offscreen and save it once a frame with its data has really been drawn."""
    configure(window_spec(config, size, headless=True), config.data_dir / "kivy")
    from kivy.clock import Clock as KivyClock
    from kivy.core.window import Window

    from kiosk.context import build
    from screens.app import KioskApp

    ctx = build(config)
    app = KioskApp(ctx, animate=False)
    state = _ShotState(started=time.monotonic())

    def start(_dt: float) -> None:
        app.set_language(lang)
        if screen != "home":
            app.go(screen, **(params or {}))

    def on_flip(*_args: Any) -> None:
        if not state.settled:
            synced = ctx.gateway is None or ctx.sync.last_report is not None
            if (synced and not app.tasks.busy) or time.monotonic() - state.started > settle_s:
                state.settled = True
            return
        state.frames_after_settle += 1
        if state.frames_after_settle == 3:
            save_window_png(out)
            app.stop()

    KivyClock.schedule_once(start, 0)
    Window.bind(on_flip=on_flip)
    # Keep frames coming even when nothing animates, so the settle check runs.
    KivyClock.schedule_interval(lambda _dt: Window.canvas.ask_update(), 1 / 30)
    try:
        app.run()
    finally:
        ctx.close()
    if not out.exists():
        log.error("screenshot not written: no frame was drawn")
        return 1
    return 0


def screenshot_state(state: str, lang: str, size: tuple[int, int], out: Path) -> int:
    """A state a visitor reaches by a journey (ticket issued, booking done, staff signed in...),
    reached by the scripted visitor against a demo central, then saved as a PNG (offscreen)."""
    from kivy.base import EventLoop

    from screens.scripted import STATES, JourneyFailed, Visitor, demo_app

    _about, reach = STATES[state]
    with demo_app(size, headless=True, animate=False) as app:
        app.set_language(lang)
        visitor = Visitor(app)
        visitor.frames(2)
        try:
            reach(visitor)
        except JourneyFailed as exc:
            log.error("state %s not reached: %s", state, exc)
            print(f"kiosk: state {state} not reached: {exc}", file=sys.stderr)
            return 1
        app.set_language(lang)  # again: a journey may have ended a session (back to the default)
        visitor.settle()
        for _ in range(5):  # a frame with everything drawn
            EventLoop.idle()
        save_window_png(out)
    return 0 if out.exists() else 1
