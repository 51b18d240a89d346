"""A private X server (Xvfb) for the UI tests: the app runs in a real X window, as on a kiosk.

Offscreen rendering hid a bug only a real window shows (screens shifted by the navigation bar's
height), so the UI session starts its own Xvfb when one is installed and no display is set.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess

SESSION_SERVERS: set[int] = set()
"""Pids of the X servers this test process started for its own window; they are stopped at exit."""


def start_xvfb(width: int, height: int) -> subprocess.Popen[bytes] | None:
    """Start Xvfb on a free display and point ``DISPLAY`` at it; ``None`` when Xvfb is missing.

    ``-displayfd`` lets the server pick a free display number itself (no race with other sessions).
    """
    binary = shutil.which("Xvfb")
    if binary is None:
        return None
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        [binary, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        process.wait()
        return None
    os.environ["DISPLAY"] = f":{number}"
    atexit.register(stop_xvfb, process)
    SESSION_SERVERS.add(process.pid)
    return process


def stop_xvfb(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def use_real_window(width: int, height: int) -> str:
    """Pick how the test session's one window is drawn: ``x11`` (a private Xvfb) or ``offscreen``.

    ``KIOSK_UI_OFFSCREEN=1`` forces offscreen (a machine without Xvfb does so by itself).
    """
    if os.environ.get("KIOSK_UI_OFFSCREEN") == "1":
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        return "offscreen"
    # Always a private server: a developer's desktop (a window manager) would move and resize it.
    if start_xvfb(width, height) is None:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        return "offscreen"
    os.environ["SDL_VIDEODRIVER"] = "x11"
    return "x11"
