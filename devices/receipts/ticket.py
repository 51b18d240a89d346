"""The queue ticket: the visitor's data formatted in their language, then the ticket template filled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_skeleton, format_time, format_timedelta
from babel.numbers import format_decimal

from devices.receipts import template
from devices.receipts.model import Receipt
from service_common.i18n import babel_locale, is_next, shown_wait

# The same keys as central's TicketCreate.priority.
PRIORITIES = ("none", "disability", "pregnancy", "veteran", "appointment", "other")


@dataclass(frozen=True)
class TicketData:
    """What central (or the offline queue) decided; texts already in the visitor's language."""

    number: str
    service: str
    center_name: str
    issued_at: datetime  # timezone-aware, in the center's zone
    center_address: str = ""
    people_ahead: int | None = None  # None: unknown (issued offline)
    wait_minutes: int | None = None
    url: str = ""  # follow-the-queue link for the QR code; "" prints no code
    offline: bool = False
    priority: str = "none"


def issued_text(when: datetime, lang: str) -> str:
    """Date and time the way the visitor reads them: "1 дек. 2026 г. 10:05", "2026年12月1日 上午10:05"."""
    locale = babel_locale(lang)
    tz = when.tzinfo
    return f"{format_skeleton('yMMMd', when, tzinfo=tz, locale=locale)} {format_time(when, 'short', tzinfo=tz, locale=locale)}"


def wait_text(minutes: int, lang: str) -> str:
    """ "12 минут", "12 分鐘", "12 minutes": Babel knows each language's plural forms."""
    return format_timedelta(
        timedelta(minutes=max(0, minutes)), granularity="minute", threshold=10, locale=babel_locale(lang)
    )


def fields(data: TicketData, lang: str) -> dict[str, object]:
    locale = babel_locale(lang)
    wait = shown_wait(data.people_ahead, data.wait_minutes)
    return {
        "number": data.number,
        "service": data.service,
        "center_name": data.center_name,
        "center_address": data.center_address,
        "people_ahead": None
        if not data.people_ahead  # 0 prints "you are next" instead
        else format_decimal(data.people_ahead, locale=locale),
        "next": is_next(data.people_ahead),
        "wait": None if wait is None else wait_text(wait, lang),
        "issued": issued_text(data.issued_at, lang),
        "url": data.url or None,
        "offline": data.offline,
        "priority": data.priority if data.priority in PRIORITIES else "other",
    }


def ticket_receipt(data: TicketData, lang: str) -> Receipt:
    """The ticket as a document; its log label is only the ticket number."""
    return template.build(template.load("ticket"), lang, fields(data, lang), label=f"ticket {data.number}")
