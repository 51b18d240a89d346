"""Keep the focused field in sight above the docked keyboard, on screens that do not scroll.

With the keyboard up, a landscape window keeps about 320 px for the screen: a sign-in or a
"my booking" form no longer fits and its fields ended up above the visible area (drawn over the
header). The screen's content is moved down just enough to show the field, and put back when the
keyboard goes. Screens that scroll (the booking form) scroll to the field themselves.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.scrollview import ScrollView

MARGIN = 24.0
_lifted: list[Any] = []  # contents moved, put back before anything else moves


def _content(screen: Any) -> Any | None:
    children = list(getattr(screen, "children", []))
    return children[0] if len(children) == 1 else None


def settle(manager: Any, target: Any) -> None:
    """Put the current screen's content where ``target`` (or nothing) can be seen."""
    screen = manager.current_screen
    content = _content(screen) if screen is not None else None
    for lifted in list(_lifted):
        if lifted is not content or target is None:
            lifted.y = 0
            _lifted.remove(lifted)
    if content is None or target is None or not _inside(target, screen):
        return
    scroller = _scroll_parent(target, screen)
    if scroller is not None:  # a field in a scroll view is scrolled to, not lifted
        scroller.scroll_to(target, padding=MARGIN, animate=False)
        return
    if not manager.transition.is_active:
        # A screen the manager moved or resized mid-fade keeps its old place and size.
        screen.pos, screen.size = manager.pos, manager.size
    # In the screen's own coordinates (a Screen is a RelativeLayout): the visible part is
    # 0..screen.height, and the field's place is counted without the current lift.
    _lay_out(content)  # children follow a moved content only at the next frame: now, to measure
    field_bottom = _local_y(target, screen) - content.y
    field_top = field_bottom + target.height
    shift = min(field_top + MARGIN - screen.height, field_bottom - MARGIN)
    if shift > 0:
        content.y = -shift
        if content not in _lifted:
            _lifted.append(content)
    elif content.y:
        content.y = 0
    _lay_out(content)


def _lay_out(content: Any) -> None:
    for widget in content.walk(restrict=True):
        layout = getattr(widget, "do_layout", None)
        if layout is not None:
            layout()


def _scroll_parent(widget: Any, screen: Any) -> Any | None:
    """The nearest scroll view around ``widget`` on ``screen`` (a booking form pins a line above its)."""
    node = widget.parent
    for _ in range(64):
        if node is None or node is screen or node.parent is node:
            return None
        if isinstance(node, ScrollView):
            return node
        node = node.parent
    return None


def _inside(widget: Any, ancestor: Any) -> bool:
    node = widget
    for _ in range(64):
        if node is None:
            return False
        if node is ancestor:
            return True
        parent = node.parent
        if parent is node:
            return False
        node = parent
    return False


def _local_y(widget: Any, screen: Any) -> float:
    """``widget``'s y in ``screen``'s coordinates."""
    _, y = screen.to_widget(*widget.to_window(widget.x, widget.y))
    return float(y)
