"""The kiosk under a faithful stand-in for systemd's notify socket: READY=1 once the UI runs, then
WATCHDOG=1 pings from the UI loop every half WATCHDOG_USEC; SIGSTOP of the kiosk process stops the
pings and the stand-in sees the watchdog expire, as systemd would before restarting the unit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.supervise import Watchdog, notify, unit_text

WATCHDOG_SEC = 2.0


class NotifyStandIn:
    """An AF_UNIX datagram socket that keeps what arrives, as systemd's notify socket does, and
    applies systemd's watchdog rule: after READY=1, WATCHDOG_SEC without WATCHDOG=1 is an expiry."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []
        self.expired_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last_ping: float | None = None
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                data = b""
            now = time.monotonic()
            if data:
                text = data.decode()
                self.messages.append((now, text))
                if "READY=1" in text or "WATCHDOG=1" in text:
                    last_ping = now
            if last_ping is not None and self.expired_at is None and now - last_ping > WATCHDOG_SEC:
                self.expired_at = now

    def count(self, what: str) -> int:
        return sum(1 for _t, m in self.messages if what in m)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def wait(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met")


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[NotifyStandIn]:
    sock = NotifyStandIn(tmp_path / "notify.sock")
    yield sock
    sock.close()


def test_sigstop_trips_the_watchdog(tmp_path: Path, stand_in: NotifyStandIn) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    env = dict(os.environ)  # the tests' private Xvfb (or offscreen): the app runs as on a kiosk
    env.update(
        NOTIFY_SOCKET=str(stand_in.path),
        WATCHDOG_USEC=str(int(WATCHDOG_SEC * 1_000_000)),
        KIVY_NO_ARGS="1",
        KIVY_HOME=str(tmp_path / "kivy"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "--config", str(config), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "kiosk.err").open("wb"),
    )
    try:
        wait(lambda: stand_in.count("READY=1") == 1, timeout=60)
        assert f"MAINPID={kiosk.pid}" in next(m for _t, m in stand_in.messages if "READY=1" in m)
        wait(lambda: stand_in.count("WATCHDOG=1") >= 3, timeout=10)  # a ping every second
        assert stand_in.expired_at is None
        os.kill(kiosk.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        wait(lambda: stand_in.expired_at is not None, timeout=10)
        assert stand_in.expired_at is not None
        assert stand_in.expired_at - stopped_at <= WATCHDOG_SEC + 1.5
        pings = stand_in.count("WATCHDOG=1")
        time.sleep(0.5)
        assert stand_in.count("WATCHDOG=1") == pings  # nothing while stopped
        os.kill(kiosk.pid, signal.SIGCONT)
        wait(lambda: stand_in.count("WATCHDOG=1") > pings, timeout=10)  # the loop resumes
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=20) == 0
        assert stand_in.count("STOPPING=1") == 1
    finally:
        if kiosk.poll() is None:
            os.kill(kiosk.pid, signal.SIGCONT)
            kiosk.kill()
            kiosk.wait()


def test_notify_needs_a_socket(tmp_path: Path, stand_in: NotifyStandIn) -> None:
    assert notify("READY=1", {}) is False
    assert notify("READY=1", {"NOTIFY_SOCKET": "relative"}) is False
    assert notify("READY=1", {"NOTIFY_SOCKET": str(stand_in.path)}) is True
    assert Watchdog({"WATCHDOG_USEC": "30000000"}).interval_s == 15.0
    assert Watchdog({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}).interval_s == 0.0  # not ours


def test_install_service_print(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert main(["install-service", "--print", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    for line in (
        "Type=notify",
        "WatchdogSec=30",
        "Restart=on-failure",
        "StartLimitBurst=5",
        "StartLimitIntervalSec=600",
        "OnFailure=service-kiosk-out-of-service.service",
        "run --out-of-service",
        f"--config {config}",
    ):
        assert line in out
    assert not (tmp_path / "service-kiosk.service").exists()
    assert "User=kiosk" in unit_text("/opt/kiosk/bin/kiosk", None, "kiosk")
