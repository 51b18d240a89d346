"""The one place python-escpos is imported, with its 3.1 defects worked around.

Why: importing it calls ``logging.basicConfig()`` (which would route every kiosk log line to stderr)
and pickles its printer database into a fresh temp folder each time; and a reused printer object forgets
that ``ESC @`` reset the code page, so the second job's Cyrillic prints as CP437 garbage. Everything here
hands out a *fresh* encoder per job and imports the library without side effects.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_PROFILE = "TM-T20II"
QR_EC_M = 1  # python-escpos's QR_ECLEVEL_M: survives a smudge or a fold across the code


def _cache_dir() -> Path:
    """A private cache for python-escpos's pickled printer database (never a guessable /tmp path: it is
    unpickled on import, so whoever can write there could run code in the kiosk)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "service-kiosk" / "escpos"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _import_escpos() -> tuple[Any, Any, Any]:
    """Import python-escpos without its import-time side effects.

    ``escpos.capabilities`` runs ``logging.basicConfig()`` (a no-op while the root logger has a handler,
    so one is lent for the import) and ``environ.get(KEY, mkdtemp())``, which makes a temp folder even
    when KEY is set (so ``mkdtemp`` is lent too, returning our cache folder).
    """
    root = logging.getLogger()
    guard: logging.Handler | None = None
    if not root.handlers:
        guard = logging.NullHandler()
        root.addHandler(guard)
    env_key = "ESCPOS_CAPABILITIES_PICKLE_DIR"
    had_env = env_key in os.environ
    real_mkdtemp = tempfile.mkdtemp
    try:
        with contextlib.suppress(OSError):  # unwritable home: python-escpos keeps its temp folder
            cache = str(_cache_dir())
            if not had_env:
                os.environ[env_key] = cache
            tempfile.mkdtemp = lambda *args, **kwargs: cache  # type: ignore[assignment]
        from escpos import capabilities, magicencode
        from escpos.printer import Dummy
    finally:
        tempfile.mkdtemp = real_mkdtemp
        if not had_env:
            os.environ.pop(env_key, None)
        if guard is not None:
            root.removeHandler(guard)
    return Dummy, capabilities, magicencode


_Dummy, _capabilities, _magicencode = _import_escpos()


class UnknownProfileError(ValueError):
    """The printer URI names a profile python-escpos does not ship."""


def profile_names() -> list[str]:
    return sorted(_capabilities.CAPABILITIES["profiles"])


@dataclass(frozen=True)
class ProfileInfo:
    """What the layout needs to know about a printer model."""

    name: str
    pixels: int | None  # printable dots per line, when the profile knows it
    qr_native: bool
    part_cut: bool
    full_cut: bool
    code_pages: tuple[tuple[str, int], ...]  # (python-escpos encoding name, ESC t number)


@lru_cache(maxsize=32)
def profile_info(name: str) -> ProfileInfo:
    if name not in _capabilities.CAPABILITIES["profiles"]:
        raise UnknownProfileError(
            f"unknown printer profile {name!r}; python-escpos knows: {', '.join(profile_names())}"
        )
    profile = _capabilities.get_profile(name)
    pixels_raw = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    pixels = int(pixels_raw) if isinstance(pixels_raw, int | str) and str(pixels_raw).isdigit() else None
    pages = tuple(sorted(profile.get_code_pages().items(), key=lambda kv: int(kv[1])))
    return ProfileInfo(
        name=name,
        pixels=pixels,
        qr_native=bool(profile.supports("qrCode")),
        part_cut=bool(profile.supports("paperPartCut")),
        full_cut=bool(profile.supports("paperFullCut")),
        code_pages=tuple((str(k), int(v)) for k, v in pages),
    )


def new_encoder(profile: str) -> Any:
    """A fresh python-escpos ``Dummy`` for one job: its MagicEncode starts with no code page, so the first
    non-ASCII text always sends ``ESC t`` again (the reuse defect cannot happen)."""
    profile_info(profile)  # a clear error for a misspelt profile
    return _Dummy(profile=profile)


@lru_cache(maxsize=32)
def _encoder(profile: str) -> Any:
    return _magicencode.Encoder(_capabilities.get_profile(profile).get_code_pages())


@lru_cache(maxsize=16384)
def char_printable(profile: str, ch: str) -> bool:
    """True when the printer's own font can print ``ch`` through one of the profile's code pages."""
    if ord(ch) < 0x80:
        return ch.isprintable() or ch == "\n"
    encoder = _encoder(profile)
    return any(encoder.can_encode(name, ch) for name, _ in profile_info(profile).code_pages)


def text_printable(profile: str, text: str) -> bool:
    """Whether ``text`` can go as text; anything else (Chinese, emoji...) must go as a picture.

    Characters python-escpos would send as raw GB18030 (U+4E00-U+9FA5) are never text here.
    """
    return all(char_printable(profile, ch) for ch in text)
