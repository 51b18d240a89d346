"""A layout checker over the live widget tree: what a visitor would see cut, covered or badly broken.

Used by the UI sweep (tests/ui/test_layout_sweep.py) on every screen, language and orientation.
Each problem names the widget so a failure points at the kv rule to change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.stencilview import StencilView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

Rect = tuple[float, float, float, float]  # x, y, right, top in window coordinates
SLACK = 1.5  # pixels of rounding we forgive

# No line may start with these (Chinese closing punctuation and its Western kin).
NO_LINE_START = set("，。、）」』】〉》！？：；,.!?:;)]}％%·…")
# No line may end with these (opening brackets).
NO_LINE_END = set("（「『【〈《([{")
# Two-character Chinese words never split across lines ("個 / 月" was seen in the rates table).
KEEP_WORDS = {"週一", "週二", "週三", "週四", "週五", "週六", "週日", "星期", "個月", "分鐘", "小時"}


@dataclass(frozen=True)
class Problem:
    # clipped, shortened, overlap, outside, covered, hidden_focus, break, glyph, out_of_sight, blank
    kind: str
    widget: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.widget}: {self.detail}"


def window_rect(widget: Widget) -> Rect:
    x, y = widget.to_window(*widget.pos)
    return (x, y, x + widget.width, y + widget.height)


def intersect(a: Rect, b: Rect) -> Rect | None:
    x, y, r, t = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (x, y, r, t) if r > x and t > y else None


def inside(inner: Rect, outer: Rect) -> bool:
    return (
        inner[0] >= outer[0] - SLACK
        and inner[1] >= outer[1] - SLACK
        and inner[2] <= outer[2] + SLACK
        and inner[3] <= outer[3] + SLACK
    )


def shown(widget: Widget) -> bool:
    """Drawn with some size and opacity, all the way up."""
    node: Any = widget
    while isinstance(node, Widget) and node is not node.parent:
        if node.opacity <= 0.01 or node.width <= 0.5 or node.height <= 0.5:
            return False
        node = node.parent
    return True


def describe(widget: Widget, roots: list[Widget]) -> str:
    """An id from the nearest kv rule that names it (or an ancestor), plus its text."""
    name = ""
    for root in roots:
        for key, value in getattr(root, "ids", {}).items():
            if value is widget:
                name = key
    if not name:
        node: Any = widget.parent
        while isinstance(node, Widget) and not name and node is not node.parent:
            for key, value in getattr(node, "ids", {}).items():
                if value is widget:
                    name = key
            node = node.parent
    text = getattr(widget, "text", "")
    text = text if isinstance(text, str) else ""
    label = f"{type(widget).__name__}" + (f"#{name}" if name else "")
    return label + (f" {text[:40]!r}" if text and getattr(widget, "font_name", "") != "Icons" else "")


def natural_lines(label: Label) -> tuple[list[str], tuple[int, int]]:
    """The label laid out with its width limit but no height limit and no shortening."""
    options = dict(label._label.options)
    # The core label keeps its own stale copy of text_size in options; a shortened label is
    # measured on one line, as it would be without shortening.
    width = None if label.shorten else label.text_size[0]
    options["text_size"] = (width, None)
    options["shorten"] = False
    options["max_lines"] = 0
    options.pop("text", None)
    # The text as drawn: a WrapLabel hands the core label its own line breaks.
    text = label.text if label.markup else label._label.text
    core = type(label._label)(text=text, **options)  # a markup label stays one
    core.refresh()
    lines = ["".join(word.text for word in line.words) for line in core._cached_lines]
    pad = options.get("padding", (0, 0, 0, 0))
    width = max((line.w for line in core._cached_lines), default=0) + pad[0] + pad[2]
    height = sum(line.h for line in core._cached_lines) + pad[1] + pad[3]
    return lines, (int(width), int(height))


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _is_word_char(char: str) -> bool:
    return char.isalnum() and not _is_cjk(char)


MARKUP = re.compile(
    r"\[/?(?:b|i|u|s|sub|sup|size|color|font|font_context|font_family|ref|anchor|text_language)(?:=[^\]]*)?\]"
)


ICON_SPANS = re.compile(r"\[font=Icons\].*?\[/font\]", re.S)  # drawn with the icon font


def break_problems(text: str, lines: list[str], markup: bool = False) -> list[str]:
    """Line breaks a reader of Russian or Chinese would object to.

    Each line is found again in the original text: what stood between two lines tells whether the
    break was at a space or newline (fine) or forced inside a run of characters.
    """
    plain = MARKUP.sub("", text) if markup else text
    plain = plain.replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")
    found: list[str] = []
    pos = 0
    ends: list[int] = []
    starts: list[int] = []
    for line in lines:
        at = plain.find(line, pos) if line else pos
        if at < 0:
            return found  # not traceable (a shortened or transformed text): say nothing
        starts.append(at)
        ends.append(at + len(line))
        pos = at + len(line)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if i > 0 and stripped[0] in NO_LINE_START:
            found.append(f"line {i + 1} starts with {stripped[0]!r}")
        if all(unicodedata.category(c).startswith("P") for c in stripped):
            found.append(f"line {i + 1} is punctuation alone ({stripped!r})")
        if i + 1 >= len(lines) or not lines[i + 1].strip():
            continue
        gap = plain[ends[i] : starts[i + 1]]
        if stripped[-1] in NO_LINE_END:
            found.append(f"line {i + 1} ends with {stripped[-1]!r}")
        before, after = plain[ends[i] - 1], plain[starts[i + 1]]
        if gap == " " and before.isdigit() and _is_cjk(after):
            found.append(f"number apart from its unit: {plain[max(0, ends[i] - 3) : ends[i]]!r} / {after!r}")
            continue
        if gap.strip(" \n\t") or any(c in gap for c in " \n\t"):
            continue  # a break at whitespace (or a newline in the text)
        if not gap and before + after in KEEP_WORDS:
            found.append(f"word broken: {before!r} / {after!r}")
            continue
        if before in "-\u00ad\u2010":
            continue  # after a hyphen
        if _is_word_char(before) and _is_word_char(after):
            found.append(
                f"word broken: {plain[max(0, ends[i] - 6) : ends[i]]!r} / {plain[starts[i + 1] :][:6]!r}"
            )
        elif (_is_word_char(before) and _is_cjk(after)) or (
            _is_cjk(before) and before not in NO_LINE_START and _is_word_char(after)
        ):  # after "，" or "。" a line may go on with a number
            found.append(
                f"break between {plain[max(0, ends[i] - 3) : ends[i]]!r} / {plain[starts[i + 1] :][:3]!r}"
            )
        elif before == "\u00a0" or after == "\u00a0":
            found.append("break at a no-break space")
    return found


def label_text_rect(label: Label, content: tuple[int, int]) -> Rect:
    """Where the text's ink roughly is: the content box aligned inside the label."""
    x, y, r, t = window_rect(label)
    cw, ch = content
    tw = label.text_size[0] if label.text_size[0] else label.texture_size[0]
    th = label.text_size[1] if label.text_size[1] else label.texture_size[1]
    # The texture is centred in the label; the content is aligned inside the texture.
    tx = x + (label.width - tw) / 2
    ty = y + (label.height - th) / 2
    halign = label.halign
    left = (
        tx if halign in ("left", "justify") else tx + (tw - cw) if halign == "right" else tx + (tw - cw) / 2
    )
    valign = label.valign
    bottom = ty + th - ch if valign == "top" else ty if valign == "bottom" else ty + (th - ch) / 2
    return (max(left, x), max(bottom, y), min(left + cw, r), min(bottom + ch, t))


