"""The kiosk's own commands against a real central process on loopback."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ARTIFACTS, CentralServer, venv_bin

pytestmark = pytest.mark.e2e


def kiosk_config(tmp_path: Path, central: CentralServer, kiosk_id: str) -> Path:
    token = central.enrol(kiosk_id)
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ncenter_id = "C01"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[central]\nurl = "{central.url}"\ntoken = "{token}"\n',
        encoding="utf-8",
    )
    return path


def test_kiosk_fetches_centers_from_central_and_renders_them(tmp_path: Path, central: CentralServer) -> None:
    config = kiosk_config(tmp_path, central, "KIOSK-E2E-1")
    out = ARTIFACTS / "e2e-info_centers-en.png"
    done = subprocess.run(
        [venv_bin("kiosk"), "screenshot", "--config", str(config), "--screen", "info_centers", "--lang", "en",
         "--size", "1080x1920", "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (1080, 1920)
    with sqlite3.connect(tmp_path / "data" / "kiosk.db") as db:
        body = db.execute("SELECT body FROM documents WHERE key = 'centers'").fetchone()[0]
    assert {c["id"] for c in json.loads(body)} == {"C01", "C02", "C03"}
    log = (tmp_path / "data" / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "KIOSK-E2E-1" in log


def test_doctor_reports_every_check(tmp_path: Path, central: CentralServer) -> None:
    config = kiosk_config(tmp_path, central, "KIOSK-E2E-2")
    done = subprocess.run(
        [venv_bin("kiosk"), "doctor", "--config", str(config)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout
    assert "OK    central:" in done.stdout
    assert "enrolled as KIOSK-E2E-2" in done.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(config.read_text().replace(central.url, "http://127.0.0.1:9"), encoding="utf-8")
    done = subprocess.run(
        [venv_bin("kiosk"), "doctor", "--config", str(broken)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "FAIL  central:" in done.stdout


def test_demo_starts_both_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    env = dict(os.environ, KIOSK_DATA_DIR=str(tmp_path))
    env.pop("DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)  # the UI tests' x11 driver: this demo has no display at all
    process = subprocess.Popen(
        [venv_bin("kiosk"), "demo"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True
    )
    screen = tmp_path / "demo" / "kiosk" / "screen.png"
    deadline = time.monotonic() + 60
    while not screen.exists() and time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        time.sleep(0.2)
    assert screen.exists(), "the demo never drew its first screen"
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "demo central service: http://127.0.0.1:" in output
    assert "demo stopped" in output
    assert "Traceback" not in output
    assert not _running(f"serve --db {tmp_path}"), "central still running after Ctrl-C"


def _running(fragment: str) -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if fragment in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                return True
        except OSError:
            continue
    return False
