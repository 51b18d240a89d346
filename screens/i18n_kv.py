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
        self._observers: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

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
            self._observers.append((func, largs, kwargs))
            return 0
        return super().fbind(name, func, *largs, **kwargs)

    def funbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> Any:
        if name == "_":
            key = (func, largs, kwargs)
            if key in self._observers:
                self._observers.remove(key)
            return None
        return super().funbind(name, func, *largs, **kwargs)

    def refresh(self) -> None:
        for func, largs, _kwargs in list(self._observers):
            func(*largs, None, None)


tr = KvTranslator()
