"""The real thing: ``kiosk-central serve`` as a process on loopback, stopped by a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def central_cmd(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "kiosk-central"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "central.cli", *args]


def env() -> dict[str, str]:
    out = dict(os.environ)
    out.pop("KIOSK_CENTRAL_CONFIG", None)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH", "")) if p)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        central_cmd(*args), cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(url + "/health", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError("central did not become healthy: " + log.read_text())


def start_serve(tmp_path: Path, db: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            central_cmd("serve", "--db", str(db), "--port", str(port)),
            cwd=tmp_path,
            env=env(),
            stdout=log_file,
            stderr=log_file,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, url, log


def stop_cleanly(process: subprocess.Popen[bytes], log: Path, stop: signal.Signals) -> None:
    try:
        process.send_signal(stop)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "Traceback" not in text
    assert f"central stopped ({stop.name})" in text


def test_serve_answers_and_stops_on_sigint(tmp_path: Path) -> None:
    db = tmp_path / "central.db"
    cli(tmp_path, "seed-demo", "--db", str(db))
    token = cli(tmp_path, "kiosks", "add", "KIOSK-E2E", "--center", "C01", "--db", str(db)).strip()
    process, url, log = start_serve(tmp_path, db)
    try:
        assert f"central listening on {url}\n" in log.read_text()
        response = httpx.get(url + "/api/v1/centers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["centers"]] == ["C01", "C02", "C03"]
        assert httpx.get(url + "/api/v1/centers").status_code == 401
    finally:
        stop_cleanly(process, log, signal.SIGINT)


def test_serve_migrates_a_new_database_and_stops_on_sigterm(tmp_path: Path) -> None:
    process, url, log = start_serve(tmp_path, tmp_path / "fresh.db")
    try:
        assert httpx.get(url + "/health").json()["db"] == "ok"
    finally:
        stop_cleanly(process, log, signal.SIGTERM)


def test_busy_port_is_one_line_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            central_cmd("serve", "--db", str(tmp_path / "c.db"), "--port", str(port)),
            cwd=tmp_path,
            env=env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"kiosk-central: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
