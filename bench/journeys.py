"""A scripted visitor on the real kiosk window: taps and seconds per journey, in both orientations.

Each orientation runs in a fresh process (one Kivy window a process) in a private Xvfb when
installed (offscreen otherwise), against a real central service on loopback with the demo data,
the simulated printer and scanner, as ``kiosk demo`` runs. One line per journey:

    journey=walk_in size=1080x1920 taps=2 typed=0 seconds=1.84 aim=taps<=2,seconds<=4 ok

Aims (issue 12): walk_in 2 taps and at most 4 s with printing; book at most 7 taps (typing counted
apart); checkin_scan 0 taps and at most 2 s to the ticket; staff_priority as few as it takes.
Figures only, never asserts. ``--only walk_in,book`` picks journeys; ``--size 1080x1920`` one size.

    .venv/bin/python bench/journeys.py [--size 1080x1920] [--only walk_in]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import child_env, xvfb  # noqa: E402

SIZES = ("1080x1920", "1920x1080")
VERBOSE = False
AIMS: dict[str, tuple[int | None, float | None]] = {
    "walk_in": (2, 4.0),
    "book": (7, None),
    "checkin_scan": (0, 2.0),
    "staff_priority": (None, None),
}


def run_size(size: str, only: list[str], lang: str = "", shots: str = "") -> list[dict[str, Any]]:
    width, height = (int(v) for v in size.split("x"))
    args = [sys.executable, str(ROOT / "bench" / "_journeys.py"), size] + ([",".join(only)] if only else [])
    with xvfb(width, height) as display:
        env = child_env(display)
        env["JOURNEYS_LANG"] = lang
        env["JOURNEYS_SHOTS"] = str(Path(shots) / f"{lang or 'default'}-{size}") if shots else ""
        out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not rows:
        rows.append(
            {
                "journey": "start",
                "ok": False,
                "error": out.stderr.strip()[-800:],
                "taps": 0,
                "typed": 0,
                "seconds": 0,
            }
        )
    for row in rows:
        row["size"] = size
    return rows


def line(row: dict[str, Any]) -> str:
    taps_aim, seconds_aim = AIMS.get(row["journey"], (None, None))
    aims = ",".join(
        part
        for part in (
            f"taps<={taps_aim}" if taps_aim is not None else "",
            f"seconds<={seconds_aim:g}" if seconds_aim is not None else "",
        )
        if part
    )
    text = (
        f"journey={row['journey']} size={row['size']} taps={row['taps']} typed={row['typed']} "
        f"seconds={row['seconds']:.2f}" + (f" aim={aims}" if aims else "")
    )
    text += " ok" if row.get("ok") else f" FAILED: {row.get('error', '')}"
    if VERBOSE and row.get("marks"):
        text += "\n    " + ", ".join(f"{what} {at:.2f}" for what, at in row["marks"])
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=SIZES, action="append", help="window size (default: both)")
    parser.add_argument("--only", default="", help="comma-separated journeys (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also where each journey's seconds went")
    parser.add_argument("--lang", default="", help="interface language of the visitor (default: the kiosk's)")
    parser.add_argument(
        "--shots", default="", help="a folder for a picture of every screen reached (a walkthrough)"
    )
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    only = [name for name in args.only.split(",") if name]
    failed = False
    for size in args.size or SIZES:
        for row in run_size(size, only, args.lang, args.shots):
            print(line(row), flush=True)
            failed = failed or not row.get("ok")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
