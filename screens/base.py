"""What every screen controller shares: access to the kiosk's services and background work."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.tasks import Task

if TYPE_CHECKING:
    from kiosk.context import KioskContext
    from screens.app import KioskApp

T = TypeVar("T")


class KioskScreen(Screen):  # type: ignore[misc]
    """A thin view. Subclasses override ``on_show`` (entering with params) and ``reset`` (session wipe)."""

    @property
    def app(self) -> KioskApp:
        return App.get_running_app()  # type: ignore[no-any-return]

    @property
    def ctx(self) -> KioskContext:
        return self.app.ctx

    def _(self, text: str) -> str:
        return self.ctx.translator.gettext(text)

    def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task[T]:
        """Run blocking work off the UI thread; callbacks come back on it, and are dropped if
        the visitor's session is wiped meanwhile."""
        return self.app.tasks.submit(fn, *args, on_done=on_done, on_error=on_error)

    def use_keyboard(self, fields: dict[str, str | None], on_done: Callable[[Any, Any], None]) -> None:
        """Once per screen: the docked keyboard for these fields (id → mode), and its done key.

        Screens are built once and shown many times, so binding on every show would stack handlers.
        """
        if self.__dict__.get("_keyboard_fields"):
            return
        for field_id, mode in fields.items():
            self.app.watch_input(self.ids[field_id], mode)

        def done(keyboard: Any, target: Any) -> None:
            # ``ids`` holds weak proxies and the keyboard the field itself: hand the screen its
            # own proxy, so ``target is self.ids.name`` holds (it never did: Done only closed).
            ref = getattr(target, "proxy_ref", target)
            if target is not None and any(self.ids[field_id] is ref for field_id in fields):
                on_done(keyboard, ref)

        self.app.keyboard.bind(on_done=done)
        self.__dict__["_keyboard_fields"] = fields
        self.__dict__["_keyboard_done"] = on_done

    def release(self) -> None:
        """Undo what ties this screen to the app's keyboard, so a released screen is freed."""
        fields = self.__dict__.pop("_keyboard_fields", None) or {}
        for field_id in fields:
            self.app.keyboard.unwatch(self.ids[field_id])
        on_done = self.__dict__.pop("_keyboard_done", None)
        if on_done is not None:
            self.app.keyboard.unbind(on_done=on_done)

    def say(self, prop: str, text: str | Callable[[], str]) -> None:
        """Set a text property that follows the language: ``text`` is made again after a switch.

        Messages built in Python (a refusal, a notice) would otherwise stay in the language
        they were first shown in.
        """
        said: dict[str, str | Callable[[], str]] = self.__dict__.setdefault("_said", {})
        said[prop] = text
        setattr(self, prop, text() if callable(text) else text)

    def resay(self) -> None:
        """Called by the app on a language switch, before ``on_language``."""
        for prop, text in dict(self.__dict__.get("_said", {})).items():
            if callable(text):
                setattr(self, prop, text())

    def on_show(self, **params: Any) -> None:
        """Called each time the screen is navigated to."""

    def on_language(self, lang: str) -> None:
        """Re-render text built in Python (kv text follows ``tr`` by itself)."""

    def reset(self) -> None:
        """Forget everything the visitor entered: called when the session is wiped."""
