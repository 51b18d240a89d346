"""``kiosk devices scanner-test``: as a real command (subprocess) and through the parser kiosk.cli builds."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk import cli_devices
from kiosk.config import load
from tests.scanner.fakes import PtyScanner

KIOSK = Path(sys.executable).parent / "kiosk"  # .venv/bin/kiosk, the installed console script


def kiosk(argv: list[str], data_dir: Path) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config")
    parser = argparse.ArgumentParser(prog="kiosk", parents=[common])
    sub = parser.add_subparsers(dest="command")
    cli_devices.add_parsers(sub, common)
    args = parser.parse_args(argv)
    config = load(None, {"KIOSK_DATA_DIR": str(data_dir)})
    assert args.command in cli_devices.COMMANDS
    return cli_devices.run(args, config)


def run_kiosk(args: list[str], tmp_path: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    env["KIOSK_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [str(KIOSK), *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_sim_json_as_a_real_command(tmp_path: Path) -> None:
    done = run_kiosk(["devices", "scanner-test", "--scanner", "sim:", "--seconds", "1", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    scans = [r for r in records if r["event"] == "scan"]
    assert [(s["text"], s["symbology"]) for s in scans] == list(cli_devices.SIM_SAMPLES)
    assert all(s["since_previous_s"] >= 0 for s in scans)
    summary = records[-1]
    assert summary["event"] == "summary"
    assert (summary["reachable"], summary["scans"], summary["errors"]) == (True, 2, {})
    assert summary["status"]["state"] == "connected"
    log = "\n".join(p.read_text() for p in (tmp_path / "logs").glob("*"))
    assert "7Q4K" not in log  # printed for the technician, never logged
    assert "APPT-C01" not in log


def test_sim_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "scanner-test", "--scanner", "sim:", "--seconds", "1"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "scan 1   QR" in out
    assert "scan 2   DataMatrix" in out
    assert "reachable yes" in out
    assert "scans     2 in 1." in out


def test_unplugged_sim_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["devices", "scanner-test", "--scanner", "sim:?connected=0", "--seconds", "0.5", "--json"]
    assert kiosk(argv, tmp_path) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["key"] for r in records if r["event"] == "error"] == ["not_found"]
    assert records[-1]["reachable"] is False


def test_missing_serial_port_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["devices", "scanner-test", "--scanner", f"serial:{tmp_path / 'ttyACM9'}", "--seconds", "0.5"]
    assert kiosk(argv, tmp_path) == 1
    out = capsys.readouterr().out
    assert "state     not_found (not_found)" in out
    assert "errno=2 (ENOENT)" in out
    assert "reachable no" in out


def test_serial_scanner_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = PtyScanner(tmp_path / "scanner")
    timer = threading.Timer(0.4, fake.type, args=(b"]Q1https://queue.example/a/9\r\x1dNOISE\x15\r",))
    timer.start()
    try:
        argv = ["devices", "scanner-test", "--scanner", fake.uri(aim=1), "--seconds", "1.5", "--json"]
        assert kiosk(argv, tmp_path) == 0
    finally:
        timer.join()
        fake.close()
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["text"], r["symbology"]) for r in records if r["event"] == "scan"] == [
        ("https://queue.example/a/9", "QR")
    ]
    assert records[-1]["errors"] == {"bad_data": 1}


def test_wedge_window_mode_reads_the_terminal(tmp_path: Path) -> None:
    done = run_kiosk(
        ["devices", "scanner-test", "--scanner", "wedge:", "--seconds", "1", "--json"],
        tmp_path,
        stdin=b"APPT-17\nAPPT-18\n",
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["text"] for r in records if r["event"] == "scan"] == ["APPT-17", "APPT-18"]
    assert records[-1]["status"]["state"] == "unknown"


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "scanner-test", "--scanner", "tcp://10.0.0.1:23"], tmp_path) == 2
    assert "unknown scheme" in capsys.readouterr().err
    assert kiosk(["devices", "scanner-test", "--scanner", "serial:/dev/ttyACM0?speed=9600"], tmp_path) == 2
    assert "unknown parameter 'speed'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        kiosk(["devices", "scanner-test", "--seconds", "0"], tmp_path)


def test_printer_commands_still_parse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "printer-status", "--printer", "sim:"], tmp_path) == 0
    assert "state   ok" in capsys.readouterr().out
