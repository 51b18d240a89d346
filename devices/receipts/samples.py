"""Demo data for ``kiosk devices print-test``: what a technician prints to check a printer."""

from __future__ import annotations

from datetime import datetime

from devices.receipts import template
from devices.receipts.model import Receipt
from devices.receipts.ticket import TicketData, ticket_receipt

SAMPLE_KINDS = (*template.BUILT, *template.NOT_BUILT)

_CENTER = {
    "ru": ("Центр обслуживания «Северный»", "ул. Ленина, 15, Москва", "Платежи и переводы"),
    "zh-Hant": ("北區服務中心", "臺北市中山區南京東路二段15號", "繳費與轉帳"),
    "en": ("North Service Center", "15 Lenin Street, Moscow", "Payments and transfers"),
}


def sample_ticket(lang: str, now: datetime) -> TicketData:
    name, address, service = _CENTER.get(lang, _CENTER["en"])
    return TicketData(
        number="A017",
        service=service,
        center_name=name,
        center_address=address,
        issued_at=now,
        people_ahead=3,
        wait_minutes=12,
        url="https://queue.example/t/C01/A017",
        priority="disability",
    )


def sample(kind: str, lang: str, now: datetime) -> Receipt:
    """A demo receipt; ``NotBuiltError`` for kinds whose template does not exist yet."""
    if kind != "ticket":
        template.load(kind)  # raises NotBuiltError for statement, appeal, appointment
        raise template.TemplateError(f"no demo data for {kind!r}")
    return ticket_receipt(sample_ticket(lang, now), lang)
