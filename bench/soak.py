"""Soak: hours of a kiosk's demo-clock life in minutes, showing its memory stays flat.

One kiosk process (offscreen) with a manual clock, data from a real central service on
loopback. Each cycle is a visitor's journey through the screens (info, centers, rates, news,
queue, booking), then the visitor walks away: the clock moves past the idle timeout (moved,
never slept), the session is wiped, the attract screen shows for the rest of the cycle's
demo minutes. Prints RSS along the way and its growth from the first warm cycle to the last.
Figures only, never asserts. Aim: growth under 10%.

    .venv/bin/python bench/soak.py [--hours 8] [--cycle-minutes 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import rss_mib  # noqa: E402

JOURNEY: tuple[tuple[str, dict[str, Any]], ...] = (
    ("info", {}),
    ("info_centers", {}),
    ("info_rates", {}),
    ("info_news", {}),
    ("ticket", {}),
    ("appointments", {}),
    ("coming_soon", {"feature": "appeal"}),
    ("checkin", {}),
    ("staff_login", {}),
)


def soak(work: Path, url: str, token: str, hours: float, cycle_minutes: float) -> list[tuple[float, float]]:
    from screens.bootstrap import WindowSpec, configure

    configure(WindowSpec(1080, 1920, headless=True), work / "kivy")
    from kivy.base import EventLoop

    from kiosk.config import load
    from kiosk.context import build
    from screens.app import KioskApp
    from screens.i18n_kv import tr
    from service_common.clock import ManualClock

    config = load(None, {"KIOSK_DATA_DIR": str(work / "kiosk")})
    config.central.url, config.central.token = url, token
    clock = ManualClock(datetime(2026, 12, 1, 9, 0), config.kiosk.timezone)
    ctx = build(config, clock)
    app = KioskApp(ctx, animate=False)
    app._run_prepare()

    def pump(least_s: float = 0.05, most_s: float = 3.0) -> None:
        start = time.monotonic()
        while time.monotonic() - start < most_s:
            EventLoop.idle()
            if not app.tasks.busy and time.monotonic() - start >= least_s:
                break

    pump(0.3)
    curve: list[tuple[float, float]] = []
    cycles = max(1, round(hours * 60 / cycle_minutes))
    idle_after = config.idle.warning_after_s + config.idle.countdown_s + 1
    for cycle in range(cycles):
        languages = list(config.languages)
        app.set_language(languages[cycle % len(languages)])  # visitors switch language: texts re-rendered
        for name, params in JOURNEY:
            app.go(name, True, **params)
            pump()
            clock.advance(20)  # the visitor reads for 20 s
        # The visitor walks away: the countdown, then the wipe and the attract screen.
        clock.advance(idle_after)
        app._tick(0)
        pump()
        clock.advance(cycle_minutes * 60 - 20 * len(JOURNEY) - idle_after)
        app._tick(0)
        pump()
        curve.append(((cycle + 1) * cycle_minutes / 60, rss_mib()))
        if cycle == 0 or (cycle + 1) % max(1, cycles // 8) == 0:
            print(
                f"  {curve[-1][0]:5.1f} h demo time: RSS {curve[-1][1]:.0f} MiB, "
                f"built screens {len(app.manager.screens)}, language rules {tr.observer_count()}",
                flush=True,
            )
    app.tasks.shutdown()
    ctx.close()
    return curve


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--cycle-minutes", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from tests.conftest import start_central

    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    central = start_central(work / "central.db")
    token = central.enrol("KIOSK-SOAK")
    started = time.monotonic()
    try:
        curve = soak(work, central.url, token, args.hours, args.cycle_minutes)
    finally:
        central.stop()
    warm = curve[min(1, len(curve) - 1)][1]
    last = curve[-1][1]
    peak = max(mib for _, mib in curve)
    print(
        f"soak: {curve[-1][0]:.1f} h of demo time in {time.monotonic() - started:.0f} s real; RSS after the first "
        f"cycles {warm:.0f} MiB, at the end {last:.0f} MiB ({(last - warm) / warm * 100:+.1f}%, aim < +10%), "
        f"peak {peak:.0f} MiB"
    )
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
