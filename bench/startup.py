"""Start-up time and memory of the kiosk app, measured the way a visitor meets it, beside a bare Kivy app.

Each run starts fresh processes: the kiosk and a bare Kivy app with as many screens, in a real
X window (a private Xvfb, if installed) and offscreen. For each it prints the time from the
kernel's start of the process to the first drawn frame, the resident memory after visiting
every screen three times (data from a real central service on loopback), and what each stage
costs: window and GL context, imports, the context, building the app, the first frame, the
screens' first visits, text textures, fonts. Figures only, never asserts: min/median/max of
the runs. Aims: first frame <= 1.0 s on every run, <= 200 MiB after every screen three times.

    .venv/bin/python bench/startup.py [--runs 3] [--only kiosk] [--no-x11]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import child_env, spread, xvfb  # noqa: E402

WIDTH, HEIGHT = 1080, 1920
AIM_FIRST_FRAME_S, AIM_RSS_MIB = 1.0, 200.0


def screen_count() -> int:
    """The kiosk's screens, read from the registry's source: importing it would open a window here."""
    tree = ast.parse((ROOT / "screens" / "registry.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "SCREENS":
            assert isinstance(node.value, ast.Dict)
            return len(node.value.keys)
    raise SystemExit("screens/registry.py: no SCREENS")


def measure(script: str, args: list[str], display: str | None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True, text=True, env=child_env(display), timeout=300,
    )  # fmt: skip
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"{script} failed:\n{out.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def stages(f: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(stage, seconds, MiB) of one kiosk run, each the difference from the stage before."""
    marks = [("interpreter + bench", "start"), ("window + GL context", "window"), ("project imports", "imports"),
             ("context (db, services)", "context"), ("app build (kv, home screen)", "build"),
             ("first frame (textures)", "first_frame")]  # fmt: skip
    rows, last_s, last_mib = [], 0.0, 0.0
    for label, key in marks:
        rows.append((label, f[f"{key}_s"] - last_s, f[f"{key}_mib"] - last_mib))
        last_s, last_mib = f[f"{key}_s"], f[f"{key}_mib"]
    return rows


