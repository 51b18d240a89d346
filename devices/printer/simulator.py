"""``sim:``: a printer in memory for the demo and tests, answering status queries like an Epson.

Every job is kept (the last few in memory) and written to ``DATA_DIR/print/<timestamp>-<n>.bin`` with a
PNG of the paper next to it, so the demo can show the visitor's ticket on screen. Its state is set from
the URI (``sim:?paper=out``, ``cover=open``, ``offline=1``, ``error=1``, ``silent=1``, ``slow=SECONDS``,
``png=0``) or from the methods of ``SimulatorState``, e.g. from a demo control panel.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devices import escpos_render
from devices.printer.connection import Connection
from devices.printer.errors import make_error
from devices.printer.status import DLE_EOT, Paper
from devices.uri import DeviceURI, DeviceURIError

log = logging.getLogger(__name__)

KEEP_IN_MEMORY = 20
KEEP_ON_DISK = 200  # jobs; older .bin/.png pairs are deleted (receipts may one day carry personal data)


def print_dir(data_dir: Path) -> Path:
    """Where simulated jobs land: the one place that names the folder, so callers pass the data directory."""
    return data_dir / "print"


@dataclass(frozen=True)
class SimJob:
    number: int
    data: bytes
    bin_path: Path | None
    png_path: Path | None


class SimulatorState:
    """What the simulated printer reports; thread-safe, changeable while a job runs."""

    def __init__(self, uri: DeviceURI | None = None) -> None:
        self._lock = threading.Lock()
        self.paper: Paper = "ok"
        self.cover_open = False
        self.offline = False
        self.error = False
        self.silent = False
        self.slow = 0.0
        self.fail_next_job: str | None = None
        self.jobs: deque[SimJob] = deque(maxlen=KEEP_IN_MEMORY)
        self.job_count = 0
        if uri is not None:
            self._from_uri(uri)

    def _from_uri(self, uri: DeviceURI) -> None:
        paper = uri.param("paper", "ok")
        if paper not in ("ok", "near_end", "out"):
            raise DeviceURIError(f"sim: paper={paper!r}: expected ok, near_end or out")
        self.paper = paper  # type: ignore[assignment]
        self.cover_open = uri.param("cover", "closed") == "open"
        self.offline = uri.param("offline", "0") in ("1", "true", "yes")
        self.error = uri.param("error", "0") in ("1", "true", "yes")
        self.silent = uri.param("silent", "0") in ("1", "true", "yes")
        self.slow = uri.float_param("slow", 0.0)

    def set(
        self,
        *,
        paper: Paper | None = None,
        cover_open: bool | None = None,
        offline: bool | None = None,
        error: bool | None = None,
        silent: bool | None = None,
        slow: float | None = None,
    ) -> None:
        """Change the printer's condition, e.g. ``state.set(paper="out")``; omitted values stay."""
        with self._lock:
            if paper is not None:
                self.paper = paper
            if cover_open is not None:
                self.cover_open = cover_open
            if offline is not None:
                self.offline = offline
            if error is not None:
                self.error = error
            if silent is not None:
                self.silent = silent
            if slow is not None:
                self.slow = slow

    def fail_during_next_job(self, problem: str) -> None:
        """Make the next job run into ``paper_out`` or ``cover_open`` half-way, as a real roll would."""
        if problem not in ("paper_out", "cover_open"):
            raise ValueError("problem must be 'paper_out' or 'cover_open'")
        with self._lock:
            self.fail_next_job = problem

    def answer(self, n: int) -> int | None:
        """The byte an Epson would send for DLE EOT n in this state (None while silent)."""
        with self._lock:
            if self.silent:
                return None
            out = self.paper == "out"
            if n == 1:
                return 0x12 | (0x08 if self.offline or out or self.cover_open or self.error else 0)
            if n == 2:
                return (
                    0x12
                    | (0x04 if self.cover_open else 0)
                    | (0x20 if out else 0)
                    | (0x40 if self.error else 0)
                )
            if n == 4:
                return 0x12 | (0x60 if out else 0) | (0x0C if self.paper == "near_end" else 0)
            return 0x12

    def _job_done(self) -> None:
        with self._lock:
            problem, self.fail_next_job = self.fail_next_job, None
            if problem == "paper_out":
                self.paper = "out"
            elif problem == "cover_open":
                self.cover_open = True


class SimulatorConnection(Connection):
    """Captures jobs between ``begin_job`` and ``end_job``; answers DLE EOT queries from the state."""

    def __init__(
        self,
        uri: DeviceURI,
        *,
        data_dir: Path | None,
        paper_width_dots: int,
        state: SimulatorState | None = None,
    ) -> None:
        super().__init__(uri)
        self.state = state or SimulatorState(uri)
        self.out_dir = print_dir(data_dir) if data_dir is not None else None
        self.paper_width_dots = paper_width_dots
        self.png = uri.param("png", "1") not in ("0", "false", "no")
        self._answers: deque[int] = deque()
        self._job: bytearray | None = None
        self._lock = threading.Lock()

    def open(self, timeout: float) -> None:
        self._answers.clear()

    def close(self) -> None:
        self._job = None

    def write(self, data: bytes, timeout: float) -> None:
        if self._job is not None:
            slow = self.state.slow
            if slow > timeout:
                time.sleep(timeout)
                raise make_error(
                    "timeout", f"simulated printer took {slow:g} s > {timeout:g} s", uri=self.name,
                    phase="sending",
                )  # fmt: skip
            time.sleep(slow)
            self._job += data
            return
        for i in range(len(data) - 2):  # outside a job only status queries arrive
            if data[i : i + 2] == DLE_EOT:
                answer = self.state.answer(data[i + 2])
                if answer is not None:
                    self._answers.append(answer)

    def read(self, size: int, timeout: float) -> bytes:
        out = bytearray()
        while self._answers and len(out) < size:
            out.append(self._answers.popleft())
        if not out:
            time.sleep(timeout)  # a silent printer really makes the caller wait
        return bytes(out)

    def discard_input(self) -> None:
        self._answers.clear()

    def begin_job(self) -> None:
        self._job = bytearray()

    def end_job(self) -> None:
        data, self._job = bytes(self._job or b""), None
        self._save(data)
        self.state._job_done()

    def _prune(self) -> None:
        if self.out_dir is None:
            return
        old = sorted(self.out_dir.glob("*.bin"), key=lambda p: p.stat().st_mtime_ns)[:-KEEP_ON_DISK]
        for path in old:
            path.unlink(missing_ok=True)
            path.with_suffix(".png").unlink(missing_ok=True)

    def _save(self, data: bytes) -> None:
        with self._lock:
            self.state.job_count += 1
            number = self.state.job_count
            bin_path = png_path = None
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                n = number
                while (self.out_dir / f"{stamp}-{n}.bin").exists():
                    n += 1
                bin_path = self.out_dir / f"{stamp}-{n}.bin"
                bin_path.write_bytes(data)
                if self.png:
                    png_path = escpos_render.render_to_png(
                        data, bin_path.with_suffix(".png"), paper_width_dots=self.paper_width_dots
                    )
            self.state.jobs.append(SimJob(number, data, bin_path, png_path))
            self._prune()
        log.debug("simulated printer: job %d, %d bytes -> %s", number, len(data), bin_path)
