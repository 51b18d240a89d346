"""The receipt printer the kiosk talks to: one job at a time, status before and after, every step timed out.

Why status after the job: a roll can run out half-way through a ticket. The printer then stops and reports
"stopped by paper end"; we wait about as long as the paper takes to print and ask again, so the caller
learns that the ticket is incomplete (void it or reprint it) instead of telling the visitor to take it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devices.printer.connection import Connection
from devices.printer.errors import Phase, PrinterError, make_error
from devices.printer.simulator import SimulatorConnection, SimulatorState
from devices.printer.status import (
    QUERIES,
    PrinterStatus,
    parse,
    query_bytes,
    unavailable,
    unknown,
    well_formed,
)
from devices.receipts import layout
from devices.receipts.model import Receipt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timeouts:
    """Seconds. Short on purpose: a kiosk must tell the visitor something within a few seconds."""

    connect: float = 2.0
    status: float = 0.5  # per DLE EOT query; a live printer answers in milliseconds
    job: float = 5.0  # to hand over a job's bytes (stretched for big jobs on slow links)
    lock: float = 30.0  # waiting for another thread's job


@dataclass(frozen=True)
class PrintResult:
    """A job that went through. ``confirmed`` is False when the driver cannot read status (file, USB
    without read-back): the bytes left, but nobody can say whether paper came out. The caller decides;
    tcp/serial/sim never return unconfirmed (a silent printer raises ``no_answer`` instead)."""

    label: str
    bytes_sent: int
    confirmed: bool
    before: PrinterStatus
    after: PrinterStatus
    seconds: float

    @property
    def paper_near_end(self) -> bool:
        return self.after.paper == "near_end"


class ReceiptPrinter:
    """Thread-safe: jobs and status readings from any worker thread are serialised by one lock."""

    def __init__(
        self,
        connection: Connection,
        *,
        profile: str,
        paper_width_mm: int,
        timeouts: Timeouts | None = None,
        print_speed_mm_s: float = 100.0,
        qr: layout.QRMode = "auto",
    ) -> None:
        self.connection = connection
        self.profile = profile
        self.paper = layout.paper_for(paper_width_mm, profile)
        self.timeouts = timeouts or Timeouts()
        self.print_speed_mm_s = print_speed_mm_s  # 0: do not wait for the paper to come out
        self.qr: layout.QRMode = qr
        self._lock = threading.Lock()
        self.on_printed: list[Callable[[float], None]] = []
        """Told the paper length (mm) of each job that went through: the kiosk's paper meter."""

    @property
    def uri(self) -> str:
        return self.connection.name

    @property
    def simulator(self) -> SimulatorState | None:
        """The simulated printer's controls (paper, cover...) when this is ``sim:``, for the demo."""
        return self.connection.state if isinstance(self.connection, SimulatorConnection) else None

    def last_preview(self) -> str:
        """The picture of the paper the simulator printed last ("" on a real printer): demo screens show it."""
        sim = self.simulator
        return str(sim.jobs[-1].png_path or "") if sim is not None and sim.jobs else ""

    @property
    def can_confirm(self) -> bool:
        """Whether this driver can read status back (False for file: and USB through usblp)."""
        return self.connection.can_read

    def render(self, receipt: Receipt) -> layout.RenderedReceipt:
        """The exact bytes this printer would get, e.g. for a preview."""
        return layout.render(receipt, paper_width_mm=self.paper.width_mm, profile=self.profile, qr=self.qr)

    # -- status -------------------------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """One reading; device trouble is reported in the status (state "unavailable"), never raised.

        Blocking (up to connect + 3 status timeouts, or while another job holds the printer): call it from
        a worker thread (kiosk.tasks), never from the UI thread.
        """
        try:
            with self._locked():
                self.connection.open(self.timeouts.connect)
                try:
                    return self._read_status()
                finally:
                    self.connection.close()
        except PrinterError as exc:
            return unavailable(exc.key, exc.detail, exc.raw, exc.errno)

    def _read_status(self) -> PrinterStatus:
        """DLE EOT 1, 2 and 4 with a short timeout each; stops at the first silence."""
        conn = self.connection
        if not conn.can_read:
            return unknown(f"{conn.name} cannot report status: printing possible, confirmation impossible")
        answers: dict[int, int | None] = {}
        for n in QUERIES:
            conn.discard_input()
            conn.write(query_bytes(n), self.timeouts.status)
            data = conn.read(1, self.timeouts.status)
            answers[n] = data[0] if data else None
            if data and well_formed(data[0]):
                continue
            break  # silence or garbage: more queries would only cost time
        return parse(answers)

    # -- jobs ---------------------------------------------------------------------------------------------

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        """Lay out, check, send, check again. Raises PrinterNeedsAttention or PrinterUnavailable."""
        rendered = self.render(receipt)
        return self.print_bytes(
            rendered.data, label=receipt.label or receipt.kind, height_dots=rendered.height_dots
        )

    def print_bytes(self, data: bytes, *, label: str, height_dots: int = 0) -> PrintResult:
        """Send a prepared job (e.g. a reprint of saved bytes); ``label`` is logged, so no personal data."""
        started = time.monotonic()
        with self._locked():
            conn = self.connection
            try:
                conn.open(self.timeouts.connect)
                before = self._checked("before")
                conn.begin_job()
                try:
                    conn.write(data, self._write_timeout(len(data)))
                except PrinterError as exc:
                    exc.job_sent = True  # part of it may be on paper
                    raise
                conn.end_job()
                after = self._after_job(height_dots)
            except PrinterError as exc:
                log.warning("printing %s failed: %s", label, exc.technician_message)
                raise
            finally:
                conn.close()
        seconds = time.monotonic() - started
        log.info(
            "printed %s: %d bytes in %.1f s on %s%s", label, len(data), seconds, self.uri,
            "" if after.state == "ok" else f" (status {after.state})",
        )  # fmt: skip
        if after.paper == "near_end":
            log.warning("printer %s: paper near end", self.uri)
        for listener in self.on_printed:
            try:
                listener(height_dots / layout.DOTS_PER_MM)
            except Exception:  # the meter's trouble must not turn a printed ticket into a failure
                log.exception("paper meter listener failed")
        return PrintResult(label, len(data), after.state != "unknown", before, after, seconds)

    def _checked(self, phase: Phase) -> PrinterStatus:
        try:
            status = self._read_status()
        except PrinterError as exc:
            exc.phase, exc.job_sent = phase, phase == "after"
            raise
        error = status.error(uri=self.uri, phase=phase, job_sent=phase == "after")
        if error is not None:
            raise error
        return status

    def _write_timeout(self, size: int) -> float:
        return self.timeouts.job + size / self.connection.min_bytes_per_second()

    def _after_job(self, height_dots: int) -> PrinterStatus:
        """Poll while the paper should still be coming out; fail as soon as the printer reports a problem."""
        if not self.connection.can_read:
            return unknown(f"{self.uri} cannot report status after the job")
        wait = 0.0
        if self.print_speed_mm_s > 0 and height_dots > 0:
            wait = min(10.0, height_dots / layout.DOTS_PER_MM / self.print_speed_mm_s)
        deadline = time.monotonic() + wait
        while True:
            status = self._checked("after")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return status
            time.sleep(min(0.25, remaining))

    def _locked(self) -> _Lock:
        return _Lock(self._lock, self.timeouts.lock, self.uri)


class _Lock:
    """``with`` for the job lock, with a deadline: a wedged job elsewhere must not freeze every caller."""

    def __init__(self, lock: threading.Lock, timeout: float, uri: str) -> None:
        self.lock, self.timeout, self.uri = lock, timeout, uri

    def __enter__(self) -> None:
        if not self.lock.acquire(timeout=self.timeout):
            raise make_error(
                "timeout",
                f"another job held the printer for over {self.timeout:g} s",
                uri=self.uri,
                phase="open",
            )

    def __exit__(self, *exc: object) -> None:
        self.lock.release()