def scroll_clip(widget: Widget) -> Rect | None:
    """The viewport of the nearest scroll view around ``widget`` (None when not scrolled)."""
    node: Any = widget.parent
    clip: Rect | None = None
    while isinstance(node, Widget) and node is not node.parent:
        if isinstance(node, ScrollView):
            rect = window_rect(node)
            clip = rect if clip is None else intersect(clip, rect)
            if clip is None:
                return (0, 0, 0, 0)
        node = node.parent
    return clip


def takes_touch(widget: Widget) -> bool:
    return isinstance(widget, ButtonBehavior | TextInput | ModalView)


def touch_target(window: Any, x: float, y: float) -> Widget | None:
    """The widget a touch at (x, y) reaches, walking the tree in Kivy's dispatch order."""

    def visit(widget: Widget) -> Widget | None:
        if widget.opacity <= 0.01:
            return None  # hidden (the docked keyboard lets touches through when hidden)
        hit = _collide(widget, x, y)
        if widget.disabled and hit:
            return widget  # a disabled widget swallows the touch
        if isinstance(widget, StencilView) and not hit:
            return None  # a clipping view (a scroll view, the screens' area) lets nothing outside in
        for child in widget.children:
            found = visit(child)
            if found is not None:
                return found
        if takes_touch(widget) and hit:
            return widget
        return None

    for top in window.children:
        found = visit(top)
        if found is not None:
            return found
    return None


