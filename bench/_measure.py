"""Helpers the start-up and soak benches share: process age, memory, the Xvfb display, figures."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


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


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """min / median / max of a few runs, as one short string."""
    if not values:
        return "-"
    parts = (min(values), statistics.median(values), max(values))
    return "/".join(fmt.format(v) for v in parts)


@contextmanager
def xvfb(width: int, height: int) -> Iterator[str | None]:
    """A private X server on a free display (unix socket only); yields its DISPLAY, or None without Xvfb."""
    binary = shutil.which("Xvfb")
    if binary is None:
        yield None
        return
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    process = subprocess.Popen(
        [binary, f":{number}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                yield None
                return
            time.sleep(0.05)
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def child_env(display: str | None) -> dict[str, str]:
    """The environment of a measured child: a real X window on ``display``, else offscreen."""
    env = dict(os.environ, KIVY_NO_ARGS="1")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    if display:
        env["DISPLAY"] = display
    else:
        env["SDL_VIDEODRIVER"] = "offscreen"
    return env
