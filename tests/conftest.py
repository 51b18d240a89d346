"""Shared test set-up: Kivy draws in a private X server (or offscreen) and a private home, before anything imports it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests

from kiosk.config import load
from service_common.clock import ManualClock, OffsetClock

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

_KIVY_HOME = tempfile.mkdtemp(prefix="kiosk-test-kivy-")
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_LOG_MODE"] = "PYTHON"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
os.environ["KIVY_WINDOW"] = "sdl2"
os.environ["KIVY_CLIPBOARD"] = "dummy"
os.environ.pop("KIOSK_CONFIG", None)
os.environ.pop("KIOSK_DATA_DIR", None)

# Test modules import screens (and so the one Window) at collection time: size it first, and
# draw it in a real X window (a private Xvfb) the way a kiosk does, offscreen only without Xvfb.
from screens.bootstrap import WindowSpec, configure  # noqa: E402
from tests.xserver import use_real_window  # noqa: E402

_size = os.environ.get("KIOSK_UI_WINDOW", "1080x1920").split("x")
UI_DRIVER = use_real_window(int(_size[0]), int(_size[1]))
configure(WindowSpec(int(_size[0]), int(_size[1]), headless=UI_DRIVER == "offscreen"), Path(_KIVY_HOME))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


@dataclass
class CentralServer:
    url: str
    db: Path
    process: subprocess.Popen[bytes]

    def enrol(self, kiosk_id: str, center_id: str = "C01") -> str:
        out = subprocess.run(
            [
                venv_bin("kiosk-central"),
                "kiosks",
                "add",
                kiosk_id,
                "--center",
                center_id,
                "--db",
                str(self.db),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def clock(self, tz: str = "Europe/Moscow") -> OffsetClock:
        """A kiosk clock that runs with this central's demo clock (started with ``clock=``)."""
        now = requests.get(f"{self.url}/demo/clock", timeout=5).json()["now"]
        return OffsetClock(datetime.fromisoformat(now), tz)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_central(
    db: Path, port: int | None = None, seed: bool = True, clock: str | None = None
) -> CentralServer:
    """A real central service process on a free loopback port, with the demo data.

    ``clock`` (local time, e.g. 2026-12-01T10:00) starts central's demo clock there: it then has
    ``POST /demo/clock``, so a test moves central's time instead of waiting for it.
    """
    clock_args = ["--clock", clock] if clock else []
    if seed:
        subprocess.run(
            [venv_bin("kiosk-central"), "seed-demo", "--db", str(db), *clock_args],
            check=True,
            capture_output=True,
        )
    port = port or free_port()
    log = open(db.with_suffix(".log"), "wb")  # noqa: SIM115  (kept open for the server's lifetime)
    process = subprocess.Popen(
        [
            venv_bin("kiosk-central"),
            "serve",
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *clock_args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"central exited with {process.returncode}: {db.with_suffix('.log').read_text()}"
            )
        try:
            if requests.get(url + "/health", timeout=0.5).ok:
                return CentralServer(url, db, process)
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("central did not become healthy in 30 s")


@pytest.fixture(scope="session")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    # Central's demo clock starts where the kiosk's test clock stands, so both agree on "today".
    server = start_central(tmp_path_factory.mktemp("central") / "central.db", clock=START.isoformat())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ----- the UI harness: one KioskApp per test process (Kivy allows one Window) -----

START = datetime(2026, 12, 1, 10, 0)  # a Tuesday: every demo center is open


@pytest.fixture(scope="session")
def ui_clock() -> ManualClock:
    return ManualClock(START, "Europe/Moscow")


@pytest.fixture(scope="session")
def ui(
    tmp_path_factory: pytest.TempPathFactory, central: CentralServer, ui_clock: ManualClock
) -> Iterator[object]:
    data_dir = tmp_path_factory.mktemp("kiosk-ui")
    config = load(None, {"KIOSK_DATA_DIR": str(data_dir)})
    config.central.url = central.url
    config.central.token = central.enrol("KIOSK-UI-TEST")

    from kivy.base import EventLoop

    EventLoop.ensure_window()
    from kiosk.context import build
    from screens.app import KioskApp
    from tests.ui.harness import UI

    ctx = build(config, ui_clock)
    for corpus in sorted((ROOT / "assets" / "kb").glob("*.jsonl")):  # the answers and sections a sync brings
        assert ctx.knowledge.import_file(corpus).errors == []
    # Animated as on a kiosk: the fade's end is where screens were misplaced.
    app = KioskApp(ctx, animate=True)
    app._run_prepare()
    harness = UI(app)
    harness.frames(5)
    yield harness
    app.tasks.shutdown()
    ctx.close()


@pytest.fixture
def fresh(ui: object) -> object:
    """Each UI test starts on the home screen with a blank session."""
    from tests.ui.harness import UI

    assert isinstance(ui, UI)
    ui.app.ctx.session.wipe("test start")
    ui.frames(3)
    return ui


_SOURCE_COPIES = {"src", "venv", "build", ".hypothesis", "site-packages"}


def _card_number_leaks(roots: list[Path]) -> list[str]:
    """Files under ``roots`` that hold a full demo or test card number (plain, or spaced in fours)."""
    from devices.card.virtual.profiles import PROFILES
    from service_common.card_token import DEMO_CARD_PANS

    pans = {app.pan for p in PROFILES.values() for app in p.apps}
    pans |= {pan for group in DEMO_CARD_PANS.values() for pan in group}
    needles = {pan.encode() for pan in pans} | {
        " ".join(pan[i : i + 4] for i in range(0, 16, 4)).encode() for pan in pans
    }
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in (".py", ".pyc") or _SOURCE_COPIES & set(path.parts):
                continue  # the project's own sources, copied by the wheel test, hold the demo numbers
            try:
                if not path.is_file() or path.stat().st_size > 64 * 2**20:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if any(needle in data for needle in needles):
                found.append(str(path))
    return found


def _descendants(root: int) -> list[tuple[int, str]]:
    """Processes below ``root`` (pid, command line), from /proc: the test machine is Linux."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(parents.get(root, []))
    while todo:
        pid = todo.pop()
        todo += parents.get(pid, [])
        try:
            cmd = (
                (Path("/proc") / str(pid) / "cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
        except OSError:
            continue
        found.append((pid, cmd.strip()))
    return found


def _stop_leftover_processes(session: pytest.Session) -> None:
    """A test that failed half-way may leave its central, X server or proxy running: stop them, say which."""
    import signal

    from tests.xserver import SESSION_SERVERS

    left = [(pid, cmd) for pid, cmd in _descendants(os.getpid()) if cmd and pid not in SESSION_SERVERS]
    for pid, _ in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if left and reporter is not None:
        reporter.write_line(
            "\n".join(["processes the tests left running, now stopped:", *(c[:160] for _, c in left)]),
            yellow=True,
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole suite: no process the tests started is left behind, and no file the kiosk or central wrote (databases, logs, print previews,
    outboxes, reminder files) holds a full card number. Test inputs that type one on purpose must
    leave it masked wherever it is stored."""
    _stop_leftover_processes(session)
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or session.testscollected == 0 or os.environ.get("KIOSK_SKIP_PAN_SCAN"):
        return
    roots = [factory.getbasetemp(), ARTIFACTS]
    leaks = _card_number_leaks([r for r in roots if r.exists()])
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["full card numbers found in files the kiosk or central wrote:", *leaks[:50]]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