def _collide(widget: Widget, x: float, y: float) -> bool:
    rx, ry, rr, rt = window_rect(widget)
    return rx <= x <= rr and ry <= y <= rt


def walk_shown(root: Widget) -> Iterator[Widget]:
    for widget in root.walk(restrict=True):
        if shown(widget):
            yield widget


def check(screen: Widget, frame: Widget, window: Any, keyboard: Widget | None = None) -> list[Problem]:
    """Every problem on ``screen`` (and the frame around it) as a visitor would see it."""
    problems: list[Problem] = []
    roots = [screen, frame, *frame.ids.values()]
    manager = frame.ids.manager
    area = window_rect(manager)
    labels: list[tuple[Label, Rect]] = []
    # While typing, a tall screen cannot all fit above the keyboard: what lies outside is clipped
    # away (never drawn over the header); only the focused field must show.
    typing = keyboard is not None and getattr(keyboard, "target", None) is not None
    widgets = list(walk_shown(screen)) + [
        w for w in walk_shown(frame.ids.header) if w is not frame.ids.header
    ]
    for widget in widgets:
        in_frame = not _under(widget, screen)
        clip = scroll_clip(widget)
        visible = area if not in_frame else window_rect(frame)
        if clip is not None:
            visible = intersect(visible, clip) or (0, 0, 0, 0)
        if isinstance(widget, Label) and widget.text.strip() and not isinstance(widget.parent, TextInput):
            problems.extend(_label_problems(widget, roots, labels, visible, clip is not None or typing))
        elif takes_touch(widget) and not isinstance(widget, ModalView):
            rect = window_rect(widget)
            name = describe(widget, roots)
            if typing and not in_frame and intersect(rect, visible) is None:
                continue  # out of sight while typing
            if clip is None and not typing and not inside(rect, visible):
                problems.append(Problem("outside", name, f"{_fmt(rect)} not inside {_fmt(visible)}"))
                continue
            probe = intersect(rect, visible)
            if probe is None:
                continue  # scrolled out of view: reachable by scrolling
            cx, cy = (probe[0] + probe[2]) / 2, (probe[1] + probe[3]) / 2
            target = touch_target(window, cx, cy)
            if target is not None and target is not widget and not _under(target, widget):
                problems.append(
                    Problem("covered", name, f"a touch at its centre reaches {describe(target, roots)}")
                )
    for i, (a, ra) in enumerate(labels):
        for b, rb in labels[i + 1 :]:
            if _under(a, b) or _under(b, a):
                continue
            common = intersect(ra, rb)
            if common is not None and (common[2] - common[0]) > 3 and (common[3] - common[1]) > 3:
                problems.append(
                    Problem(
                        "overlap", describe(a, roots), f"text overlaps {describe(b, roots)} at {_fmt(common)}"
                    )
                )
    # A hidden widget that keeps its place beside a scroll view that has to scroll: book_time in
    # landscape showed one row of times above the blank place of a hidden button.
    for view in [w for w in walk_shown(screen) if isinstance(w, ScrollView) and w.children]:
        content = view.children[0]
        if content.height <= view.height + SLACK or view.parent is None:
            continue
        for sibling in view.parent.children:
            if sibling is not view and sibling.opacity <= 0.01 and sibling.height > 10 * SLACK:
                problems.append(
                    Problem(
                        "blank",
                        describe(sibling, roots),
                        f"hidden but keeps {sibling.height:.0f} px while {describe(view, roots)} must scroll",
                    )
                )
    # What a screen says must stay in sight (its ``keep_in_sight`` ids): e.g. the booking form's
    # service, time and countdown while the keyboard is up.
    for wid in getattr(screen, "keep_in_sight", ()):
        widget = screen.ids.get(wid)
        rect = window_rect(widget) if widget is not None else (0.0, 0.0, 0.0, 0.0)
        clip = scroll_clip(widget) if widget is not None else None
        visible = area if clip is None else (intersect(area, clip) or (0, 0, 0, 0))
        if widget is None or not shown(widget) or not inside(rect, visible):
            problems.append(Problem("out_of_sight", wid, f"{_fmt(rect)} not inside {_fmt(visible)}"))
    if keyboard is not None and getattr(keyboard, "target", None) is not None:
        field = keyboard.target
        rect = window_rect(field)
        clip = scroll_clip(field)
        visible = area if clip is None else (intersect(area, clip) or (0, 0, 0, 0))
        if not inside(rect, visible):
            problems.append(
                Problem("hidden_focus", describe(field, roots), f"{_fmt(rect)} not inside {_fmt(visible)}")
            )
    return problems


