"""The appointments' periodic sweep: mark no-shows missed, delete long-expired holds, run added tasks.

:func:`sweep` is one pass, a plain function that tests call after moving the clock. ``serve`` runs a
:class:`Sweeper` (``app.state.sweeper``) on a daemon thread every ``[appointments] sweep_seconds``
(default 30), so the sweep's short write transactions never block the event loop; it stops with the
server.

Other parts add their own periodic work to the same pass (e.g. sending due reminders) with
``app.state.sweeper.add_task(name, task)`` where ``task(desk) -> int`` returns how many things it
changed (0: nothing to log). Tasks run after the built-in steps, in the order added; one that raises
is logged and named in :attr:`SweepResult.failed`, and the others still run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from central import db
from central.appointments.booking import AppointmentDesk
from central.leader import LeaderLock

log = logging.getLogger(__name__)

SweepTask = Callable[[AppointmentDesk], int]
"""An added step of the sweep: does its work with the desk (its clock, engine, settings); returns a count."""

HOLD_PURGE_AFTER = timedelta(minutes=10)
"""An expired hold is kept this long (a late confirm still gets "hold_expired", not "not_found")."""


@dataclass(frozen=True)
class SweepResult:
    missed: int = 0
    holds_purged: int = 0
    tasks: Mapping[str, int] = field(default_factory=dict)
    failed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.missed or self.holds_purged or any(self.tasks.values()) or self.failed)

    def summary(self) -> str:
        parts = [f"{self.missed} missed", f"{self.holds_purged} expired holds deleted"]
        parts += [f"{name} {n}" for name, n in self.tasks.items()]
        parts += [f"{name} failed" for name in self.failed]
        return ", ".join(parts)


def purge_holds(desk: AppointmentDesk) -> int:
    """Delete holds that expired more than :data:`HOLD_PURGE_AFTER` ago; returns how many."""
    a = db.appointments
    before = desk.now() - HOLD_PURGE_AFTER
    with db.write_transaction(desk.ctx.engine) as conn:
        done = conn.execute(sa.delete(a).where(a.c.status == "held", a.c.hold_expires_at < before))
        return int(done.rowcount)


def sweep(desk: AppointmentDesk, tasks: Sequence[tuple[str, SweepTask]] = ()) -> SweepResult:
    """One pass at the desk's clock: missed bookings, expired holds, then the added tasks."""
    missed, purged = desk.mark_missed(), purge_holds(desk)
    counts: dict[str, int] = {}
    failed: list[str] = []
    for name, task in tasks:
        try:
            counts[name] = int(task(desk))
        except Exception:
            log.exception("sweep task %s failed", name)
            failed.append(name)
    return SweepResult(missed, purged, counts, tuple(failed))


class Sweeper:
    """Runs :func:`sweep` every ``interval_s`` seconds on a daemon thread, between start and stop."""

    def __init__(
        self, desk: AppointmentDesk, interval_s: float = 30, tasks: Iterable[tuple[str, SweepTask]] = ()
    ) -> None:
        self.desk = desk
        self.interval_s = interval_s
        self._tasks: list[tuple[str, SweepTask]] = list(tasks)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.leader: LeaderLock | None = None
        """Set by ``serve``: with several workers or hosts on one database, only its holder sweeps."""

    def add_task(self, name: str, task: SweepTask) -> None:
        """Add a step to every later pass (register at start-up, before :meth:`start`)."""
        self._tasks.append((name, task))

    @property
    def tasks(self) -> tuple[tuple[str, SweepTask], ...]:
        return tuple(self._tasks)

    def run_once(self) -> SweepResult:
        """One pass, logged in one line when it changed something."""
        result = sweep(self.desk, self.tasks)
        if result.changed:
            log.info("appointments sweep: %s", result.summary())
        return result

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="appointments-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Ask the thread to stop and wait for the pass under way (if any) to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.leader is not None:
            self.leader.release()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.leader is None or self.leader.try_acquire():
                    self.run_once()
            except Exception:  # a database hiccup must not end the sweeping for good
                log.exception("appointments sweep failed")
            self._stop.wait(self.interval_s)
