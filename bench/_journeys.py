"""One scripted visitor on the real kiosk window: run by ``bench/journeys.py`` in a fresh process.

The app runs as ``kiosk demo`` runs it (simulated printer and scanner, a real central service
on loopback with the demo data and a shared demo clock, the real fade between screens). The
visitor taps by window coordinates: a touch is dispatched at the centre of the widget as it
lies in the window (Kivy's own touch path, as a finger or xdotool would reach it), so a
button hidden under a bar or off the screen is not reached and the journey fails. Taps and
typed characters are counted apart. Prints one JSON object per journey.

A later journey is a function taking a ``Visitor`` and returning when the visitor has what
they came for; register it in ``JOURNEYS`` (e.g. ``answer_by_topic`` for the knowledge issue).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLOCK_START = "2026-12-01T10:00"  # a Tuesday morning: every service open, free times today


class JourneyFailed(RuntimeError):
    pass


class Visitor:
    """Taps, types and waits on the live app; counts what a visitor would do."""

    def __init__(self, app: Any) -> None:
        from kivy.core.window import Window

        self.app = app
        self.window = Window
        self.taps = 0
        self.typed = 0
        self.started = time.perf_counter()
        self.marks: list[tuple[str, float]] = []  # where the seconds went: (what, seconds from start)

    def mark(self, what: str) -> None:
        self.marks.append((what, round(time.perf_counter() - self.started, 2)))

    # ----- time passes only through frames
    def frames(self, n: int = 1) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()

    def wait(self, what: str, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.frames(1)
            value = predicate()
            if value:
                self.mark(what)
                return value
        raise JourneyFailed(f"waited {timeout:.0f} s for {what} (screen {self.app.manager.current})")

    def settle(self) -> None:
        """Until the fade between screens has ended (a tap during it would reach the old screen)."""
        self.wait("the fade", lambda: not self.app.manager.transition.is_active)
        self.frames(2)

    # ----- what a visitor does
    def tap(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        self.settle()
        x, y = widget.to_window(*widget.center)
        if not (0 <= x <= self.window.width and 0 <= y <= self.window.height):
            raise JourneyFailed(f"{type(widget).__name__} lies outside the window at ({x:.0f}, {y:.0f})")
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(2)
        touch.touch_up()
        self.taps += 1
        self.frames(2)

    def type(self, text: str) -> None:
        """Typing into the focused field (key taps counted as typed characters, not as taps)."""
        field = self.app.keyboard.target
        if field is None:
            raise JourneyFailed("nothing focused to type into")
        field.insert_text(text)
        self.typed += len(text)
        self.frames(1)

    def key(self, kind: str) -> None:
        """A key of the on-screen keyboard, tapped where it is drawn (``done``...)."""
        button = self.app.keyboard.find_key(kind)
        if button is None:
            raise JourneyFailed(f"the keyboard has no {kind!r} key")
        self.tap(button)

    @property
    def screen(self) -> Any:
        return self.app.manager.current_screen

    def on(self, name: str) -> Any:
        self.wait(f"screen {name}", lambda: self.app.manager.current == name)
        self.settle()
        return self.screen


def children(box: Any) -> list[Any]:
    return list(reversed(box.children))


def walk_in(v: Visitor) -> None:
    """Home, a service: the ticket printed and in hand."""
    v.tap(v.screen.ids.tile_ticket)
    screen = v.on("ticket")
    v.wait("services", lambda: children(screen.ids.services))
    v.tap(children(screen.ids.services)[0])
    done = v.on("ticket_done")
    v.wait("the ticket printed", lambda: done.number and done.preview)


def book(v: Visitor) -> None:
    """Home, service, time, name and phone, confirm: the confirmation printed."""
    v.tap(v.screen.ids.tile_appointment)
    screen = v.on("appointments")
    v.wait("services", lambda: children(screen.ids.services))
    v.tap(children(screen.ids.services)[0])
    screen = v.on("book_time")
    v.wait("free times", lambda: not screen.busy and children(screen.ids.times))
    v.tap(children(screen.ids.times)[0])
    form = v.on("book_form")
    v.wait("the name field focused", lambda: v.app.keyboard.target is not None)
    v.type("Anna Petrova")
    v.key("done")  # on to the phone
    v.type("+79123456789")
    v.key("done")  # on to the e-mail (optional)
    v.key("done")  # the keyboard goes, Confirm comes into view
    v.frames(4)
    v.tap(form.ids.confirm)
    done = v.on("book_done")
    v.wait("the confirmation printed", lambda: done.code and done.preview)


def prepare_checkin(v: Visitor) -> None:
    """Not timed: a booking today (made by ``book``) and the demo clock 10 minutes before it."""
    v.app.go("demo")
    demo = v.on("demo")
    demo.next_booking()
    v.wait("the clock moved", lambda: demo.message and not v.app.tasks.busy)
    v.app.home()
    v.settle()


def checkin_scan(v: Visitor) -> None:
    """The confirmation's QR under the scanner, from the home screen: the ticket printed, no tap."""
    if not v.app.simulate_scan():
        raise JourneyFailed("the simulated scanner had nothing to read")
    done = v.on("ticket_done")
    v.wait("the appointment ticket printed", lambda: done.number and done.preview)


