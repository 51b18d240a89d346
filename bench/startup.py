"""Start-up time and memory of the kiosk app, measured the way a visitor meets it.

Prints the time from process start (the kernel's own start time of this process) to the
first drawn frame of the home screen, then the resident memory after visiting every
screen with data from a real central service on loopback. Aims: 1.5 s and 250 MiB.

    .venv/bin/python bench/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def process_age_s() -> float:
    """Seconds since the kernel started this process (so interpreter start-up counts too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - start_ticks / ticks


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(data_dir: str, url: str, token: str) -> None:
    from kiosk.config import load
    from screens.bootstrap import WindowSpec, configure

    configure(WindowSpec(1080, 1920, headless=True), Path(data_dir) / "kivy")
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.context import build
    from screens.app import KioskApp
    from screens.registry import SCREENS

    config = load(None, {"KIOSK_DATA_DIR": data_dir})
    config.central.url, config.central.token = url, token
    ctx = build(config)
    app = KioskApp(ctx, animate=False)
    first: list[float] = []
    Window.bind(on_flip=lambda *_: first or first.append(process_age_s()))
    app._run_prepare()
    while not first:
        EventLoop.idle()
    for name in SCREENS:
        params = {"feature": "ticket"} if name == "coming_soon" else {}
        app.go(name, **params)
        deadline = time.monotonic() + 5
        while (app.tasks.busy or time.monotonic() < deadline - 4.3) and time.monotonic() < deadline:
            EventLoop.idle()
    app.home()
    for _ in range(10):
        EventLoop.idle()
    after_screens = rss_mib()
    # A long-running kiosk redraws for months: 500 forced frames must not grow memory.
    for _ in range(500):
        Window.canvas.ask_update()
        EventLoop.idle()
    print(f"{first[0]:.3f} {after_screens:.1f} {rss_mib():.1f}", flush=True)
    app.tasks.shutdown()
    ctx.close()
    os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    from tests.conftest import start_central

    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    central = start_central(work / "central.db")
    token = central.enrol("KIOSK-BENCH")
    times, rss = [], []
    try:
        for run in range(args.runs):
            data_dir = work / f"kiosk-{run}"
            env = dict(os.environ, SDL_VIDEODRIVER="offscreen", KIVY_NO_ARGS="1")
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(data_dir), central.url, token],
                capture_output=True, text=True, env=env, timeout=120,
            )  # fmt: skip
            if out.returncode != 0 or not out.stdout.strip():
                print(out.stderr[-2000:], file=sys.stderr)
                return 1
            first, mem, redrawn = (float(v) for v in out.stdout.split())
            times.append(first)
            rss.append(mem)
            print(
                f"run {run + 1}: first frame of the home screen {first:.2f} s; RSS after every screen {mem:.0f} MiB; "
                f"after 500 more frames {redrawn:.0f} MiB"
            )
    finally:
        central.stop()
    print(
        f"startup: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s (aim <= 1.5 s); "
        f"memory: max {max(rss):.0f} MiB (aim <= 250 MiB); software rendering, {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
