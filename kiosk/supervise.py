"""Supervision by systemd: the notify protocol (READY, WATCHDOG pings, STOPPING) over
``$NOTIFY_SOCKET`` with the standard library, and the unit files ``kiosk install-service`` writes.

Why pings from the UI loop: a kiosk whose window froze (a driver call on the UI thread, a deadlock)
still has a live process; only a heartbeat from the loop that draws the screen proves the visitor
sees a working kiosk. systemd restarts the app when the pings stop for ``WatchdogSec``. After
``StartLimitBurst`` starts within ``StartLimitIntervalSec`` it gives up and starts the
out-of-service unit instead (``OnFailure=``): the same app on a screen that says so, with
technician mode and heartbeats, rather than a reboot loop.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

UNIT = "service-kiosk.service"
OUT_OF_SERVICE_UNIT = "service-kiosk-out-of-service.service"
UNIT_DIR = Path("/etc/systemd/system")
WATCHDOG_SEC = 30
START_LIMIT_BURST = 5
START_LIMIT_INTERVAL_SEC = 600


def _address(path: str) -> str:
    return "\0" + path[1:] if path.startswith("@") else path  # "@name": the abstract namespace


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one notify datagram; False when not run by systemd (no ``$NOTIFY_SOCKET``) or it failed."""
    path = (env if env is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not path or path[0] not in "/@":
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(_address(path))
            sock.sendall(message.encode("utf-8"))
    except OSError:
        return False
    return True


class Watchdog:
    """What the app tells systemd: ready once, a ping every half ``WATCHDOG_USEC``, stopping at the end."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)
        usec = self.env.get("WATCHDOG_USEC", "")
        pid = self.env.get("WATCHDOG_PID", "")
        mine = not pid or pid == str(os.getpid())
        self.interval_s = int(usec) / 2_000_000 if usec.isdigit() and int(usec) > 0 and mine else 0.0
        self._stopping = False

    @property
    def supervised(self) -> bool:
        return bool(self.env.get("NOTIFY_SOCKET"))

    def ready(self, status: str = "kiosk ready") -> bool:
        return notify(f"READY=1\nSTATUS={status}\nMAINPID={os.getpid()}", self.env)

    def ping(self) -> bool:
        return notify("WATCHDOG=1", self.env)

    def stopping(self) -> bool:
        """Once, however many times the app's stop runs."""
        if self._stopping:
            return False
        self._stopping = True
        return notify("STOPPING=1", self.env)


def _exec_start(kiosk_bin: str, config: str | None, *args: str) -> str:
    parts = [kiosk_bin]
    if config:
        parts += ["--config", config]
    return shlex.join([*parts, *args])


def unit_text(kiosk_bin: str, config: str | None, user: str, display: str = ":0") -> str:
    return f"""\
# Written by `kiosk install-service`. The kiosk app under systemd's watchdog: restarted when the UI
# loop stops pinging; after {START_LIMIT_BURST} starts in {START_LIMIT_INTERVAL_SEC} s the out-of-service unit takes over.
[Unit]
Description=Service-center kiosk
Wants=network-online.target
After=network-online.target graphical.target
StartLimitIntervalSec={START_LIMIT_INTERVAL_SEC}
StartLimitBurst={START_LIMIT_BURST}
OnFailure={OUT_OF_SERVICE_UNIT}

[Service]
Type=notify
NotifyAccess=main
ExecStart={_exec_start(kiosk_bin, config, "run")}
WatchdogSec={WATCHDOG_SEC}
# on-failure is on-watchdog and more: a crash restarts the app too, within the same start limit.
Restart=on-failure
RestartSec=3
TimeoutStartSec=90
User={user}
Environment=DISPLAY={display}
Environment=KIVY_NO_ARGS=1

[Install]
WantedBy=graphical.target
"""


def out_of_service_unit_text(kiosk_bin: str, config: str | None, user: str, display: str = ":0") -> str:
    return f"""\
# Written by `kiosk install-service`: started by {UNIT} when it gave up. The same app on its
# out-of-service screen (technician mode and heartbeats still work); no restart loop.
[Unit]
Description=Service-center kiosk (out of service)
Conflicts={UNIT}

[Service]
Type=notify
NotifyAccess=main
ExecStart={_exec_start(kiosk_bin, config, "run", "--out-of-service")}
WatchdogSec={WATCHDOG_SEC}
Restart=no
User={user}
Environment=DISPLAY={display}
Environment=KIVY_NO_ARGS=1
"""


def install(config: str | None, user: str, *, print_only: bool, unit_dir: Path = UNIT_DIR) -> int:
    """Write both units and enable the kiosk's; ``print_only`` prints them and touches nothing."""
    kiosk_bin = str(Path(sys.executable).with_name("kiosk"))
    config = str(Path(config).resolve()) if config else None
    units = {
        UNIT: unit_text(kiosk_bin, config, user),
        OUT_OF_SERVICE_UNIT: out_of_service_unit_text(kiosk_bin, config, user),
    }
    if print_only:
        for name, text in units.items():
            print(f"# ----- {unit_dir / name} -----\n{text}")
        return 0
    for name, text in units.items():
        (unit_dir / name).write_text(text, encoding="utf-8")
        print(f"wrote {unit_dir / name}")
    for command in (["systemctl", "daemon-reload"], ["systemctl", "enable", UNIT]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"kiosk: {' '.join(command)}: {done.stderr.strip() or done.returncode}", file=sys.stderr)
            return 1
    print(f"enabled {UNIT}: it starts with the graphical session (systemctl start {UNIT} to start now)")
    return 0