def staff_priority(v: Visitor) -> None:
    """Staff: sign in with the PIN, a priority, a service: the priority ticket printed."""
    from kiosk.demo import DEMO_STAFF_PIN

    v.tap(v.screen.ids.tile_ticket)
    screen = v.on("ticket")
    v.tap(screen.ids.staff_entry)
    v.on("staff_login")
    v.wait("the PIN field focused", lambda: v.app.keyboard.target is not None)
    v.type(DEMO_STAFF_PIN)
    v.key("done")  # signs in
    staff = v.on("staff")
    button = next(w for w in staff.walk() if getattr(w, "key", None) == "disability")
    v.tap(button)
    v.wait("services", lambda: children(staff.ids.services))
    v.tap(children(staff.ids.services)[0])
    done = v.on("ticket_done")
    v.wait("the priority ticket printed", lambda: done.number and done.preview)


# name -> (set-up not timed or None, the journey). Later journeys: add a line here.
JOURNEYS: dict[str, tuple[Callable[[Visitor], None] | None, Callable[[Visitor], None]]] = {
    "walk_in": (None, walk_in),
    "book": (None, book),
    "checkin_scan": (prepare_checkin, checkin_scan),
    "staff_priority": (None, staff_priority),
}


def run_journeys(app: Any, names: list[str]) -> Iterator[dict[str, Any]]:
    for name in names:
        setup, journey = JOURNEYS[name]
        visitor = Visitor(app)
        app.ctx.session.wipe("journey")
        app.home()
        visitor.settle()
        if setup is not None:
            setup(visitor)
        visitor.taps = visitor.typed = 0
        visitor.marks = []
        start = visitor.started = time.perf_counter()
        row: dict[str, Any] = {"journey": name}
        try:
            journey(visitor)
            row["ok"] = True
        except (JourneyFailed, StopIteration) as exc:
            row["ok"], row["error"] = False, str(exc) or type(exc).__name__
        row.update(taps=visitor.taps, typed=visitor.typed, seconds=round(time.perf_counter() - start, 2))
        row["marks"] = [m for m in visitor.marks if m[0] != "the fade"]
        yield row


def main(width: int, height: int, names: list[str]) -> int:
    from kiosk.config import load
    from kiosk.demo import _demo_staff, demo_config, start_central
    from screens.bootstrap import configure
    from screens.launcher import has_display, window_spec
    from service_common.clock import OffsetClock, parse_start

    base = Path(tempfile.mkdtemp(prefix="journeys-"))
    config = load(None, {"KIOSK_DATA_DIR": str(base / "kiosk")})
    clock = OffsetClock(parse_start(CLOCK_START, config.tz), config.tz)
    central = start_central(config, base, 0, CLOCK_START)
    try:
        cfg = demo_config(config, base, central)
        _demo_staff(cfg)
        configure(window_spec(cfg, (width, height), headless=not has_display()), cfg.data_dir / "kivy")
        from kiosk.context import build
        from screens.app import KioskApp

        ctx = build(cfg, clock)
        app = KioskApp(ctx)  # with the fade, as on a kiosk
        app._run_prepare()
        Visitor(app).wait("the first frame", lambda: app.manager.current == "home", timeout=30)
        for row in run_journeys(app, names):
            print(json.dumps(row), flush=True)
        app.tasks.shutdown()
        ctx.close()
    finally:
        central.stop()
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
