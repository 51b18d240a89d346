"""The appeal receipt: the registration number and the deadline the visitor holds, in their language.

Central stores the same number and deadline (the kiosk printed them first), so this paper is the
visitor's proof. It carries no name, phone or text: a lost receipt tells a stranger nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date

from devices.receipts import template
from devices.receipts.model import Receipt
from devices.receipts.ticket import issued_text
from service_common.i18n import babel_locale, drawable


@dataclass(frozen=True)
class AppealData:
    number: str
    kind: str  # question, application, complaint, feedback
    deadline: date | None  # None: feedback, no answer owed
    center_name: str = ""
    status_url: str = ""  # the public status page with ?n=NUMBER; "" prints no QR code
    issued_at: datetime | None = None


def fields(data: AppealData, lang: str) -> dict[str, object]:
    issued = data.issued_at or datetime.now().astimezone()
    deadline = (
        drawable(format_date(data.deadline, "long", locale=babel_locale(lang))) if data.deadline else None
    )
    return {
        "center_name": data.center_name or None,
        "kind": data.kind,
        "number": data.number,
        "deadline": deadline,
        "no_deadline": data.deadline is None,
        "status_url": data.status_url or None,
        "issued": issued_text(issued, lang),
    }


def appeal_receipt(data: AppealData, lang: str) -> Receipt:
    """The receipt as a document; its log label is the number (it names no person)."""
    return template.build(template.load("appeal"), lang, fields(data, lang), label=f"appeal {data.number}")