def report(name: str, runs: list[dict[str, Any]], kiosk: bool, fonts: dict[str, float]) -> None:
    first = [r["first_frame_s"] for r in runs]
    peak = [max(r[f"round{i}_mib"] for i in (1, 2, 3)) for r in runs]
    journey = [r.get("journey_peak_mib", 0.0) for r in runs]
    print(f"\n== {name} ({len(runs)} runs; min/median/max)")
    print(f"  first frame         {spread(first)} s   (aim <= {AIM_FIRST_FRAME_S} s on every run)")
    print(f"  RSS at first frame  {spread([r['first_frame_mib'] for r in runs], '{:.0f}')} MiB")
    for i in (1, 2, 3):
        print(f"  RSS after visit {i}   {spread([r[f'round{i}_mib'] for r in runs], '{:.0f}')} MiB")
    print(f"  RSS peak            {spread(peak, '{:.0f}')} MiB   (aim <= {AIM_RSS_MIB:.0f} MiB)")
    if not kiosk:
        return
    print(f"  RSS peak within a journey through all {runs[0]['screens']} screens: {spread(journey, '{:.0f}')} MiB"
          f" (every screen built and shown)")  # fmt: skip
    per_stage: dict[str, list[tuple[float, float]]] = {}
    for r in runs:
        for label, secs, mib in stages(r):
            per_stage.setdefault(label, []).append((secs, mib))
    print("  where it goes (median of runs):")
    for label, values in per_stage.items():
        secs = sorted(v[0] for v in values)[len(values) // 2]
        mib = sorted(v[1] for v in values)[len(values) // 2]
        print(f"    {label:<30} {secs:6.3f} s  {mib:+6.1f} MiB")
    med = runs[len(runs) // 2]
    print(
        f"    {'first visits of all screens':<30} {spread([r['first_visits_s'] for r in runs], '{:.3f}')} s"
    )
    print(f"    imported modules (project imports stage): {med['imported_modules']}")
    print(
        f"    fonts: {med['fonts_at_first_frame']} font objects at the first frame, {med['font_objects']} after every "
        f"screen ({med['full_face_objects']} of the full face); one object costs "
        f"{fonts['font_subset_mib']:.2f} MiB (subset) against {fonts['font_full_mib']:.2f} MiB (full face)"
    )
    print(
        f"    text textures of built screens: {spread([r['textures_mib'] for r in runs], '{:.1f}')} MiB with every "
        f"screen built, {spread([r['home_textures_mib'] for r in runs], '{:.1f}')} MiB back home, "
        f"{spread([r['released_textures_mib'] for r in runs], '{:.1f}')} MiB once the session ends"
    )
    print(f"    RSS once the session ends (screens released): {spread([r['released_mib'] for r in runs], '{:.0f}')} MiB;"
          f" after 500 more frames {spread([r['after_500_frames_mib'] for r in runs], '{:.0f}')} MiB")  # fmt: skip
    print(f"    screens built at start: {med['built_screens_at_start']}; window: {med['window_provider']}")
    migrate = [r["migrate_mib"] for r in runs if "migrate_mib" in r]
    if migrate:
        print(f"    the cache was migrated before the run, as every start after a kiosk's first finds it; a first"
              f" start adds {spread(migrate, '{:.0f}')} MiB (migration 005 imports the knowledge search stack;"
              f" --first-start measures it)")  # fmt: skip
    else:
        print("    first start: the cache migrates in the run (and imports the knowledge search stack)")


def beside(results: dict[str, list[dict[str, Any]]], screens: int) -> None:
    """The kiosk next to bare Kivy in the same run: what is Kivy's own and what is ours."""
    import statistics

    print("\n== kiosk beside bare Kivy (medians, same run)")
    for window in ("X window (Xvfb)", "offscreen"):
        kiosk, bare = results.get(f"kiosk, {window}"), results.get(f"bare Kivy, {screens} screens, {window}")
        if not kiosk or not bare:
            continue
        k_rss = statistics.median(r["round3_mib"] for r in kiosk)
        b_rss = statistics.median(r["round3_mib"] for r in bare)
        k_ff = statistics.median(r["first_frame_s"] for r in kiosk)
        b_ff = statistics.median(r["first_frame_s"] for r in bare)
        print(f"  {window}: RSS after 3 visits {k_rss:.0f} MiB, bare Kivy {b_rss:.0f} MiB (Kivy's own),"
              f" ours {k_rss - b_rss:+.0f} MiB; first frame {k_ff:.2f} s, bare {b_ff:.2f} s, ours {k_ff - b_ff:+.2f} s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("kiosk", "bare"))
    parser.add_argument("--no-x11", action="store_true", help="offscreen only")
    parser.add_argument(
        "--first-start", action="store_true", help="an empty data directory (the cache migrates in the run)"
    )
    args = parser.parse_args()
    from tests.conftest import start_central

    screens = screen_count()

    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    central = start_central(work / "central.db")
    token = central.enrol("KIOSK-BENCH")
    results: dict[str, list[dict[str, Any]]] = {}
    fonts = measure("_kiosk.py", ["fonts", str(work / "fonts")], None)
    try:
        with xvfb(WIDTH, HEIGHT) as display:
            windows: list[tuple[str, str | None]] = [("offscreen", None)]
            if display and not args.no_x11:
                windows.insert(0, ("X window (Xvfb)", display))
            elif not args.no_x11:
                print("no Xvfb here (apt-get install -y xvfb): offscreen only", file=sys.stderr)
            for run in range(args.runs):
                for window, disp in windows:
                    mode = "x11" if disp else "offscreen"
                    if args.only != "bare":
                        data = work / f"kiosk-{mode}-{run}"
                        if not args.first_start:  # as a kiosk starts every morning: cache already there
                            migrated = measure("_kiosk.py", ["migrate", str(data)], None)
                        f = measure("_kiosk.py", [str(data), central.url, token, mode], disp)
                        if not args.first_start:
                            f["migrate_mib"] = migrated["migrate_mib"]
                        results.setdefault(f"kiosk, {window}", []).append(f)
                        print(f"run {run + 1} kiosk {mode}: first frame {f['first_frame_s']:.2f} s, "
                              f"RSS after 3 visits {f['round3_mib']:.0f} MiB", flush=True)  # fmt: skip
                    if args.only != "kiosk":
                        home = work / f"bare-{mode}-{run}"
                        f = measure("_bare.py", [str(screens), str(WIDTH), str(HEIGHT), str(home)], disp)
                        results.setdefault(f"bare Kivy, {screens} screens, {window}", []).append(f)
                        print(f"run {run + 1} bare  {mode}: first frame {f['first_frame_s']:.2f} s, "
                              f"RSS after 3 visits {f['round3_mib']:.0f} MiB", flush=True)  # fmt: skip
    finally:
        central.stop()
    for name, runs in results.items():
        report(name, runs, kiosk=name.startswith("kiosk"), fonts=fonts)
    beside(results, screens)
    print(f"\n{os.cpu_count()} cores, software rendering (llvmpipe), load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
