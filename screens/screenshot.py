"""The window as a PNG for central's "screenshot" command, with every text field masked.

Masked on the picture, not in the widgets: the fields' own text never changes (no flicker for the
visitor, no race with their typing), and nothing of it reaches the image: each field's rectangle is
painted over with a plain box and a row of dots before the PNG is encoded.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.textinput import TextInput

MASK = (238, 238, 238)
DOT = (90, 90, 90)


def field_boxes() -> list[tuple[int, int, int, int]]:
    """Window-pixel boxes (left, top, right, bottom, y down) of every text field on screen."""
    boxes = []
    height = Window.height
    for root in Window.children:
        for widget in root.walk():
            if (
                isinstance(widget, TextInput)
                and widget.width > 0
                and widget.height > 0
                and widget.get_root_window()
            ):
                x, y = widget.to_window(widget.x, widget.y)
                boxes.append(
                    (int(x), int(height - y - widget.height), int(x + widget.width), int(height - y))
                )
    return boxes


def masked_png() -> bytes:
    """On the UI thread: the drawn frame with the fields painted over."""
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image, ImageDraw

    width, height = Window.size
    pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    image = (
        Image.frombytes("RGBA", (width, height), pixels)
        .transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        .convert("RGB")
    )
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom in field_boxes():
        draw.rectangle((left, top, right - 1, bottom - 1), fill=MASK)
        size = max(4, (bottom - top) // 6)
        middle = (top + bottom) // 2
        for i in range(6):
            x = left + size * 2 + i * size * 2
            if x + size < right:
                draw.rectangle((x, middle - size // 2, x + size - 1, middle + size // 2), fill=DOT)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def capture_from_worker(timeout: float = 10.0) -> bytes:
    """From a worker thread: ask the UI thread for :func:`masked_png` and wait for it."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def shoot(_dt: float) -> None:
        try:
            box["png"] = masked_png()
        except Exception as exc:  # handed to the waiting worker, reported as the command's failure
            box["error"] = exc
        finally:
            done.set()

    Clock.schedule_once(shoot, 0)
    if not done.wait(timeout):
        raise TimeoutError("the window did not answer within 10 s")
    if "error" in box:
        raise box["error"]
    png: bytes = box["png"]
    return png
