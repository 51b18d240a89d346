"""Every screen a visitor meets, in ru, zh-Hant and en, portrait and landscape, with and without the
docked keyboard: nothing cut, shortened, overlapping, out of reach or broken mid-word.

Portrait runs in this process; landscape in a child pytest run (one Kivy window per process).
Screenshots go to tests/artifacts/layout/<size>/ for a look by eye.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.ui.harness import UI
from tests.ui.layout import Problem, check

pytestmark = pytest.mark.ui

LANGS = ("ru", "zh-Hant", "en")
SIZE = os.environ.get("KIOSK_UI_WINDOW", "1080x1920")
PORTRAIT = SIZE == "1080x1920"

# What the sweep still finds and nobody has fixed yet, by window size: (state, kind of problem).
# Anything else fails the test; tests/artifacts/layout/report-<size>.txt lists everything found.
KNOWN: dict[str, set[tuple[str, str]]] = {
    "1080x1920": set(),
    "1920x1080": set(),
}

# KIOSK_SWEEP_STATES="ticket_done,demo" sweeps only those states (a quick look while fixing one).
ONLY = {name for name in os.environ.get("KIOSK_SWEEP_STATES", "").split(",") if name}

# Screens with fields: shown once as they open (field focused, keyboard up) and once without it.
FIELD_SCREENS = {
    "staff_login", "book_form", "my_booking", "checkin", "kb", "kb_lead", "technician_login", "appeal_form",
    "appeal_status", "appeal_status_email",
}  # fmt: skip


class Sweep:
    """Brings each screen into the state a visitor sees it in, then runs the checker."""

    def __init__(self, ui: UI) -> None:
        self.ui = ui
        self.app = ui.app
        self.ticket: Any = None
        self.booking: Any = None
        self.service: Any = None
        self.appeal: Any = None

    def idle(self) -> None:
        self.ui.frames(2)
        self.ui.wait_for(lambda: not self.app.tasks.busy, timeout=10)
        deadline = time.monotonic() + 0.25  # what screens schedule after showing (scroll, lift)
        while time.monotonic() < deadline:
            self.ui.frames(1)
        self.ui.frames(2)

    def go(self, name: str, **params: Any) -> None:
        self.app.ctx.idle.activity()
        self.ui.go(name, **params)
        self.idle()

    def settle_keyboard(self) -> None:
        """The keyboard comes up with the screen; the frame makes room a few frames later."""
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            self.ui.frames(1)

    def prepare(self) -> None:
        """State shared by every language: a ticket, a booking, a staff member."""
        ctx = self.app.ctx
        services = ctx.appointments.services()
        self.service = services[0]
        self.ticket = ctx.queue.take_ticket(services[0]["id"], priority="none", issued_by="kiosk", lang="ru")
        self.booking = self._book()
        ctx.staff.add("sweep", "1357")
        ctx.technician.directory.add("sweep", "1357")
        self.appeal = self._appeal()

    def _book(self) -> Any:
        ui, app = self.ui, self.app
        self.go("book_time", service_id=self.service["id"])
        times = list(reversed(ui.screen.ids.times.children))
        times[0].dispatch("on_release")  # not a tap: reaching it is the checker's business
        ui.wait_for(lambda: app.manager.current == "book_form")
        form = ui.screen
        form.ids.name.text = "Анна Петрова"
        form.ids.phone.text = "+7 912 345-67-89"
        app.keyboard.detach()
        form.ids.scroller.scroll_to(form.ids.confirm, animate=False)
        ui.frames(3)
        form.ids.confirm.dispatch("on_release")
        ui.wait_for(lambda: app.manager.current == "book_done" and ui.screen.code)
        return ui.screen._booking

    def states(self) -> dict[str, Callable[[], None]]:
        sid = self.service["id"]
        return {
            "home": lambda: self.app.home(),
            "info": lambda: self.go("info"),
            "info_centers": lambda: self.go("info_centers"),
            "info_rates": lambda: self.go("info_rates"),
            "info_news": lambda: self.go("info_news"),
            "coming_soon": lambda: self.go("coming_soon", feature="appeal"),
            "ticket": lambda: self.go("ticket"),
            "ticket_done": lambda: self.go("ticket_done", ticket=self.ticket),
            "ticket_done_paper_out": lambda: self.go("ticket_done", error=_paper_out()),
            "ticket_done_screen_only": lambda: self.go(
                "ticket_done", ticket=replace(self.ticket, print_error="paper_out")
            ),
            "staff_login": lambda: self.go("staff_login"),
            "staff": self._staff,
            "appointments": lambda: self.go("appointments"),
            "book_time": lambda: self.go("book_time", service_id=sid),
            "book_form": self._form,
            "book_done": lambda: self.go("book_done", booking=self.booking),
            "my_booking": lambda: self.go("my_booking"),
            "checkin": lambda: self.go("checkin"),
            "demo": lambda: self.go("demo"),
            # knowledge and information sections
            "kb": lambda: self._kb(""),
            "kb_results": lambda: self._kb(_KB_QUERIES[self.app.ctx.translator.lang]),
            "kb_nothing": lambda: self._kb("zzqx wobble"),
            "kb_topic": lambda: self._kb_topic(),
            "kb_article": lambda: self.go("kb_article", article_id=_kb_id("card-lost", self.app)),
            "kb_article_guide": lambda: self.go(
                "kb_article", article_id=_kb_id("guide-reissue-card", self.app)
            ),
            "kb_article_offer": lambda: self.go("kb_article", article_id=_kb_id("promo-cashback", self.app)),
            "info_more": lambda: self.go("info_more"),
            "kb_section": lambda: self.go("kb_section", group="contacts"),
            "kb_lead": lambda: self.go(
                "kb_lead", article_id="promo-cashback-ru", title="Кэшбэк 5 % в аптеках"
            ),
            # card services (a demo card in the simulated reader, PIN 1234)
            "card": self._card_insert,
            "card_pin": lambda: self._card("card_pin", "visa", identified=False, purpose="session"),
            "card_menu": lambda: self._card("card_menu", "visa"),
            "card_statement": lambda: self._card("card_statement", "visa"),
            "card_statement_dates": self._card_dates,
            "card_info": lambda: self._card("card_info", "mastercard", mode="balance"),
            "card_info_services": lambda: self._card("card_info", "mastercard", mode="services"),
            "card_block": lambda: self._card("card_block", "no_pdol"),
            "card_block_done": self._card_blocked,
            "technician_login": lambda: self.go("technician_login"),
            "technician": self._technician,
            "out_of_service": lambda: self.go("out_of_service"),
            **self.appeal_states(),
        }

    def _appeal(self) -> Any:
        from kiosk.services.appeals import AppealForm

        ctx = self.app.ctx
        assert ctx.appeals.refresh_serial()
        form = AppealForm(
            "complaint", "Анна Петрова", phone="+7 912 345-67-89", text="Банкомат не выдал деньги"
        )
        return ctx.appeals.file(form, "ru")

    def appeal_states(self) -> dict[str, Callable[[], None]]:

        def found() -> None:
            self.go("appeal_status", number=self.appeal.number)
            self.ui.screen.ids.last4.text = "6789"
            self.ui.screen.find()
            self.idle()

        def email() -> None:
            self.go("appeal_status", number=self.appeal.number, proof="email")
            self.ui.screen.ids.email.text = "anna@example.com"

        return {
            "appeals": lambda: self.go("appeals"),
            "appeal_form": lambda: self.go("appeal_form", kind="complaint", text="как вернуть деньги"),
            "appeal_done": lambda: self.go("appeal_done", appeal=self.appeal),
            "appeal_done_paper_out": lambda: self.go(
                "appeal_done", appeal=replace(self.appeal, print_error=_paper_out())
            ),
            "appeal_status": lambda: self.go("appeal_status"),
            "appeal_status_found": found,
            "appeal_status_email": email,
        }

    def _kb(self, query: str) -> None:
        self.go("kb")
        screen = self.ui.screen
        screen.ids.query.text = query
        screen.ids.query.focus = True  # the field, as a visitor who starts typing sees it
        if query:
            self.ui.wait_for(lambda: screen.searching and (screen.ids.results.children or screen.missed))
        self.idle()

    def _kb_topic(self) -> None:
        root = self.app.ctx.knowledge.topic(self.app.ctx.translator.lang, ())
        assert root is not None
        first = root.sorted_children()[0]
        self.go("kb_topic", path=list(first.path))
        self.ui.wait_for(lambda: self.ui.screen.ids.list_box.children)
        self.idle()

    def _card_insert(self) -> None:
        reader = self.app.ctx.card_reader
        reader.remove()  # type: ignore[attr-defined]
        self.ui.frames(2)
        self.go("card")

    def _card(self, screen: str, profile: str, identified: bool = True, **params: Any) -> None:
        """A card session as after the PIN, with the kiosk's clock on central's (attestations are timed)."""
        from kiosk.services.demo_clock import DemoClock

        ctx = self.app.ctx
        DemoClock(ctx.clock, ctx.gateway).move_to(ctx.clock.now())
        reader = ctx.card_reader
        reader.insert(profile)  # type: ignore[attr-defined]
        ctx.statements.begin(reader.read_card())
        if identified:
            assert ctx.statements.verify_pin(reader, "1234").ok
        self.go(screen, **params)

    def _card_dates(self) -> None:
        """Dates of the visitor's choice, one of them wrong: the fields and the message both shown."""
        self._card("card_statement", "visa")
        screen = self.ui.screen
        screen.choose_dates()
        self.ui.wait_for(lambda: not screen.busy, timeout=15)
        screen.ids.date_from.text = "01082026"
        screen.show("range")
        self.idle()

    def _card_blocked(self) -> None:
        self._card("card_block", "track2")
        self.app.ctx.statements.block()
        self.go("card_block")

    def _staff(self) -> None:
        self.app.ctx.session.staff_id = "sweep"
        self.go("staff")

    def _technician(self) -> None:
        if self.app.ctx.technician.who is None:
            assert self.app.ctx.technician.enter("1357") == "sweep"
        self.go("technician")

    def _form(self) -> None:
        sid = self.service["id"]
        self.go("book_time", service_id=sid)
        times = list(reversed(self.ui.screen.ids.times.children))
        times[0].dispatch("on_release")
        self.ui.wait_for(lambda: self.app.manager.current == "book_form")
        self.idle()

    def run(self, langs: tuple[str, ...] = LANGS) -> dict[str, list[Problem]]:
        found: dict[str, list[Problem]] = {}
        shots = ARTIFACTS / "layout" / SIZE
        for lang in langs:
            for state, enter in self.states().items():
                if ONLY and state not in ONLY:
                    continue
                self.app.ctx.session.wipe("sweep")
                self.ui.frames(2)
                self.app.set_language(lang)
                enter()
                screen = self.ui.screen.name
                if screen in FIELD_SCREENS:
                    self.settle_keyboard()
                variants = ["keyboard", "plain"] if screen in FIELD_SCREENS else ["plain"]
                for variant in variants:
                    if variant == "plain":
                        self.app.keyboard.detach()
                        self.ui.frames(3)
                    key = f"{state} {lang} {SIZE}" + (" keyboard" if variant == "keyboard" else "")
                    problems = check(self.ui.screen, self.app.frame, self.ui.window, self.app.keyboard)
                    if problems:
                        found[key] = problems
                    self.ui.screenshot(shots / f"{state}-{lang}{'-kb' if variant == 'keyboard' else ''}.png")
        self.app.ctx.session.wipe("sweep done")
        self.app.ctx.card_reader.remove()  # type: ignore[attr-defined]  # no demo card left for other tests
        return found


