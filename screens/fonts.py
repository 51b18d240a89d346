"""A text with a character outside the interface font's subset is drawn with the full face, never with boxes.

The interface font is a subset (see ``scripts/build_font.py``): 0.3 of the full face's memory
per size. Kivy has no font fallback of its own: SDL_ttf would draw a missing character as an
empty box, and a visitor's name may hold a rare character (a Big5 extension, HKSCS, CJK
extension B). So every label's font is resolved here: if its text needs a character the
subset lacks, that label uses the full face, opened only then (one font object per size, as
for any font). The check is per label and skips ASCII at once.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from pathlib import Path
from typing import Any

from service_common.paths import FONTS


class Coverage:
    """The code points a font maps, as sorted ranges (read from the file ``build_font`` writes)."""

    def __init__(self, text: str) -> None:
        self.firsts = array("I")
        self.lasts = array("I")
        for line in text.split():
            first, _, last = line.partition("-")
            self.firsts.append(int(first, 16))
            self.lasts.append(int(last or first, 16))

    def __contains__(self, ch: str) -> bool:
        cp = ord(ch)
        i = bisect_right(self.firsts, cp) - 1
        return i >= 0 and cp <= self.lasts[i]

    def missing(self, text: str) -> set[str]:
        """The characters of ``text`` outside this coverage (none for plain ASCII, checked first)."""
        if text.isascii():
            return set()
        return {ch for ch in set(text) if ch not in self and ch not in "\n\r\t"}


def needs_full_face(text: str, subset: Coverage, extra: Coverage) -> bool:
    """True when the full face draws a character of ``text`` that the subset lacks.

    A character neither face has (e.g. U+202F in some dates) is no reason to open the big face.
    """
    return any(ch in extra for ch in subset.missing(text))


def fallbacks(font_dir: Path = FONTS) -> dict[str, str]:
    """Subset file -> full file, for the styles whose both files exist."""
    pairs = {}
    for style in ("Regular", "Bold"):
        small, full = font_dir / f"KioskSans-{style}.otf", font_dir / f"KioskSansFull-{style}.otf"
        if small.exists() and full.exists():
            pairs[str(small)] = str(full)
    return pairs


_installed = False


def install_fallback(font_dir: Path = FONTS) -> bool:
    """Make Kivy's labels switch to the full face for text the subset cannot draw; idempotent.

    Also gives every label an integral font size, so one size is one font object.
    """
    global _installed
    subset_file, extra_file = font_dir / "KioskSans.coverage", font_dir / "KioskSansFull.coverage"
    if _installed:
        return True
    from kivy.core.text import LabelBase

    pairs = fallbacks(font_dir) if subset_file.exists() and extra_file.exists() else {}
    subset = Coverage(subset_file.read_text() if pairs else "")
    extra = Coverage(extra_file.read_text() if pairs else "")
    resolve = LabelBase.resolve_font_name

    def resolve_with_fallback(label: Any) -> None:
        resolve(label)
        options = label.options
        # Kivy keys its font objects by str(font_size): 38 and 38.0 would open two objects of
        # the same face at the same size (SDL_ttf opens int(font_size) either way).
        options["font_size"] = int(options["font_size"])
        full = pairs.get(options.get("font_name_r") or "")
        if full is not None and needs_full_face(str(label.text or ""), subset, extra):
            options["font_name_r"] = full

    LabelBase.resolve_font_name = resolve_with_fallback
    _installed = True
    return bool(pairs)
