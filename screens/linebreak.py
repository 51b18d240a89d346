"""Where a line may break, for the kiosk's languages; and wrapping text at those places.

Kivy wraps at spaces only and cuts anything longer anywhere: Chinese (no spaces) came out with a
line starting "，", a "。" alone on a line, "週 / 五" and "8 / 位數字" split. This knows no Kivy: the
caller passes a function measuring a string's width.

Rules (a small part of UAX #14, enough for our texts):
- a space is a break (the space is dropped);
- between two CJK characters, unless the pair is a word we keep together (週五, QR碼);
- never before closing punctuation (，。、）」 …) nor after opening punctuation (（「 …);
- never between a Latin letter or digit and a CJK character ("8位數字", "QR碼" stay whole);
- never inside a Latin or Cyrillic word (a no-break space joins words too);
- never between a number and the Chinese measure word or unit after it, space or not
  ("12 個月" broke as "12 個 / 月" and "12 / 個月" in the rates table).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

CLOSING = set("，。、．）」』】〉》〕！？：；,.!?:;)]}％%…·～")
OPENING = set("（「『【〈《〔([{")
# Two-character words that must not be split across lines.
KEEP_TOGETHER = (
    "週一",
    "週二",
    "週三",
    "週四",
    "週五",
    "週六",
    "週日",
    "QR碼",
    "星期",
    "個月",
    "分鐘",
    "小時",
)


def is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F") and char not in CLOSING | OPENING


def has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


def break_opportunities(text: str) -> list[int]:
    """Indexes ``i`` where a line may end before ``text[i]`` (a space at ``i`` is dropped)."""
    keep: set[int] = set()
    for word in KEEP_TOGETHER:
        start = text.find(word)
        while start >= 0:
            keep.update(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    found: list[int] = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after == " ":
            if not (before.isdigit() and i + 1 < len(text) and is_cjk(text[i + 1])):
                found.append(i)  # "12 個月": the number stays with its measure word
        elif before == " " or i in keep or after in CLOSING or before in OPENING:
            continue
        elif (is_cjk(before) or before in CLOSING) and is_cjk(after):
            found.append(i)
        elif before in CLOSING and before not in ",.!?:;)]}%" and not after.isspace():
            found.append(i)  # after "，" or "。" a CJK line may go on with anything
    return found


def wrap(text: str, width: float, measure: Callable[[str], float]) -> str:
    """``text`` with newlines where lines must end to fit ``width`` (paragraphs kept)."""
    if width <= 0:
        return text
    return "\n".join(_wrap_paragraph(p, width, measure) for p in text.split("\n"))


def _wrap_paragraph(text: str, width: float, measure: Callable[[str], float]) -> str:
    if not text or measure(text) <= width:
        return text
    lines: list[str] = []
    rest = text
    while rest and measure(rest) > width:
        breaks = break_opportunities(rest)
        fitting = [b for b in breaks if measure(rest[:b].rstrip(" ")) <= width]
        if fitting:
            cut = fitting[-1]
        elif breaks:
            cut = breaks[0]  # nothing fits: the shortest line we may make (it will be cut)
        else:
            break
        lines.append(rest[:cut].rstrip(" "))
        rest = rest[cut:].lstrip(" ")
    lines.append(rest)
    return "\n".join(lines)
