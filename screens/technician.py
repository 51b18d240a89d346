"""Technician mode on the kiosk: entered by holding the top-left corner for 3 s, then a technician
PIN or a one-time code from central. The screens only show and forward: every action is a
``TechnicianMode`` call on a worker thread, audited there; the idle timer or Leave ends the mode.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import StringProperty
from kivy.uix.behaviors import FocusBehavior

from devices.printer import PrinterError
from screens.base import KioskScreen
from screens.pin_sign_in import PinSignInScreen
from service_common.i18n import N_

log = logging.getLogger(__name__)

CORNER_PX = 120
HOLD_S = 3.0


class CornerHold:
    """A long press in the window's top-left corner calls ``on_hold``; any other touch is left alone."""

    def __init__(
        self, on_hold: Callable[[], None], hold_s: float = HOLD_S, corner_px: int = CORNER_PX
    ) -> None:
        self.on_hold = on_hold
        self.hold_s = hold_s
        self.corner_px = corner_px
        self._pending: Any = None
        self._touch: Any = None

    def bind(self) -> None:
        Window.bind(on_touch_down=self.down, on_touch_move=self.move, on_touch_up=self.up)

    def _in_corner(self, touch: Any) -> bool:
        return bool(touch.x <= self.corner_px and touch.y >= Window.height - self.corner_px)

    def down(self, _window: Any, touch: Any) -> bool:
        if self._in_corner(touch):
            self.cancel()
            self._touch = touch
            self._pending = Clock.schedule_once(lambda _dt: self._fire(), self.hold_s)
        return False  # the corner stays usable for whatever lies under it

    def move(self, _window: Any, touch: Any) -> bool:
        if touch is self._touch and not self._in_corner(touch):
            self.cancel()
        return False

    def up(self, _window: Any, touch: Any) -> bool:
        if touch is self._touch:
            self.cancel()
        return False

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = None
        self._touch = None

    def _fire(self) -> None:
        touch, self._touch, self._pending = self._touch, None, None
        if touch is not None:
            # Lifting the finger must not take the focus from the PIN field that opens meanwhile.
            FocusBehavior.ignored_touch.append(touch)
        self.on_hold()


def restart_process() -> None:
    """Replace this process with a fresh copy of itself (same PID: systemd keeps supervising it)."""
    log.warning("technician: restarting the app")
    os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606  (our own interpreter and argv)


class TechnicianLoginScreen(PinSignInScreen):
    wrong = N_("Wrong PIN or code. Please try again.")

    def check(self, code: str) -> str | None:
        return self.ctx.technician.enter(code)

    def signed_in(self, result: str) -> None:
        self.app.go("technician", remember=False)

    def cancel(self) -> None:
        self.app.home()


