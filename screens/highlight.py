"""Search results with the visitor's words marked, wrapped by the same rules as every other label.

A result's title shows the matched words in bold colour, which needs Kivy markup; Kivy wraps
markup at spaces only, so a Chinese title would break before "，" or inside a word. Here the
markup is wrapped on its plain text with :func:`screens.linebreak.wrap` and the line ends are put
back into the markup, so the label draws exactly the lines the rules chose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from kivy.properties import NumericProperty, StringProperty

from screens.linebreak import has_cjk, wrap
from screens.widgets import WrapLabel

_TOKEN = re.compile(r"(\[/?[a-z_]+(?:=[^\]]*)?\]|&bl;|&br;|&amp;)")
_ENTITY = {"&bl;": "[", "&br;": "]", "&amp;": "&"}


def esc(text: str) -> str:
    """Plain text inside markup: brackets and ampersands must not start a tag."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


def mark(text: str, words: Iterable[str], color: str) -> str:
    """``text`` as markup with every occurrence of ``words`` (case-insensitive) in bold ``color``."""
    wanted = sorted({w for w in words if w and w.strip()}, key=len, reverse=True)
    if not wanted:
        return esc(text)
    pattern = re.compile("|".join(re.escape(w) for w in wanted), re.IGNORECASE)
    out: list[str] = []
    pos = 0
    for found in pattern.finditer(text):
        out.append(esc(text[pos : found.start()]))
        out.append(f"[b][color={color}]{esc(found.group(0))}[/color][/b]")
        pos = found.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def snippet(text: str, words: Iterable[str], around: int = 40) -> str:
    """A short piece of ``text`` around the first of ``words`` found in it ("" when none is)."""
    lowered = text.lower()
    found = [i for i in (lowered.find(w.lower()) for w in words if w.strip()) if i >= 0]
    if not found:
        return ""
    at = min(found)
    start, end = max(0, at - around), min(len(text), at + around * 2)
    if start > 0:
        space = text.rfind(" ", start, at)
        start = space + 1 if space > 0 else start
    piece = text[start:end].strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def _pieces(markup: str) -> list[tuple[str, str]]:
    """(plain character or "", markup it comes from): tags give "", entities one character."""
    pieces: list[tuple[str, str]] = []
    for part in _TOKEN.split(markup):
        if not part:
            continue
        if part in _ENTITY:
            pieces.append((_ENTITY[part], part))
        elif _TOKEN.fullmatch(part):
            pieces.append(("", part))
        else:
            pieces.extend((char, char) for char in part)
    return pieces


def wrap_markup(markup: str, width: float, measure: Callable[[str], float]) -> str:
    """``markup`` with newlines where :func:`wrap` ends the lines of its plain text."""
    pieces = _pieces(markup)
    plain = "".join(char for char, _ in pieces)
    wrapped = wrap(plain, width, measure)
    if wrapped == plain:
        return markup
    out: list[str] = []
    i = 0
    for char in wrapped:
        while i < len(pieces) and pieces[i][0] == "":
            out.append(pieces[i][1])  # tags before the next character
            i += 1
        if i < len(pieces) and char == pieces[i][0]:
            out.append(pieces[i][1])
            i += 1
        elif char == "\n":
            while i < len(pieces) and pieces[i][0] in (" ", ""):
                if pieces[i][0] == "":
                    out.append(pieces[i][1])
                i += 1  # the spaces wrap dropped at the line end
            out.append("\n")
    out.extend(markup for _, markup in pieces[i:])
    return "".join(out)


class MarkLabel(WrapLabel):
    """A markup label whose Chinese lines break where Chinese allows; set ``source``, not ``text``."""

    source = StringProperty("")
    margin = NumericProperty(0.96)  # bold is a little wider than the regular face it is measured in

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.markup = True
        self.fbind("source", self._rewrap)
        self.fbind("width", self._rewrap)
        self.fbind("font_size", self._rewrap)
        self._rewrap()

    def _rewrap(self, *_args: Any) -> None:
        plain = re.sub(_TOKEN, "", self.source)
        width = self.width - self.padding[0] - self.padding[2]
        if not has_cjk(plain) or width <= 1:
            self.text = self.source
            return
        from kivy.core.text import Label as CoreLabel

        probe = CoreLabel(font_size=self.font_size, font_name=self.font_name, bold=True)
        self.text = wrap_markup(self.source, width * self.margin, lambda s: probe.get_extents(s)[0])
