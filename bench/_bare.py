"""The yardstick: a bare Kivy app with as many screens as the kiosk, measured the same way.

Each screen has a title, a paragraph and six buttons in Kivy's own font, all built at start:
what any Kivy app costs before the kiosk adds its own work.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._measure import process_age_s, rss_mib


def run(screens: int, width: int, height: int, kivy_home: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(kivy_home)
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "multisamples", "0")  # as the kiosk: no MSAA buffers
    from kivy.core.window import Window

    figures["window_s"], figures["window_mib"] = process_age_s(), rss_mib()
    from kivy.app import App
    from kivy.base import EventLoop
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

    class Bare(App):  # type: ignore[misc]
        def build(self) -> ScreenManager:
            manager = ScreenManager(transition=NoTransition())
            for n in range(screens):
                screen = Screen(name=f"s{n}")
                box = BoxLayout(orientation="vertical", padding=40, spacing=20)
                box.add_widget(Label(text=f"Screen {n}", font_size=76))
                box.add_widget(Label(text="A paragraph of text about this screen " * 2, font_size=38))
                for b in range(6):
                    box.add_widget(Button(text=f"Choice {b}", font_size=44))
                screen.add_widget(box)
                manager.add_widget(screen)
            return manager

    from kivy.graphics.opengl import glFinish

    # As the kiosk does: llvmpipe queues unfinished frames without bound otherwise.
    Window.bind(on_flip=lambda *_args: glFinish())
    app = Bare()
    first: list[float] = []
    Window.bind(on_flip=lambda *_: None if first else first.append(process_age_s()))
    app._run_prepare()
    figures["built_s"] = process_age_s()
    while not first:
        EventLoop.idle()
    figures["first_frame_s"], figures["first_frame_mib"] = first[0], rss_mib()
    for visit in range(3):
        for name in app.root.screen_names:
            app.root.current = name
            for _ in range(3):
                EventLoop.idle()
        figures[f"round{visit + 1}_mib"] = rss_mib()
    start = time.perf_counter()
    app.root.current = "s0"
    EventLoop.idle()
    figures["home_s"] = time.perf_counter() - start
    figures["end_mib"] = rss_mib()
    return figures


if __name__ == "__main__":
    screens, width, height, home = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    print(json.dumps(run(screens, width, height, home)), flush=True)
    os._exit(0)
