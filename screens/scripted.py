"""A scripted visitor on the live app: the journeys of ``bench/journeys`` and the states of
``kiosk screenshot --state``, against a demo central (``kiosk demo``'s set-up).

The visitor taps by window coordinates: a touch is dispatched at the centre of the widget as it
lies in the window (Kivy's own touch path, as a finger or xdotool would reach it), so a button
hidden under a bar or off the screen is not reached and the journey fails. Taps and typed
characters are counted apart. A tool for benches and pictures, not part of the kiosk's screens.

A later journey is a function taking a ``Visitor`` that returns when the visitor has what they
came for; register it in ``JOURNEYS`` (e.g. ``answer_by_topic`` for the knowledge issue), and a
state a reviewer should see in ``STATES``.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
        self.shots: Path | None = None  # a picture of every screen reached goes here, when set
        self.prefix = ""

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
        self.shoot(name)
        return self.screen

    def shoot(self, what: str) -> None:
        """A picture for a look by eye (walkthroughs); not counted in the journey's seconds."""
        if self.shots is None:
            return
        from screens.launcher import save_window_png

        paused = time.perf_counter()
        self.frames(3)
        self.shots.mkdir(parents=True, exist_ok=True)
        save_window_png(self.shots / f"{self.prefix}{len(list(self.shots.iterdir())):03d}-{what}.png")
        self.started += time.perf_counter() - paused


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
    # The booking comes back from central with the sync the move started.
    v.wait("a confirmation to scan", lambda: v.app.ctx.appointments.demo_token(), timeout=30)
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


def answer_by_topic(v: Visitor) -> None:
    """Home, "Find an answer", a topic, the answer: three taps, from the cache (no network)."""
    v.tap(v.screen.ids.tile_knowledge)
    screen = v.on("kb")
    v.wait("topics", lambda: children(screen.ids.topics))
    v.tap(children(screen.ids.topics)[0])
    topic = v.on("kb_topic")
    v.wait("answers", lambda: children(topic.ids.list_box))
    v.tap(next(w for w in children(topic.ids.list_box) if hasattr(w, "state")))  # headings are labels
    article = v.on("kb_article")
    v.wait("the answer shown", lambda: article.body)


# name -> (set-up not timed or None, the journey). Later journeys: add a line here.
JOURNEYS: dict[str, tuple[Callable[[Visitor], None] | None, Callable[[Visitor], None]]] = {
    "walk_in": (None, walk_in),
    "book": (None, book),
    "checkin_scan": (prepare_checkin, checkin_scan),
    "staff_priority": (None, staff_priority),
    "answer_by_topic": (None, answer_by_topic),
}


def _my_booking_found(v: Visitor) -> None:
    book(v)
    code = v.screen.code.replace(" ", "")
    v.app.go("my_booking")
    screen = v.on("my_booking")
    screen.ids.code.text = code
    screen.ids.last4.text = "6789"
    screen.find()
    v.wait("the booking found", lambda: screen.found)


def _checkin_done(v: Visitor) -> None:
    book(v)
    prepare_checkin(v)
    checkin_scan(v)


def _staff_signed_in(v: Visitor) -> None:
    from kiosk.demo import DEMO_STAFF_PIN

    v.app.go("staff_login")
    v.on("staff_login")
    v.wait("the PIN field focused", lambda: v.app.keyboard.target is not None)
    v.type(DEMO_STAFF_PIN)
    v.key("done")
    v.on("staff")


def _book_form_typing(v: Visitor) -> None:
    v.app.go("appointments")
    screen = v.on("appointments")
    v.wait("services", lambda: children(screen.ids.services))
    v.tap(children(screen.ids.services)[0])
    screen = v.on("book_time")
    v.wait("free times", lambda: not screen.busy and children(screen.ids.times))
    v.tap(children(screen.ids.times)[0])
    v.on("book_form")
    v.wait("the name field focused", lambda: v.app.keyboard.target is not None)
    v.type("Anna Petrova")
    v.frames(20)  # the keyboard docks and the form scrolls


def _paper_out(v: Visitor) -> None:
    v.app.ctx.printer.simulator.set(paper="out")
    v.app.go("ticket")
    screen = v.on("ticket")
    v.wait("services", lambda: children(screen.ids.services))
    v.tap(children(screen.ids.services)[0])
    done = v.on("ticket_done")
    v.wait("the number shown on screen only", lambda: done.unconfirmed)


# What a visitor (or a member of staff) sees, for ``kiosk screenshot --state NAME``.
STATES: dict[str, tuple[str, Callable[[Visitor], None]]] = {
    "ticket_issued": ("a walk-in ticket printed, with its number and QR", walk_in),
    "paper_out": (
        "the printer is out of paper: the number on screen, kept once the visitor noted it",
        _paper_out,
    ),
    "book_form_typing": ("the booking form with the keyboard up", _book_form_typing),
    "booking_done": ("an appointment booked, its code and printed confirmation", book),
    "my_booking_found": ("a booking found by its code, to move or cancel", _my_booking_found),
    "checkin_done": ("checked in by scanning the confirmation: the appointment ticket", _checkin_done),
    "staff_signed_in": ("staff signed in with the PIN: priorities and services", _staff_signed_in),
    "staff_priority_ticket": ("a priority ticket issued by staff", staff_priority),
}


@contextmanager
def demo_app(
    size: tuple[int, int], headless: bool, animate: bool = True, base: Path | None = None
) -> Iterator[Any]:
    """The kiosk app as ``kiosk demo`` runs it (demo central on loopback, simulated devices),
    prepared but not running: the caller drives its frames."""
    from kiosk.config import load
    from kiosk.demo import _demo_staff, demo_config, start_central
    from screens.bootstrap import configure
    from screens.launcher import window_spec
    from service_common.clock import OffsetClock, parse_start

    base = base or Path(tempfile.mkdtemp(prefix="kiosk-scripted-"))
    config = load(None, {"KIOSK_DATA_DIR": str(base / "kiosk")})
    clock = OffsetClock(parse_start(CLOCK_START, config.tz), config.tz)
    central = start_central(config, base, 0, CLOCK_START)
    try:
        cfg = demo_config(config, base, central)
        cfg = dataclasses.replace(cfg, ui=dataclasses.replace(cfg.ui, width=size[0], height=size[1]))
        _demo_staff(cfg)
        configure(window_spec(cfg, size, headless=headless), cfg.data_dir / "kivy")
        from kiosk.context import build
        from screens.app import KioskApp

        ctx = build(cfg, clock)
        app = KioskApp(ctx, animate=animate)
        app._run_prepare()
        Visitor(app).wait("the first frame", lambda: app.manager.current == "home", timeout=30)
        try:
            yield app
        finally:
            app.tasks.shutdown()
            ctx.close()
    finally:
        central.stop()
