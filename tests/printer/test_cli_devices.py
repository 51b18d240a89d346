"""``kiosk devices printer-status|print-test`` and ``kiosk print-preview``, through a parser wired the way
kiosk.cli wires them (add_parsers + run)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from PIL import Image

from kiosk import cli_devices
from kiosk.config import load
from tests.printer.fakes import TcpPrinter


def kiosk(argv: list[str], data_dir: Path, printer: str = "sim:") -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config")
    parser = argparse.ArgumentParser(prog="kiosk", parents=[common])
    sub = parser.add_subparsers(dest="command")
    cli_devices.add_parsers(sub, common)
    args = parser.parse_args(argv)
    config = load(None, {"KIOSK_DATA_DIR": str(data_dir)})
    config.devices.printer = printer
    assert args.command in cli_devices.COMMANDS
    return cli_devices.run(args, config)


def test_printer_status_ok_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "printer-status"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "state   ok" in out
    assert "raw     EOT1=0x12 EOT2=0x12 EOT4=0x12" in out


def test_printer_status_paper_out_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "printer-status", "--printer", "sim:?paper=out", "--json"], tmp_path) == 1
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "needs_attention"
    assert status["problems"] == ["paper_out"]
    assert status["raw"] == {"1": "0x1A", "2": "0x32", "4": "0x72"}
    assert status["printer"] == "sim:?paper=out"


def test_printer_status_over_tcp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tcp_printer: TcpPrinter
) -> None:
    tcp_printer.state.cover_open = True
    assert kiosk(["devices", "printer-status"], tmp_path, printer=tcp_printer.uri) == 1
    out = capsys.readouterr().out
    assert "cover   open" in out
    assert "hint    cover open: close the printer cover" in out
    tcp_printer.state.silent = True
    assert kiosk(["devices", "printer-status", "--json"], tmp_path, printer=tcp_printer.uri) == 1
    assert json.loads(capsys.readouterr().out)["problems"] == ["no_answer"]


def test_file_printer_status_is_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "printer-status", "--printer", f"file:{tmp_path / 'p.bin'}"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "state   unknown" in out
    assert "cannot read status" in out


def test_print_test_on_the_simulator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "print-test", "--lang", "en", "--paper", "58"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "printed sample ticket (en, 58 mm" in out
    assert "confirmed by the printer" in out
    pngs = list((tmp_path / "print").glob("*.png"))
    assert len(pngs) == 1
    assert str(pngs[0]) in out


@pytest.mark.parametrize("lang", ["ru", "zh-Hant", "en"])
def test_print_test_appeal_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> None:
    assert kiosk(["devices", "print-test", "--sample", "appeal", "--lang", lang], tmp_path) == 0
    assert f"printed sample appeal ({lang}, 80 mm" in capsys.readouterr().out
    (png,) = (tmp_path / "print").glob("*.png")
    assert png.stat().st_size > 0


@pytest.mark.parametrize("lang", ["ru", "zh-Hant", "en"])
def test_print_test_appointment_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> None:
    assert kiosk(["devices", "print-test", "--sample", "appointment", "--lang", lang], tmp_path) == 0
    out = capsys.readouterr().out
    assert f"printed sample appointment ({lang}, 80 mm" in out
    (png,) = (tmp_path / "print").glob("*.png")
    job = tmp_path / "job.bin"
    args = ["devices", "print-test", "--sample", "appointment", "--paper", "58", "--printer", f"file:{job}"]
    assert kiosk(args, tmp_path) == 0
    preview = tmp_path / "job.png"
    assert kiosk(["print-preview", str(job), "--out", str(preview), "--paper", "58"], tmp_path) == 0
    with Image.open(png) as img, Image.open(preview) as small:
        assert img.width == 576 + 32
        assert small.width == 384 + 32
        assert img.height > 1000  # the whole confirmation, QR code included


def test_print_test_failure_and_bad_uri(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk(["devices", "print-test", "--printer", "sim:?cover=open"], tmp_path) == 1
    assert "cover_open" in capsys.readouterr().err
    assert kiosk(["devices", "print-test", "--printer", "lpt:1"], tmp_path) == 2
    assert "unknown scheme" in capsys.readouterr().err


def test_print_preview(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = tmp_path / "job.bin"
    assert kiosk(["devices", "print-test", "--printer", f"file:{job}", "--lang", "ru"], tmp_path) == 0
    assert "status unknown (not confirmed)" in capsys.readouterr().out
    out = tmp_path / "job.png"
    assert kiosk(["print-preview", str(job), "--out", str(out), "--paper", "80"], tmp_path) == 0
    with Image.open(out) as img:
        assert img.width == 576 + 32
    assert kiosk(["print-preview", str(tmp_path / "nope.bin"), "--out", str(out)], tmp_path) == 2
    assert "nope.bin" in capsys.readouterr().err


def test_statement_sample_prints_and_previews(tmp_path: Path) -> None:
    job = tmp_path / "statement.bin"
    args = ["devices", "print-test", "--sample", "statement", "--lang", "ru", "--printer", f"file:{job}"]
    assert kiosk(args, tmp_path) == 0
    preview = tmp_path / "statement.png"
    assert kiosk(["print-preview", str(job), "--out", str(preview), "--paper", "80"], tmp_path) == 0
    assert preview.stat().st_size > 0
