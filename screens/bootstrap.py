"""Kivy settings that must be in place before the Window exists (one Window per process).

Import this and call ``configure`` before anything imports ``kivy.core.window``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from screens.fonts import install_fallback
from service_common.paths import FONTS


@dataclass(frozen=True)
class WindowSpec:
    width: int
    height: int
    fullscreen: bool = False
    rotation: int = 0
    show_cursor: bool = True
    headless: bool = False


def configure(spec: WindowSpec, kivy_home: Path) -> None:
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ["KIVY_HOME"] = str(kivy_home)
    if spec.headless or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_WINDOW", "sdl2")
    # No clipboard on a kiosk: a PIN or a phone number must not outlive the session there.
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")

    from kivy.config import Config

    Config.set("graphics", "width", str(spec.width))
    Config.set("graphics", "height", str(spec.height))
    Config.set("graphics", "fullscreen", "auto" if spec.fullscreen else "0")
    Config.set("graphics", "rotation", str(spec.rotation))
    Config.set("graphics", "show_cursor", "1" if spec.show_cursor else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    # The kiosk brings its own keyboard widget; Kivy's must never pop up.
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # The interface font covers Latin, Cyrillic and Traditional Chinese (see scripts/build_font.py).
    regular, bold = FONTS / "KioskSans-Regular.otf", FONTS / "KioskSans-Bold.otf"
    if regular.exists():
        Config.set(
            "kivy", "default_font", str(["KioskSans", str(regular), str(regular), str(bold), str(bold)])
        )


def register_fonts() -> list[str]:
    """Register the interface and icon fonts; returns what is missing (shown by ``kiosk doctor``)."""
    from kivy.core.text import LabelBase

    missing: list[str] = []
    regular, bold = FONTS / "KioskSans-Regular.otf", FONTS / "KioskSans-Bold.otf"
    if regular.exists():
        LabelBase.register("KioskSans", str(regular), fn_bold=str(bold) if bold.exists() else None)
    else:
        missing.append(str(regular))
    install_fallback()  # integral font sizes; the subset's missing characters come from the full face
    icons = icon_font_path()
    if icons is not None:
        LabelBase.register("Icons", str(icons))
    else:
        missing.append("MaterialIcons-Regular.ttf")
    return missing


def icon_font_path() -> Path | None:
    for candidate in (
        FONTS / "MaterialIcons-Regular.ttf",
        Path("/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf"),
    ):
        if candidate.exists():
            return candidate
    return None