class TechnicianScreen(KioskScreen):
    """Raw codes are shown as the devices give them: they are for the technician, not translated."""

    who = StringProperty("")
    message = StringProperty("")
    devices_text = StringProperty("")
    sync_text = StringProperty("")
    log_text = StringProperty("")

    def on_show(self, **params: Any) -> None:
        tech = self.ctx.technician
        if tech.who is None:  # never reachable without entering
            self.app.go("technician_login", remember=False)
            return
        self.who = tech.who
        self.say("message", "")
        self.refresh()

    # ----- reading -----
    def refresh(self) -> None:
        tech = self.ctx.technician
        self.run(tech.device_status, on_done=self._show_devices, on_error=self._failed)
        self.run(tech.sync_status, on_done=self._show_sync, on_error=self._failed)
        self.run(tech.log_tail, 12, on_done=self._show_log)

    def _show_devices(self, status: dict[str, Any]) -> None:
        p, s, c, paper = status["printer"], status["scanner"], status["card_reader"], status["paper"]
        reasons = ", ".join(p["reasons"]) or "ready"
        left = paper["tickets_left"]
        self.devices_text = "\n".join(
            (
                f"{self._('Printer')}: {p['state']} · {reasons}",
                f"    {p['raw'] or p['detail']}",
                f"{self._('Paper')}: ~{left if left is not None else '?'} · {paper['printed_mm'] / 1000:.1f} m",
                f"{self._('Scanner')}: {s['state']} {s['raw']}".rstrip(),
                f"{self._('Card reader')}: {c['raw']}",
            )
        )

    def _show_sync(self, sync: dict[str, Any]) -> None:
        counts = sync["counts"]
        link = {True: self._("reachable"), False: self._("not reachable"), None: "?"}[sync["link_up"]]
        lines = [
            f"{self._('Central')}: {link}",
            f"{self._('Outbox')}: {counts.get('pending', 0)} · {self._('refused')}: {counts.get('rejected', 0)}",
        ]
        lines += [
            f"    {r['kind']} {r['id'][:8]}: {(r.get('last_error') or '')[:60]}" for r in sync["refused"][:3]
        ]
        lines += [f"    {j['job']}: {j['last_success_at'] or '-'}" for j in sync["jobs"]]
        self.sync_text = "\n".join(lines)

    def _show_log(self, lines: list[str]) -> None:
        self.log_text = "\n".join(line[-90:] for line in lines[-12:])

    # ----- actions -----
    def _done(self, text: Callable[[], str]) -> Callable[[Any], None]:
        def show(_value: Any) -> None:
            self.say("message", text)
            self.refresh()

        return show

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, PrinterError):
            detail = exc.technician_message
            self.say("message", lambda: self._("Printer: {detail}").format(detail=detail))
        else:
            detail = f"{type(exc).__name__}: {exc}"
            self.say("message", lambda: self._("Failed: {detail}").format(detail=detail))

    def test_print(self, sample: str) -> None:
        lang = self.ctx.translator.lang
        center = self.ctx.info.home_center()
        self.say("message", lambda: self._("Printing…"))
        self.run(
            self.ctx.technician.test_print,
            sample,
            lang,
            center,
            on_done=self._done(lambda: self._("Test print done.")),
            on_error=self._failed,
        )

    def card_test(self) -> None:
        self.run(
            self.ctx.technician.card_test,
            on_done=self._done(lambda: self._("The card reader is not configured on this kiosk.")),
            on_error=self._failed,
        )

    def scanner_test(self) -> None:
        def show(result: dict[str, Any]) -> None:
            state, scans = result["state"], result["scans"]
            self.say(
                "message",
                lambda: self._("Scanner: {state}, codes read: {count}.").format(state=state, count=scans),
            )

        self.run(self.ctx.technician.scanner_test, on_done=show, on_error=self._failed)

    def sync_now(self) -> None:
        self.say("message", lambda: self._("Syncing…"))
        self.run(
            self.ctx.technician.sync_now,
            on_done=self._done(lambda: self._("Sync finished.")),
            on_error=self._failed,
        )

    def check_central(self) -> None:
        def show(result: Any) -> None:
            ms = result.millis
            if result.reachable:
                self.say("message", lambda: self._("Central answered in {ms} ms.").format(ms=ms))
            else:
                detail = result.detail
                self.say(
                    "message", lambda: self._("Central is not reachable: {detail}").format(detail=detail)
                )

        self.run(self.ctx.technician.central_reachability, on_done=show, on_error=self._failed)

    def roll_replaced(self) -> None:
        self.run(
            self.ctx.technician.roll_replaced,
            on_done=self._done(lambda: self._("Paper meter reset for the new roll.")),
            on_error=self._failed,
        )

    def restart(self) -> None:
        self.run(self.ctx.technician.restart_app, self._restart_soon, on_error=self._failed)

    def _restart_soon(self) -> None:
        # From the worker: the process is replaced once the UI thread has let go of the window.
        Clock.schedule_once(lambda _dt: self.app.restart(), 0)

    def leave(self) -> None:
        self.ctx.session.wipe("technician left")

    def on_leave(self, *_args: Any) -> None:
        # Home or Back from here ends the mode too: no way back in without the PIN.
        if self.ctx.technician.who is not None:
            self.run(self.ctx.technician.end, "left the screen")

    def reset(self) -> None:
        self.say("message", "")
        self.who = ""
        self.devices_text = self.sync_text = self.log_text = ""
