"""The "are you still there?" overlay with its visible countdown."""

from __future__ import annotations

import math
from collections.abc import Callable

from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView


class IdleOverlay(ModalView):  # type: ignore[misc]
    seconds_left = NumericProperty(0)

    def __init__(self, on_continue: Callable[[], None], **kwargs: object) -> None:
        super().__init__(auto_dismiss=False, **kwargs)
        self._on_continue = on_continue
        self.shown = False

    def show(self, seconds_left: float) -> None:
        self.seconds_left = math.ceil(seconds_left)
        if not self.shown:
            self.shown = True
            self.open(animation=False)

    def hide(self) -> None:
        if self.shown:
            self.shown = False
            self.dismiss(animation=False)

    def keep_going(self) -> None:
        self._on_continue()
        self.hide()
