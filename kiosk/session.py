"""A visitor's session: what they chose and typed, and anything read from their card.

Everything personal lives here and nowhere else in the UI, so one ``wipe`` makes the
kiosk forget the visitor: after a timeout, on "finish", or when a card is pulled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from service_common.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardIdentity:
    """What the kiosk may keep of a card while the visitor stands there: never the full number."""

    masked_pan: str
    scheme: str = ""
    expiry: str = ""


@dataclass
class Session:
    default_language: str
    language: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    card: CardIdentity | None = None
    staff_id: str | None = None
    _wipe_listeners: list[Callable[[str], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.language = self.language or self.default_language

    @property
    def is_blank(self) -> bool:
        """Nothing to forget: the idle countdown need not run."""
        return (
            self.language == self.default_language
            and not self.inputs
            and self.card is None
            and self.staff_id is None
        )

    def on_wipe(self, listener: Callable[[str], None]) -> None:
        self._wipe_listeners.append(listener)

    def wipe(self, reason: str) -> None:
        self.inputs.clear()
        self.card = None
        self.staff_id = None
        self.language = self.default_language
        log.info("session wiped (%s)", reason)
        for listener in list(self._wipe_listeners):
            listener(reason)


class IdlePhase(Enum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdleState:
    phase: IdlePhase
    seconds_left: float


class IdleTimer:
    """Decides when to ask "are you still there?" and when to give up, from the injected clock."""

    def __init__(self, clock: Clock, warning_after_s: float, countdown_s: float) -> None:
        self.clock = clock
        self.warning_after_s = warning_after_s
        self.countdown_s = countdown_s
        self._last = clock.monotonic()
        self._lock = threading.Lock()

    def activity(self) -> None:
        with self._lock:
            self._last = self.clock.monotonic()

    def state(self) -> IdleState:
        with self._lock:
            idle = self.clock.monotonic() - self._last
        if idle < self.warning_after_s:
            return IdleState(IdlePhase.ACTIVE, self.warning_after_s + self.countdown_s - idle)
        left = self.warning_after_s + self.countdown_s - idle
        if left > 0:
            return IdleState(IdlePhase.WARNING, left)
        return IdleState(IdlePhase.EXPIRED, 0.0)
