"""The demo's clock control: move the kiosk's clock and central's together, forward only.

Only ``kiosk demo`` offers it (``ui.demo_controls``); its central runs with ``--clock``, which is
what gives central the ``/demo/clock`` call. A real central has no such call and a real kiosk
never shows the control.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from server_sync.errors import CentralNotFound
from server_sync.gateway import CentralGateway
from service_common.clock import Clock, ManualClock, OffsetClock

log = logging.getLogger(__name__)


class DemoClockError(Exception):
    """The clocks could not be moved (no demo central, or the kiosk clock is not a demo clock)."""


class DemoClock:
    def __init__(
        self, clock: Clock, gateway: CentralGateway | None, on_moved: Callable[[], None] | None = None
    ) -> None:
        self.clock = clock
        self.gateway = gateway
        self.on_moved = on_moved  # the idle timer's "activity": a jump is not a visitor walking away

    @property
    def available(self) -> bool:
        return isinstance(self.clock, OffsetClock | ManualClock) and self.gateway is not None

    def move_to(self, when: datetime) -> datetime:
        """Jump both clocks to ``when`` (central first: it decides, the kiosk follows its answer)."""
        if not self.available or self.gateway is None:
            raise DemoClockError("the demo clock works only under `kiosk demo`")
        try:
            answer = self.gateway.set_demo_clock(when)
        except CentralNotFound as exc:
            raise DemoClockError("central is not a demo server (start it with --clock)") from exc
        central_now = datetime.fromisoformat(str(answer["now"]).replace("Z", "+00:00"))
        delta = central_now - self.clock.now()
        if isinstance(self.clock, ManualClock):  # tests
            self.clock.set(central_now)
        elif isinstance(self.clock, OffsetClock) and delta > timedelta(0):
            self.clock.jump(delta)
        if self.on_moved is not None:
            self.on_moved()
        log.info("demo clock moved to %s", self.clock.now().isoformat(timespec="minutes"))
        return self.clock.now()

    def advance(self, delta: timedelta) -> datetime:
        return self.move_to(self.clock.now() + delta)
