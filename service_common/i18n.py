"""Interface languages: gettext catalogs for text, Babel for dates, numbers and money.

Language codes are BCP 47 tags everywhere (config, API, session): ``ru``, ``zh-Hant``, ``en``.
Msgids are English. Catalogs live in ``assets/locale/<dir>/LC_MESSAGES/kiosk.(po|mo)``;
the set-up compiles .mo files, and a missing or stale .mo falls back to reading the .po.
"""

from __future__ import annotations

import gettext
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal

from service_common.paths import ASSETS

log = logging.getLogger(__name__)

LOCALE_DIR = ASSETS / "locale"
DOMAIN = "kiosk"
SUPPORTED_LANGUAGES = ("ru", "zh-Hant", "en")

# gettext directory and Babel locale for each interface language.
_GETTEXT_DIR = {"ru": "ru", "zh-Hant": "zh_Hant", "en": "en"}
_BABEL_LOCALE = {"ru": "ru_RU", "zh-Hant": "zh_Hant_TW", "en": "en_GB"}
# How each language names itself on the language switch.
NATIVE_NAMES = {"ru": "Русский", "zh-Hant": "繁體中文", "en": "English"}
SHORT_NAMES = {"ru": "РУС", "zh-Hant": "繁中", "en": "ENG"}


# Spaces CLDR puts in dates and numbers that the interface font has no glyph for (drawn as a box):
# U+202F narrow no-break space ("1 дек. 2026 г.", Russian thousands), U+2009 thin space (ranges).
_SPACES = str.maketrans({"\u202f": "\u00a0", "\u2009": " "})


def drawable(text: str) -> str:
    """A Babel-formatted ``text`` with the spaces the kiosk's font lacks replaced by ones it has."""
    return text.translate(_SPACES)


class _DictTranslations(gettext.NullTranslations):
    """A catalog read from a .po file: plurals too, so a stale .mo never turns counts English."""

    def __init__(
        self,
        messages: Mapping[str, str],
        plurals: Mapping[str, tuple[str, ...]] | None = None,
        plural: Callable[[int], int] | None = None,
    ) -> None:
        super().__init__()
        self._messages = dict(messages)
        self._plurals = dict(plurals or {})
        self._plural = plural or (lambda n: int(n != 1))

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        forms = self._plurals.get(msgid1)
        if forms:
            index = self._plural(n)
            if 0 <= index < len(forms) and forms[index]:
                return forms[index]
        return msgid1 if n == 1 else msgid2


def _read_po(po: Path) -> gettext.NullTranslations:
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    messages = {
        m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and isinstance(m.string, str)
    }
    plurals = {
        m.id[0]: tuple(m.string)
        for m in catalog
        if isinstance(m.id, tuple | list) and isinstance(m.string, tuple | list)
    }
    rule: Callable[[int], int] = gettext.c2py(catalog.plural_expr)
    return _DictTranslations(messages, plurals, rule)


@lru_cache(maxsize=8)
def catalog(lang: str) -> gettext.NullTranslations:
    """The translations of one language; English msgids pass through untranslated."""
    folder = LOCALE_DIR / _GETTEXT_DIR.get(lang, lang) / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    try:
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fh:
                return gettext.GNUTranslations(fh)
        if po.exists():
            log.info("no compiled catalog for %s: reading %s", lang, po.name)
            return _read_po(po)
    except (OSError, ValueError) as exc:
        log.error("translation catalog for %s unreadable: %s", lang, exc)
    if lang != "en":
        log.warning("no translation catalog for %s", lang)
    return gettext.NullTranslations()


def babel_locale(lang: str) -> Locale:
    return Locale.parse(_BABEL_LOCALE.get(lang, "en_GB"))


def pick(text: Mapping[str, str] | str | None, lang: str, fallbacks: tuple[str, ...] = ("en", "ru")) -> str:
    """Choose one language from central's multilingual text objects."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for key in (lang, *fallbacks):
        value = text.get(key)
        if value:
            return value
    return next((v for v in text.values() if v), "")


class Translator:
    """The current interface language; observers are told when it changes (the UI re-renders)."""

    def __init__(self, lang: str = "en") -> None:
        self._lang = lang
        self._catalog = catalog(lang)
        self._observers: list[Callable[[str], None]] = []
        self._lock = threading.Lock()

    @property
    def lang(self) -> str:
        return self._lang

    def set_language(self, lang: str) -> None:
        if lang == self._lang:
            return
        with self._lock:
            self._lang = lang
            self._catalog = catalog(lang)
            observers = list(self._observers)
        for observer in observers:
            observer(lang)

    def observe(self, callback: Callable[[str], None]) -> None:
        self._observers.append(callback)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    # Babel formatting in the current language.
    def date(self, value: date, fmt: str = "long") -> str:
        return drawable(format_date(value, format=fmt, locale=babel_locale(self._lang)))

    def time(self, value: time | datetime, fmt: str = "short") -> str:
        return drawable(format_time(value, format=fmt, locale=babel_locale(self._lang)))

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        return drawable(format_datetime(value, format=fmt, locale=babel_locale(self._lang)))

    def number(self, value: float | Decimal | str, fmt: str | None = None) -> str:
        return drawable(format_decimal(Decimal(str(value)), format=fmt, locale=babel_locale(self._lang)))

    def money(self, value: float | Decimal | str, currency: str) -> str:
        return drawable(format_currency(Decimal(str(value)), currency, locale=babel_locale(self._lang)))

    def weekday(self, index: int, width: str = "wide") -> str:
        """Monday is 0, as in ``datetime.weekday()``."""
        names = babel_locale(self._lang).days["format"][width]
        return str(names[index])

    def pick(self, text: Mapping[str, str] | str | None) -> str:
        return pick(text, self._lang)


def shown_wait(people_ahead: int | None, wait_minutes: int | None) -> int | None:
    """The one rule for the kiosk's screen, the paper ticket and central's ticket page: a wait is
    told only when someone is ahead and it is at least a minute. The next in line reads "you are
    next", never "wait about 0 minutes"."""
    if not people_ahead or not wait_minutes or wait_minutes < 1:
        return None
    return wait_minutes


def is_next(people_ahead: int | None) -> bool:
    """Nobody ahead (known, not offline): the visitor is called next."""
    return people_ahead == 0


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return message
