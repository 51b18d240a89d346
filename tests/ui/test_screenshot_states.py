"""``kiosk screenshot --state``: a reviewer's pictures of what a visitor sees after a journey.

Each state is reached by the scripted visitor against a demo central in a fresh process; a few
run here so the list cannot rot (bench/journeys covers the journeys themselves).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


def shoot(state: str, lang: str, size: str, out: Path) -> subprocess.CompletedProcess[str]:
    args = [
        "-m",
        "kiosk.cli",
        "screenshot",
        "--state",
        state,
        "--lang",
        lang,
        "--size",
        size,
        "--out",
        str(out),
    ]
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize(
    ("state", "lang", "size"),
    [("booking_done", "zh-Hant", "1920x1080"), ("staff_signed_in", "ru", "1080x1920")],
)
def test_a_state_is_reached_and_drawn(state: str, lang: str, size: str) -> None:
    out = ARTIFACTS / "states" / f"{state}-{lang}-{size}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    result = shoot(state, lang, size, out)
    assert result.returncode == 0, result.stderr[-3000:]
    with Image.open(out) as image:
        assert image.size == tuple(int(v) for v in size.split("x"))
        colours = image.convert("RGB").resize((64, 64)).getcolors(64 * 64)
        assert colours is not None
        assert len(colours) > 8  # drawn, not one flat colour


def test_the_states_are_listed() -> None:
    args = [sys.executable, "-m", "kiosk.cli", "screenshot", "--state", "list"]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for state in (
        "ticket_issued",
        "paper_out",
        "booking_done",
        "my_booking_found",
        "checkin_done",
        "staff_signed_in",
    ):
        assert state in result.stdout
