"""One measured kiosk process: where its start-up time and memory go, stage by stage.

Run by ``bench/startup.py`` in a fresh process per run (the first frame counts from the
kernel's start of the process). Prints one JSON object of figures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._measure import process_age_s, rss_mib

VISITS = 3


def pump(app: Any, least_s: float = 0.05, most_s: float = 3.0) -> None:
    """Draw frames until the screen's background work is done (and at least ``least_s``)."""
    from kivy.base import EventLoop

    start = time.monotonic()
    while time.monotonic() - start < most_s:
        EventLoop.idle()
        if not app.tasks.busy and time.monotonic() - start >= least_s:
            break


def label_texture_mib(app: Any) -> float:
    """The text textures the built screens hold (w*h*4 bytes each): what releasing screens frees."""
    from kivy.uix.label import Label

    total = 0
    for screen in app.manager.screens:
        for widget in screen.walk():
            texture = getattr(widget, "texture", None) if isinstance(widget, Label) else None
            if texture is not None:
                total += texture.width * texture.height * 4
    return total / 2**20


def font_object_cost_mib(path: str, sizes: range) -> float:
    """RSS one more font object of ``path`` costs (Kivy opens one per file and size)."""
    from kivy.core.text import Label as CoreLabel

    before = rss_mib()
    for size in sizes:
        CoreLabel(text="字 A Ж", font_name=path, font_size=size).refresh()
    return (rss_mib() - before) / len(sizes)


def run(data_dir: str, url: str, token: str, headless: bool) -> dict[str, Any]:
    f: dict[str, Any] = {"start_s": process_age_s(), "start_mib": rss_mib()}
    from screens.bootstrap import WindowSpec, configure

    configure(WindowSpec(1080, 1920, headless=headless), Path(data_dir) / "kivy")
    from kivy.core.window import Window

    f["window_s"], f["window_mib"] = process_age_s(), rss_mib()
    f["window_provider"] = type(Window).__name__ + ("/offscreen" if headless else "/x11")
    modules_before = set(sys.modules)
    from kiosk.config import load
    from kiosk.context import build
    from screens.app import KioskApp
    from screens.registry import SCREENS

    f["imports_s"], f["imports_mib"] = process_age_s(), rss_mib()
    f["imported_modules"] = len(set(sys.modules) - modules_before)
    config = load(None, {"KIOSK_DATA_DIR": data_dir})
    config.central.url, config.central.token = url, token
    ctx = build(config)
    f["context_s"], f["context_mib"] = process_age_s(), rss_mib()

    from kivy.base import EventLoop
    from kivy.core.text import Label as CoreLabel

    fonts: set[str] = set()  # Kivy's font cache key: one font object per distinct id

    font_id = CoreLabel._get_font_id

    full_face_texts: set[str] = set()

    def record_font(label: Any) -> str:
        fid: str = font_id(label)
        fonts.add(fid)
        if "KioskSansFull" in fid:
            full_face_texts.add(label.text[:40])
        return fid

    CoreLabel._get_font_id = record_font

    app = KioskApp(ctx, animate=False)
    first: list[float] = []
    Window.bind(on_flip=lambda *_: None if first else first.append(process_age_s()))
    app._run_prepare()
    f["build_s"], f["build_mib"] = process_age_s(), rss_mib()
    f["built_screens_at_start"] = len(app.manager.screens)
    f["screens"] = len(SCREENS)
    while not first:
        EventLoop.idle()
    f["first_frame_s"], f["first_frame_mib"] = first[0], rss_mib()
    f["fonts_at_first_frame"] = len(fonts)

    first_visit_s = 0.0
    for visit in range(VISITS):
        for name in SCREENS:
            params: dict[str, Any] = {"feature": "ticket"} if name == "coming_soon" else {}
            start = time.perf_counter()
            app.go(name, True, **params)
            EventLoop.idle()
            if visit == 0:
                first_visit_s += time.perf_counter() - start
            pump(app)
            f["journey_peak_mib"] = max(f.get("journey_peak_mib", 0.0), rss_mib())
        f[f"round{visit + 1}_all_built_mib"] = rss_mib()
        if visit == VISITS - 1:
            f["textures_mib"] = label_texture_mib(app)
        app.home()
        pump(app, least_s=0.7)  # home hands freed memory back 0.5 s after it shows
        f[f"round{visit + 1}_mib"] = rss_mib()
    f["first_visits_s"] = first_visit_s
    f["home_textures_mib"] = label_texture_mib(app)
    from screens.app import return_memory

    f["return_memory_s"] = return_memory()
    f["font_objects"] = len(fonts)
    f["full_face_objects"] = sum("KioskSansFull" in fid for fid in fonts)
    f["full_face_texts"] = sorted(full_face_texts)[:8]
    f["font_ids"] = sorted(fonts)
    # The end of a session: the app wipes it and releases the screens it built.
    ctx.session.wipe("bench")
    for _ in range(10):
        EventLoop.idle()
    f["released_mib"] = rss_mib()
    f["released_textures_mib"] = label_texture_mib(app)
    # 500 forced frames: a kiosk redraws for months, memory must not grow with frames.
    for _ in range(500):
        Window.canvas.ask_update()
        EventLoop.idle()
    f["after_500_frames_mib"] = rss_mib()
    app.tasks.shutdown()
    ctx.close()
    return f


def font_costs(data_dir: str) -> dict[str, float]:
    """In a fresh process (a busy heap would hide it): RSS per font object, subset against full face."""
    from screens.bootstrap import WindowSpec, configure
    from service_common.paths import FONTS

    configure(WindowSpec(1080, 1920, headless=True), Path(data_dir) / "kivy")
    from kivy.core.window import Window  # noqa: F401  (the text provider needs the window's SDL)

    costs = {}
    for key, name in (
        ("font_subset_mib", "KioskSans-Regular.otf"),
        ("font_full_mib", "KioskSansFull-Regular.otf"),
    ):
        path = FONTS / name
        costs[key] = font_object_cost_mib(str(path), range(300, 308)) if path.exists() else float("nan")
    return costs


def migrate(data_dir: str) -> dict[str, float]:
    """A kiosk's data directory as every start after the first finds it: the cache migrated.

    The first start migrates, and migration 005 imports the knowledge search stack (rapidfuzz,
    OpenCC, jieba, Snowball: about 36 MiB) that a later start does not load until it searches.
    """
    from offline_cache.db import CacheDB

    before = rss_mib()
    CacheDB(Path(data_dir) / "kiosk.db").close()
    return {"migrate_mib": rss_mib() - before}


if __name__ == "__main__":
    if sys.argv[1] == "migrate":
        print(json.dumps(migrate(sys.argv[2])), flush=True)
        os._exit(0)
    if sys.argv[1] == "fonts":
        print(json.dumps(font_costs(sys.argv[2])), flush=True)
        os._exit(0)
    data_dir, url, token, mode = sys.argv[1:5]
    print(json.dumps(run(data_dir, url, token, headless=mode == "offscreen")), flush=True)
    os._exit(0)