_KB_QUERIES = {"ru": "потерял карту", "zh-Hant": "信用卡 利率", "en": "how do I get my card back"}


def _kb_id(stem: str, app: Any) -> str:
    return f"{stem}-{ {'ru': 'ru', 'zh-Hant': 'zh', 'en': 'en'}[app.ctx.translator.lang] }"


def _paper_out() -> BaseException:
    from devices.printer.errors import PrinterError

    return PrinterError("paper_out", "paper roll end detected")


def report(found: dict[str, list[Problem]]) -> str:
    lines = []
    for key, problems in found.items():
        for problem in problems:
            lines.append(f"{key}: {problem}")
    return "\n".join(lines)


@pytest.mark.timeout(900)  # 30+ states x 3 languages (+ keyboard), on a machine that may be busy
def test_layout_here(fresh: UI) -> None:
    """The sweep in this process's window size."""
    sweep = Sweep(fresh)
    sweep.prepare()
    found = sweep.run()
    text = report(found)
    (ARTIFACTS / "layout").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "layout" / f"report-{SIZE}.txt").write_text(text + "\n", encoding="utf-8")
    known = KNOWN.get(SIZE, set())
    new = {
        key: [p for p in problems if (key.split(" ")[0], p.kind) not in known]
        for key, problems in found.items()
    }
    new = {key: problems for key, problems in new.items() if problems}
    assert not new, report(new)


@pytest.mark.skipif(not PORTRAIT, reason="this is the landscape child")
@pytest.mark.timeout(960)
def test_layout_landscape_in_own_process() -> None:
    env = dict(os.environ, KIOSK_UI_WINDOW="1920x1080")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "test_layout_here"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=930,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