def _label_problems(
    label: Label, roots: list[Widget], labels: list[tuple[Label, Rect]], visible: Rect, scrolled: bool
) -> list[Problem]:
    problems: list[Problem] = []
    name = describe(label, roots)
    lines, content = natural_lines(label)
    if label.font_name != "Icons":
        text = MARKUP.sub("", ICON_SPANS.sub("", label.text)) if label.markup else label.text
        missing = sorted(_font_coverage().missing(text))
        if missing:
            shown_as = ", ".join(f"U+{ord(c):04X}" for c in missing)
            problems.append(
                Problem("glyph", name, f"no glyph in either face for {shown_as} (drawn as a box)")
            )
        for detail in break_problems(label.text if label.markup else label._label.text, lines, label.markup):
            problems.append(Problem("break", name, detail))
    limit_w = label.text_size[0] or label.width
    limit_h = label.text_size[1] or label.height
    if content[0] > limit_w + SLACK or content[0] > label.width + SLACK:
        kind = "shortened" if label.shorten else "clipped"
        problems.append(Problem(kind, name, f"text {content[0]} px wide in {label.width:.0f}"))
    elif content[1] > min(limit_h, label.height) + SLACK:
        problems.append(Problem("clipped", name, f"text {content[1]} px tall in {label.height:.0f}"))
    rect = label_text_rect(label, content)
    if rect[2] > rect[0] and rect[3] > rect[1]:
        if not scrolled and not inside(rect, visible):
            problems.append(Problem("outside", name, f"text at {_fmt(rect)} not inside {_fmt(visible)}"))
        seen = intersect(rect, visible)
        if seen is not None and label.font_name != "Icons":
            labels.append((label, seen))
    return problems


class _Faces:
    """Characters the interface font draws: its subset or, through the fallback, its full face."""

    def __init__(self) -> None:
        from screens.fonts import Coverage
        from service_common.paths import FONTS

        self.faces = [Coverage((FONTS / f"{n}.coverage").read_text()) for n in ("KioskSans", "KioskSansFull")]

    def missing(self, text: str) -> set[str]:
        if text.isascii():
            return set()
        return {ch for ch in set(text) if ch not in "\n\r\t" and not any(ch in face for face in self.faces)}


@lru_cache(maxsize=1)
def _font_coverage() -> _Faces:
    return _Faces()


def _under(widget: Widget, ancestor: Widget) -> bool:
    node: Any = widget
    while isinstance(node, Widget):
        if node is ancestor:
            return True
        if node.parent is node:
            return False
        node = node.parent
    return False


def _fmt(rect: Rect) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in rect) + ")"
