"""The sync worker: one background thread that runs the sync jobs (send the outbox, refresh the
cache, top up leases) every interval or at once when asked. It never runs on the UI thread and
never raises; what each job did last is kept on disk for technicians.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from offline_cache.sync_state import SyncState
from service_common.clock import Clock

log = logging.getLogger(__name__)

Job = Callable[[], bool]  # True: the job reached central and did its work


@dataclass(frozen=True)
class SyncReport:
    results: dict[str, bool] = field(default_factory=dict)

    @property
    def online(self) -> bool:
        return bool(self.results) and all(self.results.values())


class SyncWorker:
    def __init__(
        self,
        jobs: dict[str, Job],
        interval_s: float,
        on_report: Callable[[SyncReport], None] | None = None,
        *,
        state: SyncState | None = None,
        clock: Clock | None = None,
        last_error: Callable[[], str] | None = None,
    ) -> None:
        self.jobs = jobs
        self.state = state
        self.clock = clock
        self.last_error = last_error
        self.interval_s = interval_s
        self.on_report = on_report
        self._wake = threading.Event()
        self._running = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_report: SyncReport | None = None

    def run_once(self) -> SyncReport:
        results: dict[str, bool] = {}
        with self._running:  # the worker and a technician's "sync now" take turns
            for name, job in self.jobs.items():
                error = ""
                try:
                    results[name] = bool(job())
                except Exception as exc:  # a job's bug must not stop the others or the thread
                    log.exception("sync job %s failed", name)
                    results[name] = False
                    error = f"{type(exc).__name__}: {exc}"
                self._remember(name, results[name], error)
        report = SyncReport(results)
        if self.last_report is None or report.online != self.last_report.online:
            log.info("central link %s", "up" if report.online else "DOWN")
        self.last_report = report
        if self.on_report is not None:
            self.on_report(report)
        return report

    def _remember(self, name: str, ok: bool, error: str) -> None:
        if self.state is None or self.clock is None:
            return
        now = self.clock.now()
        if ok:
            self.state.success(name, now)
        else:
            self.state.failure(
                name, now, error or (self.last_error() if self.last_error else "") or "not done"
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.interval_s)
            self._wake.clear()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)
            self._thread.start()

    def sync_now(self) -> None:
        """Run a cycle as soon as possible (after a reconnect, or a technician's request)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
