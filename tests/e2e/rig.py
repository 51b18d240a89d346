"""One kiosk against a real central on loopback, both on one moved clock: the rig of the e2e service tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import requests

from kiosk.config import load
from kiosk.context import KioskContext, build
from service_common.clock import ManualClock
from tests.conftest import CentralServer, free_port, start_central


@dataclass
class KioskRig:
    central: CentralServer
    ctx: KioskContext
    clock: ManualClock
    port: int
    db: Path

    def move(self, to: datetime | timedelta) -> None:
        """Both clocks: central's demo clock first, then the kiosk's to the instant central answered."""
        when = self.clock.now() + to if isinstance(to, timedelta) else to
        answer = requests.post(f"{self.central.url}/demo/clock", json={"now": when.isoformat()}, timeout=5)
        answer.raise_for_status()
        self.clock.set(datetime.fromisoformat(answer.json()["now"]))

    def sync(self) -> bool:
        """The sync worker's outbox and lease jobs, in its order."""
        return self.ctx.sender.send() and self.ctx.queue.top_up_leases()

    def restart(self) -> None:
        """Central back on the same port and database, at the kiosk's time."""
        now = self.clock.now().replace(tzinfo=None).isoformat(timespec="seconds")
        self.central = start_central(self.db, port=self.port, seed=False, clock=now)


@contextmanager
def kiosk_rig(tmp_path: Path, kiosk_id: str, start: str, *, patience_s: float = 1.5) -> Iterator[KioskRig]:
    """A seeded central started at ``start`` (local time), and a kiosk enrolled there with short patience."""
    port, db = free_port(), tmp_path / "central.db"
    central = start_central(db, port=port, clock=start)
    config = load(None, {"KIOSK_DATA_DIR": str(tmp_path / "kiosk")})
    config.central.url = central.url
    config.central.token = central.enrol(kiosk_id)
    config.central.connect_timeout_s = 0.5
    config.central.patience_s = patience_s
    clock = ManualClock(datetime.fromisoformat(start), "Europe/Moscow")
    ctx = build(config, clock)
    rig = KioskRig(central, ctx, clock, port, db)
    try:
        yield rig
    finally:
        rig.central.stop()
        ctx.close()
