"""The ``sim:`` printer: jobs kept and saved with a preview, state set from the URI or from methods."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from devices import escpos_render
from devices.printer import PrinterNeedsAttention, PrinterUnavailable, open_printer
from devices.receipts import ticket_receipt
from devices.receipts.raster_text import FONT_REGULAR
from tests.printer.conftest import ticket


def test_job_is_kept_and_saved_with_a_preview(tmp_path: Path) -> None:
    printer = open_printer("sim:", data_dir=tmp_path, paper_width_mm=58)
    assert printer.status().ok
    receipt = ticket_receipt(ticket("ru"), "ru")
    result = printer.print_receipt(receipt)
    assert result.confirmed
    sim = printer.simulator
    assert sim is not None
    (job,) = sim.jobs
    assert job.data == printer.render(receipt).data
    assert job.bin_path is not None
    assert job.png_path is not None
    assert job.bin_path.parent == tmp_path / "print"
    assert job.bin_path.read_bytes() == job.data
    with Image.open(job.png_path) as png:
        assert png.width == 384 + 32
    assert "A017" in escpos_render.plain_text(escpos_render.decode(job.data))


@pytest.mark.skipif(not FONT_REGULAR.exists(), reason="KioskSans is built by run.sh")
def test_jobs_get_distinct_files(tmp_path: Path) -> None:
    printer = open_printer("sim:?png=0", data_dir=tmp_path, paper_width_mm=80)
    for lang in ("ru", "zh-Hant", "en"):
        printer.print_receipt(ticket_receipt(ticket(lang), lang))
    assert len(list((tmp_path / "print").glob("*.bin"))) == 3
    assert not list((tmp_path / "print").glob("*.png"))


@pytest.mark.parametrize(
    ("uri", "state", "key"),
    [
        ("sim:?paper=out", "needs_attention", "paper_out"),
        ("sim:?cover=open", "needs_attention", "cover_open"),
        ("sim:?offline=1", "needs_attention", "offline"),
        ("sim:?error=1", "needs_attention", "printer_error"),
        ("sim:?silent=1", "unavailable", "no_answer"),
        ("sim:?paper=near_end", "ok", None),
    ],
)
def test_state_from_the_uri(tmp_path: Path, uri: str, state: str, key: str | None) -> None:
    status = open_printer(uri, data_dir=tmp_path, paper_width_mm=80).status()
    assert (status.state, status.key) == (state, key)


def test_state_from_methods_and_mid_job_failure(tmp_path: Path) -> None:
    printer = open_printer("sim:", data_dir=tmp_path, paper_width_mm=80)
    sim = printer.simulator
    assert sim is not None
    sim.set(cover_open=True)
    with pytest.raises(PrinterNeedsAttention) as caught:
        printer.print_receipt(ticket_receipt(ticket("en"), "en"))
    assert (caught.value.key, caught.value.job_sent) == ("cover_open", False)
    assert not sim.jobs
    sim.set(cover_open=False)
    sim.fail_during_next_job("paper_out")
    with pytest.raises(PrinterNeedsAttention) as caught:
        printer.print_receipt(ticket_receipt(ticket("en"), "en"))
    assert (caught.value.key, caught.value.phase, caught.value.job_sent) == ("paper_out", "after", True)
    assert len(sim.jobs) == 1  # the half-printed ticket, for the demo screen
    assert caught.value.raw == {1: 0x1A, 2: 0x32, 4: 0x72}
    sim.set(paper="ok")
    assert printer.status().ok


def test_slow_printer_times_out(tmp_path: Path) -> None:
    printer = open_printer("sim:?slow=10&job_timeout=0.3&png=0", data_dir=tmp_path, paper_width_mm=80)
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as caught:
        printer.print_receipt(ticket_receipt(ticket("en"), "en"))
    assert caught.value.key == "timeout"
    assert time.monotonic() - started < 2


def test_importing_the_printer_package_has_no_python_escpos_side_effects(tmp_path: Path) -> None:
    """python-escpos 3.1 calls logging.basicConfig() and makes a temp folder on import."""
    code = (
        "import logging, os, tempfile\n"
        "before = set(os.listdir(tempfile.gettempdir()))\n"
        "import devices.printer, devices.receipts\n"
        "import escpos.printer\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
        "assert 'ESCPOS_CAPABILITIES_PICKLE_DIR' not in os.environ\n"
        "new = set(os.listdir(tempfile.gettempdir())) - before\n"
        "assert not new, new\n"
    )
    env = {"HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp"), "PATH": "/usr/bin:/bin"}
    (tmp_path / "tmp").mkdir()
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".cache" / "service-kiosk" / "escpos").is_dir()


def test_old_jobs_are_pruned_from_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import devices.printer.simulator as simulator

    monkeypatch.setattr(simulator, "KEEP_ON_DISK", 2)
    printer = open_printer("sim:?png=0", data_dir=tmp_path, paper_width_mm=80)
    for n in range(4):
        printer.print_receipt(ticket_receipt(ticket("en", number=f"C{n:03d}"), "en"))
    kept = sorted((tmp_path / "print").glob("*.bin"))
    assert len(kept) == 2
    assert b"C003" in kept[-1].read_bytes() or b"C003" in kept[0].read_bytes()
