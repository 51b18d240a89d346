"""Demo data for ``kiosk devices print-test``: what a technician prints to check a printer."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from devices.receipts import template
from devices.receipts.appeal import AppealData, appeal_receipt
from devices.receipts.appointment import AppointmentData, appointment_receipt
from devices.receipts.model import Receipt
from devices.receipts.statement import (
    BlockData,
    StatementData,
    StatementLine,
    block_receipt,
    statement_receipt,
)
from devices.receipts.ticket import TicketData, ticket_receipt
from service_common.i18n import pick
from service_common.redact import mask_phone

SAMPLE_KINDS = (*template.BUILT, *template.NOT_BUILT)

# One center in every language: used when the kiosk has not read its own center from central yet.
_CENTER = {
    "ru": ("Центр обслуживания «Северный»", "ул. Ленина, 15, Москва", "Платежи и переводы"),
    "zh-Hant": ("北區服務中心", "莫斯科市列寧街15號", "繳費與轉帳"),
    "en": ("North Service Center", "15 Lenin Street, Moscow", "Payments and transfers"),
}

Center = Mapping[str, Any]
"""A center as central lists it (``name`` and ``address`` per language), e.g. the kiosk's own."""


def _center(lang: str, center: Center | None) -> tuple[str, str, str]:
    """Name, address and a service: the configured center's own words when known."""
    name, address, service = _CENTER.get(lang, _CENTER["en"])
    if center is not None and center.get("name"):
        name, address = pick(center.get("name"), lang), pick(center.get("address"), lang)
    return name, address, service


def sample_ticket(lang: str, now: datetime, center: Center | None = None) -> TicketData:
    name, address, service = _center(lang, center)
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


_VISITOR = {
    "ru": ("Анна Иванова", "+7 912 345-67-89"),
    "zh-Hant": ("王小明", "+886 912 345 678"),
    "en": ("Anna Ivanova", "+44 20 7946 0958"),
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def demo_token(code: str, center_id: str, service_id: str, start: datetime, end: datetime) -> str:
    """A token shaped like central's (same payload keys, same length) whose "signature" verifies nowhere."""
    payload = {"c": code, "ce": center_id, "en": int(end.timestamp()), "k": "00demo00", "st": int(start.timestamp()),
               "sv": service_id}  # fmt: skip
    signed = "A1." + _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{signed}.{_b64(hashlib.sha512(signed.encode('ascii')).digest())}"


def sample_appointment(lang: str, now: datetime, center: Center | None = None) -> AppointmentData:
    """Tomorrow at 10:00 in ``now``'s zone: what a visitor takes home after booking."""
    center_name, address, service = _center(lang, center)
    center_id = str(center.get("id", "C01")) if center is not None else "C01"
    name, phone = _VISITOR.get(lang, _VISITOR["en"])
    start = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=20)
    code = "12345674"  # Luhn-valid
    return AppointmentData(
        code=code,
        token=demo_token(code, center_id, "payments", start, end),
        service=service,
        center_name=center_name,
        center_address=address,
        slot_start=start,
        slot_end=end,
        name=name,
        phone_masked=mask_phone(phone),
        manage_url=f"https://queue.example/a/{code}",
        issued_at=now,
    )


_SHOPS = ("Supermarket", "Pharmacy", "Cafe", "Fuel station", "Metro card top-up", "Cash withdrawal, ATM")


def sample_operations(count: int, end: datetime) -> tuple[StatementLine, ...]:
    """``count`` made-up operations ending at ``end``, a salary every 20th: the same every run."""
    out = []
    for i in range(count):
        at = end - timedelta(hours=11 * (count - i))
        if i % 20 == 0:
            out.append(StatementLine(at, "Salary", Decimal("52000.00"), f"{100000 + i:06d}"))
        else:
            amount = Decimal(150 + (i * 7919) % 4800) + Decimal(i % 100) / 100
            out.append(StatementLine(at, _SHOPS[i % len(_SHOPS)], -amount, f"{100000 + i:06d}"))
    return tuple(out)


def sample_statement(
    lang: str, now: datetime, center: Center | None = None, count: int = 12
) -> StatementData:
    """A demo statement of ``count`` operations on a demo card (masked, as every statement prints it)."""
    name, _address, _service = _center(lang, center)
    ops = sample_operations(count, now)
    opening = Decimal("84250.00")
    total_in = sum((o.amount for o in ops if o.amount > 0), Decimal("0.00"))
    total_out = -sum((o.amount for o in ops if o.amount < 0), Decimal("0.00"))
    start = (ops[0].at if ops else now).replace(hour=0, minute=0, second=0, microsecond=0)
    return StatementData(
        center_name=name,
        card_masked="411111******1111",
        account="40817810*******1111",
        currency="RUB",
        period_from=start,
        period_to=now,
        opening=opening,
        closing=opening + total_in - total_out,
        total_in=total_in,
        total_out=total_out,
        operations=ops,
        issued_at=now,
    )


def sample_appeal(lang: str, now: datetime, center: Center | None = None) -> AppealData:
    """A complaint filed now: 14 working days (RU calendar) to answer."""
    from service_common.appeals import RegistrationNumber, answer_deadline

    number = str(RegistrationNumber(7, now.date(), 12))
    return AppealData(
        number=number,
        kind="complaint",
        deadline=answer_deadline(now.date(), "complaint"),
        center_name=_center(lang, center)[0],
        status_url=f"https://queue.example/appeals/status?n={number}",
        issued_at=now,
    )


def sample_block(lang: str, now: datetime, center: Center | None = None) -> BlockData:
    name, _address, _service = _center(lang, center)
    return BlockData(name, "411111******1111", "BL5A3C9E01", now, Decimal("84250.00"), "RUB", now)


def sample(kind: str, lang: str, now: datetime, center: Center | None = None) -> Receipt:
    """A demo receipt, of ``center`` (the configured one) when given; ``NotBuiltError`` for kinds whose
    template does not exist yet."""
    if kind == "ticket":
        return ticket_receipt(sample_ticket(lang, now, center), lang)
    if kind == "appointment":
        return appointment_receipt(sample_appointment(lang, now, center), lang)
    if kind == "statement":
        return statement_receipt(sample_statement(lang, now, center), lang)
    if kind == "card_block":
        return block_receipt(sample_block(lang, now, center), lang)
    if kind == "appeal":
        return appeal_receipt(sample_appeal(lang, now, center), lang)
    template.load(kind)  # raises NotBuiltError for a receipt not built
    raise template.TemplateError(f"no demo data for {kind!r}")
