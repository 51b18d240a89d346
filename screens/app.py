"""The Kivy application: the frame (header, navigation, keyboard dock), navigation and the idle watch.

Kept small on purpose: screens do their own work through ``KioskScreen.run``; the app only
routes between them and makes sure an abandoned session is wiped.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import time
from typing import Any

from babel.dates import format_skeleton
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.opengl import glFinish
from kivy.lang import Builder
from kivy.uix.screenmanager import NoTransition

from devices.card import CardEvent, CardInserted, CardRemoved, ReaderLost
from devices.scanner import Scan, ScannerError, SimulatorScanner
from kiosk.context import KioskContext
from kiosk.session import IdlePhase
from kiosk.supervise import Watchdog
from kiosk.tasks import TaskRunner
from screens import lift, registry
from screens.base import KioskScreen
from screens.bootstrap import register_fonts
from screens.card import CardScreen
from screens.i18n_kv import tr
from screens.idle import IdleOverlay
from screens.keyboard import OnScreenKeyboard
from screens.screenshot import capture_from_worker
from screens.technician import CornerHold, restart_process
from screens.widgets import KioskRoot, LangButton, SteadyFadeTransition
from server_sync.worker import SyncReport
from service_common.i18n import SHORT_NAMES, babel_locale, drawable, pick
from service_common.paths import KV

log = logging.getLogger(__name__)

HOME = "home"
OUT_OF_SERVICE = "out_of_service"


def _kivy_post(callback: Any) -> None:
    Clock.schedule_once(lambda _dt: callback(), 0)


def return_memory() -> float:
    """Collect the released screens now and hand the freed heap back to the system; returns seconds taken.

    glibc keeps freed memory for reuse; after a session's screens and textures are dropped
    that is tens of MiB a kiosk would otherwise hold until the next visitor, at its peak.
    """
    start = time.perf_counter()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    took = time.perf_counter() - start
    log.debug("memory returned in %.3f s", took)
    return took


def letters_for(lang: str, layouts: list[str]) -> str:
    """The letter layout a visitor of ``lang`` starts with: Russian for Russian, else Latin."""
    wanted = "ru" if lang == "ru" else "en"
    return wanted if wanted in layouts else layouts[0]


class KioskApp(App):  # type: ignore[misc]
    title = "Service kiosk"

    def __init__(
        self, ctx: KioskContext, *, animate: bool = True, out_of_service: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.out_of_service = out_of_service  # systemd gave up restarting us: only this screen
        self.watchdog = Watchdog()
        self.tasks = TaskRunner(_kivy_post)
        self.animate = animate
        self.history: list[tuple[str, dict[str, Any]]] = []
        self.overlay: IdleOverlay | None = None
        self.missing_fonts: list[str] = []
        self.root_widget: KioskRoot | None = None
        self._center: dict[str, Any] | None = None  # the header's center, as last read from the cache

    # ----- building -----
    def build(self) -> KioskRoot:
        self.missing_fonts = register_fonts()
        for name in ("app.kv", *registry.KV_FILES):
            Builder.load_file(str(KV / name))
        tr.attach(self.ctx.translator)
        root = KioskRoot()
        self.root_widget = root
        self.manager = root.ids.manager
        self.manager.transition = SteadyFadeTransition(duration=0.12) if self.animate else NoTransition()
        self.screen(HOME)  # the others are built on their first visit (start-up time and memory)
        self._build_language_switch(root)
        self._build_keyboard(root)
        self.overlay = IdleOverlay(on_continue=self.ctx.idle.activity)
        self.ctx.translator.observe(self._on_language)
        self.ctx.session.on_wipe(self._after_wipe)
        Window.bind(on_touch_down=self._on_any_touch, on_key_down=self._on_any_key)
        # The hidden way into technician mode: hold the top-left corner for 3 s.
        self.corner_hold = CornerHold(self.technician_gesture)
        self.corner_hold.bind()
        if getattr(self.ctx.scanner, "wants_window_keys", False):  # a keyboard-wedge scanner, via us
            Window.bind(on_textinput=lambda _w, text: self.ctx.scanner.feed_key(text))
        # Wait for each frame to finish. Offscreen and software-rendered (llvmpipe), nothing else
        # throttles drawing and unfinished frames queue up without bound: measured at 3.5 MiB per
        # frame, 2 GiB after a minute of scrolling. On a GPU with vsync it costs nothing.
        Window.bind(on_flip=lambda *_args: glFinish())
        Clock.schedule_interval(self._tick, 0.5)
        self._tick(0)
        self._load_header()
        if self.out_of_service:
            self.go(OUT_OF_SERVICE, remember=False)
        else:
            self.go(HOME, remember=False)
        # Fullscreen, the window has no way out: no close request is honoured (Esc is off in bootstrap).
        Window.bind(on_request_close=lambda *_args: bool(self.ctx.config.ui.fullscreen))
        return root

    def _build_language_switch(self, root: KioskRoot) -> None:
        box = root.ids.header.ids.languages
        for lang in self.ctx.config.languages:
            button = LangButton(text=SHORT_NAMES[lang], lang=lang, active=lang == self.ctx.translator.lang)
            button.bind(on_release=lambda b: self.set_language(b.lang))
            box.add_widget(button)

    @property
    def frame(self) -> KioskRoot:
        assert self.root_widget is not None, "the app is not built yet"
        return self.root_widget

    def _build_keyboard(self, root: KioskRoot) -> None:
        """Dock the on-screen keyboard under the navigation bar; it shows while a field is focused."""
        keyboard = OnScreenKeyboard()
        keyboard.layouts = list(self.ctx.config.ui.keyboard_layouts)
        keyboard.layout = letters_for(self.ctx.translator.lang, keyboard.layouts)
        dock = root.ids.keyboard_dock
        dock.add_widget(keyboard)

        def follow(kb: OnScreenKeyboard, target: object) -> None:
            dock.height = kb.height if target is not None else 0
            kb.opacity = 1 if target is not None else 0
            kb.disabled = target is None
            # Once the frame has laid out around the keyboard: the field in sight.
            Clock.schedule_once(lambda _dt: lift.settle(self.manager, kb.target), 0.1)

        keyboard.bind(target=follow, height=lambda kb, _h: follow(kb, kb.target))

        # The screens' area changes size a frame after the keyboard comes or goes, and a fade
        # ends later still: settle again after each.
        def settle_soon(*_args: Any) -> None:
            # Returns None: a handler returning a true value would stop the transition's own
            # on_complete (the fade's picture then stays on screen, black).
            Clock.schedule_once(lambda _dt: lift.settle(self.manager, keyboard.target), 0)

        self.manager.bind(size=settle_soon)
        self.manager.transition.bind(on_complete=settle_soon)
        follow(keyboard, None)
        self.keyboard = keyboard
        self._label_keyboard()

    def _label_keyboard(self) -> None:
        """The Done key in the visitor's language (the keypad otherwise took the letter layout's)."""
        self.keyboard.done_label = self.ctx.translator.gettext("Done")

    def watch_input(self, textinput: object, mode: str | None = None) -> None:
        """Screens call this for each text field: focusing it brings up the docked keyboard."""
        self.keyboard.watch(textinput, mode)

    # ----- navigation -----
    @property
    def current(self) -> KioskScreen:
        screen: KioskScreen = self.manager.current_screen
        return screen

    def screen(self, name: str) -> KioskScreen:
        """The screen called ``name``, built now if this is its first visit since start or the last release."""
        if not self.manager.has_screen(name):
            self.manager.add_widget(registry.SCREENS[name](name=name))
        screen: KioskScreen = self.manager.get_screen(name)
        return screen

    def release_screens(self) -> int:
        """Drop every built screen but home and the one shown, with their widgets and text textures.

        Called when a session ends: the next visitor's screens are built afresh on their visit
        (a screen is built in milliseconds), and a kiosk that ran for months holds no more than
        one that just started. Returns how many screens were dropped.
        """
        # The screen being left stays too: until the transition ends it is still the manager's
        # current_screen, and removing that would make the manager switch screens on its own.
        leaving = self.manager.current_screen
        keep = {HOME, self.manager.current, leaving.name if leaving is not None else HOME}
        keep.update(name for name, _params in self.history)  # the way back stays as it was
        dropped = [s for s in self.manager.screens if s.name not in keep]
        for screen in dropped:
            screen.reset()
            screen.release()
            self.manager.remove_widget(screen)
        if dropped:
            return_memory()
        return len(dropped)

    def go(self, name: str, remember: bool = True, **params: Any) -> None:
        if name not in registry.SCREENS:
            log.error("no screen named %r", name)
            name, params = "coming_soon", {"feature": name}
        if remember and self.manager.current:
            self.history.append((self.manager.current, dict(getattr(self.current, "params", {}))))
        # A screen shown is the visitor's doing (a tap, a scan, an answer to one): the idle clock
        # starts again. Without this, a screen built on its first visit (a few hundred ms on a busy
        # machine) let the periodic idle check run in between and wipe a session just resumed.
        self.ctx.idle.activity()
        screen = self.screen(name)
        screen.params = params
        self.manager.current = name
        self.keyboard.detach()
        screen.on_show(**params)
        self.frame.ids.navbar.visible = name not in (HOME, OUT_OF_SERVICE)
        log.info("screen %s", name)

    def back(self) -> None:
        if not self.history:
            self.home()
            return
        name, params = self.history.pop()
        self.go(name, remember=False, **params)

    def home(self) -> None:
        self.history.clear()
        self.go(OUT_OF_SERVICE if self.out_of_service else HOME, remember=False)
        # A journey's end: what its screens freed goes back to the system once home is drawn.
        Clock.schedule_once(lambda _dt: return_memory(), 0.5)

    # ----- language -----
    def set_language(self, lang: str) -> None:
        self.ctx.idle.activity()
        self.ctx.session.language = lang
        self.ctx.translator.set_language(lang)

    def _on_language(self, lang: str) -> None:
        for button in self.frame.ids.header.ids.languages.children:
            button.active = button.lang == lang
        self._show_center(self._center)  # the name in the new language now, from the last one read
        self._load_header()
        self._label_keyboard()
        # A Chinese or English visitor's letters start Latin (the walkthrough showed ЙЦУКЕН in zh-Hant).
        self.keyboard.layout = letters_for(lang, self.keyboard.layouts)
        self._tick(0)  # the header's date in the new language now, not at the next tick
        for screen in self.manager.screens:
            screen.resay()
            screen.on_language(lang)

    # ----- header -----
    def _load_header(self) -> None:
        self.tasks.submit(self.ctx.info.home_center, on_done=self._show_center)

    def _show_center(self, center: dict[str, Any] | None) -> None:
        self._center = center
        header = self.frame.ids.header
        if center is None:
            header.center_name = tr._("Service center")
        else:
            header.center_name = pick(center.get("name"), self.ctx.translator.lang)

    def _tick(self, _dt: float) -> None:
        now = self.ctx.clock.now()
        locale = babel_locale(self.ctx.translator.lang)
        if self.root_widget is not None:
            self.frame.ids.header.clock_text = (
                drawable(format_skeleton("MMMMEEEEd", now, locale=locale)) + "  ·  " + now.strftime("%H:%M")
            )
        self._watch_idle()

    # ----- technician mode -----
    def technician_gesture(self) -> None:
        if self.manager.current not in ("technician_login", "technician"):
            log.info("technician gesture")
            self.go("technician_login", remember=False)

    def restart(self) -> None:
        """Technician's "restart the app": stop the workers, then the process becomes a fresh copy."""
        self.tasks.shutdown()
        self.ctx.close()
        restart_process()

    # ----- idle and session -----
    def _on_any_touch(self, *_args: Any) -> bool:
        self.ctx.idle.activity()
        return False

    def _on_any_key(self, _window: Any, key: int, *_args: Any) -> bool:
        self.ctx.idle.activity()
        if key == 13 and getattr(self.ctx.scanner, "wants_window_keys", False):
            self.ctx.scanner.feed_enter()
        return False

    # ----- the barcode scanner -----
    def _on_scan(self, scan: Scan) -> None:
        """Any scan, on any screen, is someone checking in: it goes to the check-in screen."""
        self.ctx.idle.activity()
        if self.manager.current == "checkin":
            self.current.submit(scan.text)
        else:
            self.go("checkin", scanned=scan.text)

    def _on_scanner_error(self, error: ScannerError) -> None:
        log.error("scanner: %s", error.technician_message)

    def simulate_scan(self) -> bool:
        """Demo: the simulated scanner "reads" the confirmation printed last (or the next booking);
        False when there is nothing to read, so the screen can say so."""
        scanner = self.ctx.scanner
        token = self.ctx.appointments.demo_token()
        if isinstance(scanner, SimulatorScanner) and token:
            scanner.inject(token)
            return True
        return False

    def _watch_idle(self) -> None:
        session = self.ctx.session
        overlay = self.overlay
        if overlay is None:
            return
        if session.is_blank and self.manager.current in (HOME, OUT_OF_SERVICE):
            self.ctx.idle.activity()
        state = self.ctx.idle.state()
        if state.phase is IdlePhase.ACTIVE:
            overlay.hide()
        elif state.phase is IdlePhase.WARNING:
            overlay.show(state.seconds_left)
        else:
            overlay.hide()
            session.wipe("idle timeout")

    def _after_wipe(self, _reason: str) -> None:
        self.tasks.cancel_all()
        self.ctx.translator.set_language(self.ctx.session.default_language)
        self.keyboard.detach()
        for screen in self.manager.screens:
            screen.reset()
        self.ctx.idle.activity()
        self.home()
        self.release_screens()

    def on_start(self) -> None:
        self.ctx.sync.on_report = lambda report: _kivy_post(lambda: self._on_sync(report))
        self.ctx.sync.start()
        self.ctx.health.watch(self.ctx.sync.sync_now)  # a device change: heartbeat at once
        self._start_watchdog()
        # Central's commands run on the sync worker; what needs the window comes here.
        self.ctx.commands.screenshot = capture_from_worker
        self.ctx.commands.restart = lambda: _kivy_post(self.restart)
        self.ctx.scanner.start(
            on_scan=lambda scan: _kivy_post(lambda: self._on_scan(scan)),
            on_error=lambda err: _kivy_post(lambda: self._on_scanner_error(err)),
        )
        self.ctx.card_reader.start(lambda event: _kivy_post(lambda: self._on_card_event(event)))

    def _on_card_event(self, event: CardEvent) -> None:
        """A card pulled out (or its reader gone) ends the visitor's card session at once. (The reader has
        already dropped its card conversation on its own thread: the UI never waits on the reader's lock.)"""
        log.info("card reader: %s", type(event).__name__)
        if isinstance(event, CardRemoved | ReaderLost) and self.ctx.session.card is not None:
            self.ctx.session.wipe("card removed")
        elif isinstance(event, CardInserted):
            screen = getattr(self, "current", None)  # None before the first screen (or in a bare test app)
            if isinstance(screen, CardScreen):
                screen.card_inserted()  # "insert your card" is showing: read it now

    def _start_watchdog(self) -> None:
        """Under systemd: READY once the first frame is up, then pings from this (the UI) loop."""
        if not self.watchdog.supervised:
            return
        Clock.schedule_once(lambda _dt: self.watchdog.ready(), 0)
        if self.watchdog.interval_s > 0:
            Clock.schedule_interval(lambda _dt: self.watchdog.ping(), self.watchdog.interval_s)
            log.info("systemd watchdog: a ping every %.1f s", self.watchdog.interval_s)

    def _on_sync(self, report: SyncReport) -> None:
        self.frame.ids.header.offline = not report.online
        self._load_header()
        if self.manager.current == HOME:
            self.current.on_show()

    def on_stop(self) -> None:
        self.watchdog.stopping()
        self.ctx.sync.stop()
        self.ctx.scanner.stop()
        self.ctx.card_reader.stop()
        self.tasks.shutdown()
