"""The card statement and the temporary-block confirmation: central's answer formatted in the visitor's language.

Only the masked card number ever reaches these receipts (and their log labels carry no card data at
all). A long statement is split into pages of :data:`PAGE_ROWS` operations, each headed "Page n of m",
so a visitor can tell a torn-off piece from a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from babel.dates import format_interval, format_skeleton
from babel.numbers import format_decimal

from devices.receipts import template
from devices.receipts.model import Receipt
from devices.receipts.ticket import issued_text
from service_common.i18n import babel_locale, drawable

PAGE_ROWS = 40


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    description: str
    amount: Decimal  # signed: negative is money out
    voucher: str


@dataclass(frozen=True)
class StatementData:
    center_name: str
    card_masked: str
    account: str
    currency: str
    period_from: datetime
    period_to: datetime  # excluded
    opening: Decimal
    closing: Decimal
    total_in: Decimal
    total_out: Decimal
    operations: tuple[StatementLine, ...]
    issued_at: datetime
    filters: str = ""  # already in the visitor's language; "" when none


@dataclass(frozen=True)
class BlockData:
    center_name: str
    card_masked: str
    reference: str
    blocked_at: datetime
    balance_before: Decimal
    currency: str
    issued_at: datetime


def money(amount: Decimal, currency: str, lang: str, *, signed: bool = False) -> str:
    """ "84 250,00 RUB" / "-1,234.50": digits grouped the visitor's way, never through a float."""
    pattern = "+#,##0.00;-#,##0.00" if signed else "#,##0.00"
    text = format_decimal(amount, format=pattern, locale=babel_locale(lang), decimal_quantization=True)
    return f"{text} {currency}" if currency else text


def period_text(start: datetime, end: datetime, lang: str) -> str:
    last = end - timedelta(seconds=1)
    tz = start.tzinfo
    if start.date() == last.astimezone(tz).date():
        return drawable(str(format_skeleton("yMd", start, tzinfo=tz, locale=babel_locale(lang))))
    # Babel puts thin spaces around the dash, which neither the screen's font nor a printer has.
    return drawable(str(format_interval(start, last, "yMd", tzinfo=tz, locale=babel_locale(lang))))


def _row(line: StatementLine, lang: str) -> tuple[str, str]:
    locale = babel_locale(lang)
    when = format_skeleton("MMdd", line.at, tzinfo=line.at.tzinfo, locale=locale)
    clock = format_skeleton("Hm", line.at, tzinfo=line.at.tzinfo, locale=locale)
    return f"{when} {clock} {line.description} #{line.voucher}", money(line.amount, "", lang, signed=True)


def statement_fields(data: StatementData, lang: str, tmpl: template.Template) -> dict[str, object]:
    words = tmpl.texts.get(lang, tmpl.texts["en"])
    rows: list[tuple[str, str] | str] = []
    pages = max(1, -(-len(data.operations) // PAGE_ROWS))
    for i, line in enumerate(data.operations):
        if pages > 1 and i % PAGE_ROWS == 0:
            rows.append(str(words["page"]).format(page=i // PAGE_ROWS + 1, pages=pages))
        rows.append(_row(line, lang))
    return {
        "center_name": data.center_name,
        "card": data.card_masked,
        "account": data.account,
        "period": period_text(data.period_from, data.period_to, lang),
        "filters": str(words["filtered"]).format(what=data.filters) if data.filters else None,
        "opening": money(data.opening, data.currency, lang),
        "closing": money(data.closing, data.currency, lang),
        "total_in": money(data.total_in, data.currency, lang),
        "total_out": money(data.total_out, data.currency, lang),
        "empty": not data.operations,
        "operations": rows,
        "issued": issued_text(data.issued_at, lang),
    }


def statement_receipt(data: StatementData, lang: str) -> Receipt:
    """The statement as a document; its label says how many operations, nothing about the card."""
    tmpl = template.load("statement")
    label = f"statement {len(data.operations)} operations"
    return template.build(tmpl, lang, statement_fields(data, lang, tmpl), label=label)


def block_receipt(data: BlockData, lang: str) -> Receipt:
    fields = {
        "center_name": data.center_name,
        "card": data.card_masked,
        "reference": data.reference,
        "blocked_at": issued_text(data.blocked_at, lang),
        "balance": money(data.balance_before, data.currency, lang),
        "issued": issued_text(data.issued_at, lang),
    }
    return template.build(template.load("card_block"), lang, fields, label=f"card block {data.reference}")
