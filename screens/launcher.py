"""Starting the Kivy app for real (``kiosk run``) or for one picture (``kiosk screenshot``)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from kiosk.clock import Clock
from kiosk.config import KioskConfig
from screens.bootstrap import WindowSpec, configure

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
    image.convert("RGB").save(out)


def window_spec(config: KioskConfig, size: tuple[int, int] | None = None, headless: bool = False) -> WindowSpec:
    width, height = size or (config.ui.width, config.ui.height)
    return WindowSpec(
        width=width,
        height=height,
        fullscreen=config.ui.fullscreen and not headless,
        rotation=config.ui.rotation,
        show_cursor=config.ui.show_cursor,
        headless=headless,
    )


def run_app(config: KioskConfig, clock: Clock | None = None) -> int:
    configure(window_spec(config), config.data_dir / "kivy")
    from kiosk.context import build
    from screens.app import KioskApp

    ctx = build(config, clock)
    try:
        KioskApp(ctx).run()
    finally:
        ctx.close()
    return 0


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
    state = {"frames_after_settle": 0, "started": time.monotonic(), "settled": False, "error": ""}

    def start(_dt: float) -> None:
        app.set_language(lang)
        if screen != "home":
            app.go(screen, **(params or {}))

    def on_flip(*_args: Any) -> None:
        if not state["settled"]:
            busy = bool(app.tasks._live)
            if not busy or time.monotonic() - state["started"] > settle_s:
                state["settled"] = True
            return
        state["frames_after_settle"] += 1
        if state["frames_after_settle"] == 3:
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
        log.error("screenshot not written: %s", state["error"] or "no frame drawn")
        return 1
    return 0
