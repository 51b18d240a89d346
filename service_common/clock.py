"""One injectable clock, in the service center's time zone, for the kiosk and central alike.

Nothing in the product calls ``datetime.now()`` directly: tests and the demo move time
through this object instead of sleeping for it.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime:
        """The current time, timezone-aware, in the center's zone."""
        ...

    def monotonic(self) -> float:
        """Seconds for measuring intervals (idle timers); moves with the clock when time is moved."""
        ...


class SystemClock:
    """Real time: what a kiosk in service uses."""

    def __init__(self, tz: tzinfo | str = "UTC") -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """Time that moves only when told to: for tests."""

    def __init__(self, start: datetime, tz: tzinfo | str | None = None) -> None:
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        if start.tzinfo is None:
            if zone is None:
                raise ValueError("a naive start time needs a time zone")
            start = start.replace(tzinfo=zone)
        tz = zone or start.tzinfo
        assert tz is not None
        self.tz: tzinfo = tz
        self._now = start.astimezone(self.tz)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, delta: timedelta | float) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        with self._lock:
            # Real elapsed time: aware-datetime arithmetic in one zone is wall-clock time.
            self._now = (self._now.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(self.tz)
            self._mono += seconds

    def set(self, when: datetime) -> None:
        """Jump to ``when``; monotonic time jumps forward by the same amount, never back."""
        with self._lock:
            when = when if when.tzinfo else when.replace(tzinfo=self.tz)
            delta = (when - self._now).total_seconds()
            self._now = when.astimezone(self.tz)
            self._mono += max(0.0, delta)


class OffsetClock:
    """Real time flowing from a chosen start: the demo's ``--clock 2026-12-01T09:55``.

    ``jump`` moves it on (the demo's clock control) while seconds keep ticking.
    """

    def __init__(self, start: datetime, tz: tzinfo | str) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        start = start if start.tzinfo else start.replace(tzinfo=self.tz)
        self._offset = start.astimezone(UTC) - datetime.now(UTC)
        self._extra_mono = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return (datetime.now(UTC) + self._offset).astimezone(self.tz)

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._extra_mono

    def jump(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta
            self._extra_mono += max(0.0, delta.total_seconds())


def parse_start(text: str, tz: tzinfo | str) -> datetime:
    """Parse ``--clock`` values such as ``2026-12-01T09:55``, read in the center's zone."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=zone)
