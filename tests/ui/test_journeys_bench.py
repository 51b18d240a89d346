"""bench/journeys runs every journey once on the real window, so the scripted visitor cannot rot.

Not timed here (the bench prints the figures): each journey must simply reach its end.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


def test_every_journey_completes_in_portrait() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "journeys.py"), "--size", "1080x1920"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("journey=")]
    names = {line.split()[0].removeprefix("journey=") for line in lines}
    assert {"walk_in", "book", "checkin_scan", "staff_priority"} <= names, (
        result.stdout + result.stderr[-3000:]
    )
    assert all(line.endswith(" ok") for line in lines), "\n".join(lines)
    assert result.returncode == 0
