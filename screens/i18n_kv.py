"""Lets kv rules write ``text: tr._(<msgid>)`` and re-render when the language changes.

Kivy's kv compiler binds a rule to every attribute it reads; ``tr`` answers the binding
for ``_`` itself and calls those rules back when the kiosk's Translator switches language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.event import Observable

from service_common.i18n import Translator


class KvTranslator(Observable):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self._translator = Translator("en")
        # uid -> rule callback. The callbacks hold weak proxies of their widgets; the uid lets
        # Kivy unbind them when a widget dies (a released screen), so this never grows.
        self._observers: dict[int, tuple[Callable[..., Any], tuple[Any, ...]]] = {}
        self._next_uid = 1

    def attach(self, translator: Translator) -> None:
        self._translator = translator
        translator.observe(lambda _lang: self.refresh())
        self.refresh()

    @property
    def translator(self) -> Translator:
        return self._translator

    def _(self, text: str) -> str:
        return self._translator.gettext(text)

    def fbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> Any:
        if name == "_":
            uid = self._next_uid
            self._next_uid += 1
            self._observers[uid] = (func, largs)
            return uid
        return super().fbind(name, func, *largs, **kwargs)

    def funbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> Any:
        if name == "_":
            for uid, observer in list(self._observers.items()):
                if observer == (func, largs):
                    del self._observers[uid]
                    break
            return None
        return super().funbind(name, func, *largs, **kwargs)

    def unbind_uid(self, name: str, uid: int) -> Any:
        if name == "_":
            self._observers.pop(uid, None)
            return None
        return super().unbind_uid(name, uid)

    def refresh(self) -> None:
        for uid, (func, largs) in list(self._observers.items()):
            try:
                func(*largs, None, None)
            except ReferenceError:  # its widget is gone and was not unbound: forget it
                self._observers.pop(uid, None)

    def observer_count(self) -> int:
        """How many kv rules follow the language (the soak bench watches it stay flat)."""
        return len(self._observers)


tr = KvTranslator()
