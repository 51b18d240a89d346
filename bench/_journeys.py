"""The journeys of ``screens/scripted.py`` on the real kiosk window, timed: run by
``bench/journeys.py`` in a fresh process per window size. Prints one JSON object per journey.

The app runs as ``kiosk demo`` runs it (simulated printer and scanner, a real central service
on loopback with the demo data and a shared demo clock, the real fade between screens).
A new journey is added in ``screens/scripted.py`` (``JOURNEYS``), not here.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screens.scripted import JOURNEYS, JourneyFailed, Visitor


def run_journeys(
    app: Any, names: list[str], lang: str | None = None, shots: Path | None = None
) -> Iterator[dict[str, Any]]:
    for name in names:
        setup, journey = JOURNEYS[name]
        visitor = Visitor(app)
        app.ctx.session.wipe("journey")
        app.home()
        visitor.settle()
        if lang:
            app.set_language(lang)
            visitor.frames(2)
        if setup is not None:
            setup(visitor)
        if lang:
            app.set_language(lang)  # the set-up may have ended the session (moving the clock)
            visitor.frames(2)
        visitor.shots, visitor.prefix = shots, f"{name}-"
        visitor.taps = visitor.typed = 0
        visitor.marks = []
        visitor.started = time.perf_counter()
        row: dict[str, Any] = {"journey": name}
        try:
            journey(visitor)
            row["ok"] = True
        except (JourneyFailed, StopIteration) as exc:
            row["ok"], row["error"] = False, str(exc) or type(exc).__name__
        row.update(
            taps=visitor.taps, typed=visitor.typed, seconds=round(time.perf_counter() - visitor.started, 2)
        )
        row["marks"] = [m for m in visitor.marks if m[0] != "the fade"]
        yield row


def main(width: int, height: int, names: list[str]) -> int:
    from screens.launcher import has_display
    from screens.scripted import demo_app

    with demo_app((width, height), headless=not has_display()) as app:  # with the fade, as on a kiosk
        lang = os.environ.get("JOURNEYS_LANG") or None
        shots = Path(os.environ["JOURNEYS_SHOTS"]) if os.environ.get("JOURNEYS_SHOTS") else None
        for row in run_journeys(app, names, lang, shots):
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    w, h = (int(v) for v in sys.argv[1].split("x"))
    wanted = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else set(JOURNEYS)
    unknown = wanted - set(JOURNEYS)
    if unknown:
        raise SystemExit(f"unknown journeys {sorted(unknown)}; known: {', '.join(JOURNEYS)}")
    code = main(w, h, [name for name in JOURNEYS if name in wanted])  # in order: book before checkin
    sys.stdout.flush()
    os._exit(code)
