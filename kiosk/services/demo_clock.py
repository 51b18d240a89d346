"""The demo's clock control: move the kiosk's clock and central's together, forward only.

Only ``kiosk demo`` offers it (``ui.demo_controls``); its central runs with ``--clock``, which is
what gives central the ``/demo/clock`` call. A real central has no such call and a real kiosk
never shows the control.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from kiosk.clock import Clock, OffsetClock
from server_sync.client import CentralClient

log = logging.getLogger(__name__)


class DemoClockError(Exception):
    """The clocks could not be moved (no demo central, or the kiosk clock is not a demo clock)."""


class DemoClock:
    def __init__(self, clock: Clock, client: CentralClient | None) -> None:
        self.clock = clock
        self.client = client

    @property
    def available(self) -> bool:
        return isinstance(self.clock, OffsetClock) and self.client is not None

    def move_to(self, when: datetime) -> datetime:
        """Jump both clocks to ``when`` (central first: it decides, the kiosk follows its answer)."""
        if not isinstance(self.clock, OffsetClock) or self.client is None:
            raise DemoClockError("the demo clock works only under `kiosk demo`")
        answer = self.client.post("/demo/clock", {"now": when.isoformat()})
        central_now = datetime.fromisoformat(str(answer["now"]).replace("Z", "+00:00"))
        delta = central_now - self.clock.now()
        if delta > timedelta(0):
            self.clock.jump(delta)
        log.info("demo clock moved to %s", self.clock.now().isoformat(timespec="minutes"))
        return self.clock.now()

    def advance(self, delta: timedelta) -> datetime:
        return self.move_to(self.clock.now() + delta)
