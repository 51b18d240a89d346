"""Response bodies of the HTTP API: the contract the kiosks code against (see openapi.json).

Every field is always present (nullable ones as ``null``), every timestamp is ISO 8601 in
UTC with a ``Z``, money and rates are decimal strings so no float rounding creeps in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from service_common.redact import mask_card_numbers

HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Decimal = Annotated[str, StringConstraints(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
FreeText = Annotated[str, AfterValidator(mask_card_numbers)]
"""Text a person typed (a name, a reason): a card number in it is kept as first 6 + last 4 digits."""

_YEAR = "2[0-9]{3}"
"""Years 2000-2999 only: a kiosk never means another, and year 1 or 9999 would overflow the
conversions between a center's zone and UTC (schemathesis found the 500s)."""
_ISO_DATE = re.compile(_YEAR + r"-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    _YEAR + r"-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _written_as(pattern: re.Pattern[str], example: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, date):  # built in code (datetime is a date too), not parsed from a request
            return value
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"expected a string like {example}, in the years 2000-2999")
        return value

    return check


# Pydantic alone would also read 0 or "0" as a Unix time (1970-01-01), which the contract's
# "format: date" / "format: date-time" does not allow: the input must be written as the schema says,
# and the schema says which years (a pattern beside the format).
IsoDate = Annotated[
    date,
    BeforeValidator(_written_as(_ISO_DATE, "2026-11-24")),
    WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{_YEAR}-"}),
]
"""A date parameter or field as the contract writes it: YYYY-MM-DD, years 2000-2999."""
IsoDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_written_as(_ISO_DATETIME, "2026-11-24T09:00:00+03:00")),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": f"^{_YEAR}-"}),
]
"""An instant as the contract writes it (RFC 3339, with seconds and an offset or Z), years 2000-2999."""


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class I18nText(Out):
    """One text in every product language; the keys are exactly ``ru``, ``zh-Hant``, ``en``."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True)

    ru: str
    zh_hant: str = Field(alias="zh-Hant")
    en: str


class ErrorBody(Out):
    """The body of every error response."""

    error: str = Field(description="Stable machine code: unauthorized, not_found, invalid_request, ...")
    message: str = Field(description="Human-readable detail in English, for logs, not for visitors")


class Health(Out):
    status: Literal["ok", "error"]
    version: str
    db: Literal["ok", "error"]
    time: datetime = Field(description="The central's clock, UTC; kiosks may compare it with their own")


class KioskMe(Out):
    kiosk_id: str
    center_id: str
    serial: int = Field(
        description="Short number central gave this kiosk at enrolment: the <serial> of its appeals' "
        "registration numbers A<serial>-<YYMMDD>-<seq> (0 is central itself)"
    )
    appeal_status_url: str = Field(
        description="Public appeal status page; the receipt's QR code is this URL with ?n=<number>"
    )


class OpeningHours(Out):
    """Hours of one open weekday; a weekday missing from the list is a closed day."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    opens: HHMM
    closes: HHMM
    break_start: HHMM | None
    break_end: HHMM | None


class Service(Out):
    id: str
    prefix: str = Field(min_length=1, max_length=1, description="Letter that starts ticket numbers (A001)")
    name: I18nText
    description: I18nText
    bookable: bool = Field(default=False, description="Takes appointments (has a booking schedule)")


class Center(Out):
    id: str
    name: I18nText
    address: I18nText
    timezone: str = Field(description="IANA zone of the center; opening hours are local to it")
    phone: str
    lat: float | None
    lon: float | None
    hours: list[OpeningHours]
    services: list[Service] = Field(description="Active queue services, in display order")
    holiday_country: str | None = Field(
        default="RU",
        description="Public-holiday calendar (ISO country, `holidays` package) the center's appeal "
        "deadlines are counted in; null: weekends only",
    )
    holiday_subdiv: str | None = Field(default=None, description="Subdivision of that calendar, or null")


class Centers(Out):
    centers: list[Center]


class Announcement(Out):
    id: str
    center_id: str | None = Field(description="null: shown at every center")
    title: I18nText
    body: I18nText
    published_at: datetime
    expires_at: datetime | None


class Announcements(Out):
    announcements: list[Announcement] = Field(description="Newest first")


class InterestRate(Out):
    product: I18nText
    kind: Literal["deposit", "loan"]
    term_months: int
    rate_percent: Decimal = Field(description='Annual rate in percent as a decimal string, e.g. "16.50"')
    currency: Currency


class ExchangeRate(Out):
    currency: Currency
    buy: Decimal = Field(description="Rubles the bank pays for one unit")
    sell: Decimal = Field(description="Rubles the bank asks for one unit")
    as_of: datetime


class Rates(Out):
    interest: list[InterestRate]
    exchange: list[ExchangeRate]
