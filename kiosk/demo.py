"""``kiosk demo``: the whole product on one machine with no hardware.

Starts the reference central service on a free loopback port with demo data, enrols this
kiosk, and runs the kiosk app with simulated devices. Ctrl-C stops both.
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from devices.printer.simulator import print_dir
from kiosk import logs
from kiosk.config import KioskConfig
from server_sync.client import CentralClient
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common.clock import OffsetClock, parse_start

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _central(*args: str) -> list[str]:
    return [sys.executable, "-m", "central.cli", *args]


@dataclasses.dataclass
class DemoCentral:
    url: str
    token: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_central(config: KioskConfig, base: Path, port: int, clock_start: str | None) -> DemoCentral:
    """Seed, enrol and serve; raises RuntimeError with central's own words if any step fails."""
    base.mkdir(parents=True, exist_ok=True)
    db = str(base / "central.db")
    clock_args = ["--clock", clock_start] if clock_start else []
    steps = [
        _central("seed-demo", "--db", db, *clock_args),
        _central("kiosks", "add", config.kiosk.id, "--center", config.kiosk.center_id, "--db", db),
    ]
    outputs = []
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip() or f"{step[3]} failed ({done.returncode})")
        outputs.append(done.stdout.strip())
    token = outputs[-1]
    port = port or free_port()
    log_file = (base / "central.log").open("ab")
    process = subprocess.Popen(
        _central("serve", "--db", db, "--host", "127.0.0.1", "--port", str(port), *clock_args),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # our own Ctrl-C handling stops it, in order
    )
    url = f"http://127.0.0.1:{port}"
    gateway = CentralGateway(CentralClient(url, token, connect_timeout=0.5, read_timeout=0.5))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"central exited with code {process.returncode}; see {base / 'central.log'}")
        try:
            gateway.health()
            return DemoCentral(url, token, process)
        except CentralError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"central did not start within 30 s; see {base / 'central.log'}")


def demo_config(config: KioskConfig, base: Path, central: DemoCentral) -> KioskConfig:
    cfg = dataclasses.replace(
        config,
        kiosk=dataclasses.replace(config.kiosk, data_dir=str(base / "kiosk")),
        central=dataclasses.replace(config.central, url=central.url, token=central.token),
        devices=dataclasses.replace(config.devices, printer="sim:", card_reader="sim:", scanner="sim:"),
        ui=dataclasses.replace(config.ui, demo_controls=True),
    )
    return cfg


DEMO_STAFF_PIN = "2468"
DEMO_TECHNICIAN_PIN = "1357"


def _demo_staff(config: KioskConfig) -> None:
    """The demo kiosk knows one staff member, so staff mode can be tried at once."""
    from kiosk.services.staff import StaffDirectory
    from offline_cache.db import CacheDB
    from service_common.clock import SystemClock

    cache = CacheDB(config.data_dir / "kiosk.db")
    try:
        directory = StaffDirectory(cache, SystemClock(config.tz))
        if "demo" not in directory.names():
            directory.add("demo", DEMO_STAFF_PIN)
        from offline_cache.technicians import TechnicianStore

        technicians = StaffDirectory(
            cache, SystemClock(config.tz), store=TechnicianStore(cache), who="technician"
        )
        if "demo" not in technicians.names():
            technicians.add("demo", DEMO_TECHNICIAN_PIN)
    finally:
        cache.close()


def run_demo(
    config: KioskConfig,
    data_dir: str | None = None,
    clock_start: str | None = None,
    port: int = 0,
    size: tuple[int, int] | None = None,
) -> int:
    base = Path(data_dir) if data_dir else config.data_dir / "demo"
    # Kiosk and central share one demo clock: both start at the same instant and move together.
    clock_start = clock_start or datetime.now(config.tz).strftime("%Y-%m-%dT%H:%M:%S")
    try:
        clock = OffsetClock(parse_start(clock_start, config.tz), config.tz)
    except ValueError:
        print(
            f"kiosk: --clock expects a local time such as 2026-12-01T09:55, got {clock_start!r}",
            file=sys.stderr,
        )
        return 2
    try:
        central = start_central(config, base, port, clock_start)
    except RuntimeError as exc:
        print(f"kiosk: the demo central service did not start: {exc}", file=sys.stderr)
        return 1
    cfg = demo_config(config, base, central)
    _demo_staff(cfg)
    # The demo kiosk keeps everything under its own data directory, its log too.
    log_path = logs.setup(
        cfg.data_dir / "logs",
        cfg.kiosk.id,
        level=cfg.logging.level,
        max_bytes=cfg.logging.max_bytes,
        backups=cfg.logging.backups,
    )
    center = config.kiosk.center_id
    print(f"demo central service: {central.url}  (log: {base / 'central.log'})", flush=True)
    print(f"  display board (hall screen): {central.url}/board/{center}", flush=True)
    print(
        f"  counter console (staff):     {central.url}/counter   sign in as demo / demo-password", flush=True
    )
    print(
        f"  knowledge base (staff):      {central.url}/staff/knowledge   kb-editor writes, kb-reviewer approves"
        " (password demo-password)",
        flush=True,
    )
    print(f"  fleet (technicians):         {central.url}/staff/fleet   same sign-in", flush=True)
    print(f"  fleet alerts (SMS files):    {base / 'outbox' / 'sms'}", flush=True)
    print(f"kiosk data:           {cfg.data_dir}", flush=True)
    print(f"kiosk log:            {log_path}", flush=True)
    print(f"printed tickets:      {print_dir(cfg.data_dir)}", flush=True)
    print(f"kiosk staff mode:     Take a ticket > Staff, PIN {DEMO_STAFF_PIN}", flush=True)
    print(f"technician mode:      hold the top-left corner 3 s, PIN {DEMO_TECHNICIAN_PIN}", flush=True)
    print("press Ctrl-C to stop both", flush=True)
    from screens.launcher import run_app

    try:
        return run_app(cfg, clock, size)
    except KeyboardInterrupt:
        return 0
    finally:
        central.stop()
        print("demo stopped", flush=True)
