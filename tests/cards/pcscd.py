"""A private pcscd for the card tests: started in the foreground (no systemd here), stopped at the end.

The machine may be shared by several test runs: a lock file serialises them, since there is one pcscd socket
and one vpcd port per machine. Never started with ``--apdu``: its log would hold the card numbers in clear.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

VPCD_READER = "Virtual PCD 00 00"
LOCK = Path("/tmp/kiosk-tests-pcscd.lock")
PIDFILE = Path("/run/pcscd/pcscd.pid")


def missing() -> str:
    """Why pcscd with vpcd cannot run here ("" when it can)."""
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        return "pcscd is not installed (apt: pcscd)"
    if (
        not list(Path("/usr/lib/pcsc/drivers/serial").glob("libifdvpcd*"))
        and not Path("/etc/reader.conf.d/vpcd").exists()
    ):
        return "vpcd is not installed (apt: vsmartcard-vpcd)"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        return "pyscard is not installed (the pcsc extra)"
    return ""


def foreign_pcscd() -> int | None:
    """The pid of a pcscd this process did not start, if one runs."""
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def reader_names() -> list[str] | None:
    """The readers pcscd knows; None while pcscd does not answer."""
    from devices.card.base import CardError
    from devices.card.pcsc import Context

    try:
        with Context() as ctx:
            return ctx.readers()
    except CardError:
        return None


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


class Pcscd:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.owned = False

    def start(self) -> None:
        if foreign_pcscd() is not None:  # someone else's: use it, never restart it
            self.owned = False
        else:
            self._log = self.log_path.open("ab")
            binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
            self.proc = subprocess.Popen(
                [binary, "--foreground"], stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
            )
            self.owned = True
        wait_for(lambda: VPCD_READER in (reader_names() or []), 15, "pcscd and the vpcd readers")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.owned:
            wait_for(lambda: reader_names() is None, 10, "pcscd to stop")

    def restart(self) -> None:
        if not self.owned:
            raise RuntimeError("this pcscd was started by someone else")
        self.stop()
        self.start()


@contextmanager
def exclusive(timeout: float = 300) -> Iterator[None]:
    """Hold the machine's pcscd for this test run (other runs wait, bounded)."""
    with LOCK.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("another test run holds pcscd") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
