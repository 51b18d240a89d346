"""The appointment confirmation: the booking formatted in the visitor's language, then its template filled.

It is the visitor's proof of the booking: the QR code of the signed token checks them in at the kiosk, the
code (with the phone's last digits) cancels or moves the booking. So the receipt prints the name and a
masked phone for the visitor, but its log label carries neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babel.dates import format_date, format_interval, format_skeleton

from devices.receipts import template
from devices.receipts.model import Receipt
from devices.receipts.ticket import issued_text
from service_common.i18n import babel_locale


@dataclass(frozen=True)
class AppointmentData:
    """What central confirmed; texts already in the visitor's language, times in the center's zone."""

    code: str  # 8 digits, the last a Luhn check digit
    token: str  # signed token for the QR code ("A1.<b64url>.<b64url>")
    service: str
    center_name: str
    center_address: str
    slot_start: datetime
    slot_end: datetime
    name: str  # as the visitor typed it: it is their own receipt
    phone_masked: str  # service_common.redact.mask_phone: never the full number
    manage_url: str = ""  # central's /a/<code> page; "" prints no link
    checkin_early_min: int = 15
    checkin_late_min: int = 10
    issued_at: datetime | None = None  # when printed (the kiosk's clock); None: now, in the slot's zone


def code_text(code: str) -> str:
    """ "1234 5678": two groups of four are read and typed back without losing the place."""
    code = code.strip()
    return f"{code[:4]} {code[4:]}" if len(code) == 8 and code.isdigit() else code


def date_text(when: datetime, lang: str) -> str:
    """The weekday over the date ("Среда" / "2 декабря 2026 г."): each line stays whole on 58 mm paper.

    One line ("среда, 2 декабря 2026 г.") would be wrapped by the paper between "2" and "декабря".
    """
    locale = babel_locale(lang)
    weekday = format_date(when, "cccc", locale=locale)
    return f"{weekday[:1].upper()}{weekday[1:]}\n{format_date(when, 'long', locale=locale)}"


def time_range_text(start: datetime, end: datetime, lang: str) -> str:
    """ "10:00–10:20" in 24-hour time, the way each locale joins a range."""
    return str(format_interval(start, end, "Hm", tzinfo=start.tzinfo, locale=babel_locale(lang)))


def checkin_window(data: AppointmentData) -> tuple[datetime, datetime]:
    """When check-in opens and closes, in real minutes (as central judges it), shown in the slot's zone."""
    start = data.slot_start.astimezone(UTC)
    tz = data.slot_start.tzinfo
    opens = start - timedelta(minutes=data.checkin_early_min)
    closes = start + timedelta(minutes=data.checkin_late_min)
    return opens.astimezone(tz), closes.astimezone(tz)


def fields(data: AppointmentData, lang: str) -> dict[str, object]:
    if data.slot_start.tzinfo is None or data.slot_end.tzinfo is None:
        raise template.TemplateError("appointment times must be timezone-aware (the center's zone)")
    locale = babel_locale(lang)
    opens, closes = checkin_window(data)
    issued = data.issued_at or datetime.now(data.slot_start.tzinfo)
    return {
        "center_name": data.center_name,
        "center_address": data.center_address,
        "service": data.service,
        "date": date_text(data.slot_start, lang),
        "time": time_range_text(data.slot_start, data.slot_end, lang),
        "code": code_text(data.code),
        "token": data.token or None,
        "checkin_from": format_skeleton("Hm", opens, tzinfo=opens.tzinfo, locale=locale),
        "checkin_to": format_skeleton("Hm", closes, tzinfo=closes.tzinfo, locale=locale),
        "manage_url": data.manage_url or None,
        "name": data.name.strip() or None,
        "phone": data.phone_masked.strip() or None,
        "issued": issued_text(issued, lang),
    }


def appointment_receipt(data: AppointmentData, lang: str) -> Receipt:
    """The confirmation as a document; its log label is the slot time only (no code, name or phone)."""
    start = data.slot_start
    label = f"appointment {start:%Y-%m-%d %H:%M}"
    return template.build(template.load("appointment"), lang, fields(data, lang), label=label)
