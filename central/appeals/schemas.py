"""Bodies of the appeal endpoints (the contract in briefs/appeals-contract.md, see openapi.json).

Every free-text field a visitor typed is masked for card numbers on the way in (``FreeText``);
what the schema cannot state (no contact at all, an unknown center) is refused by the registry
with its own 422 code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from central.schemas import FreeText, I18nText, IsoDate, IsoDateTime, Out
from service_common.appeals import RegistrationNumber

Kind = Literal["question", "application", "complaint", "feedback"]
Source = Literal["kiosk", "letter", "staff"]
ReplyBy = Literal["sms", "email", "letter", "center"]
Status = Literal[
    "registered", "needs_info", "in_progress", "extended", "answered", "closed", "rejected", "overdue"
]
Satisfaction = Literal["satisfied", "not_satisfied", "no_answer"]


def _lang(value: object) -> object:
    """The kiosk's gettext catalogs say zh_Hant; the contract says zh-Hant: take either."""
    return "zh-Hant" if isinstance(value, str) and value.replace("_", "-").lower() == "zh-hant" else value


Lang = Annotated[Literal["ru", "zh-Hant", "en"], BeforeValidator(_lang)]


def _number(value: str) -> str:
    return str(RegistrationNumber.parse(value))


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


Number = Annotated[
    str,
    StringConstraints(pattern=r"^[Aa][0-9]{3,6}-[0-9]{6}-[0-9]{4,6}$"),
    AfterValidator(_number),
    Field(description="Registration number A<serial>-<YYMMDD>-<seq>, e.g. A001-261204-0001"),
]
Phone = Annotated[
    str,
    StringConstraints(pattern=r"^\+?[0-9][0-9 ()-]{4,30}$", strip_whitespace=True),
    Field(description="Digits, optionally +, spaces, dashes, parentheses; 5 to 31 characters"),
]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", max_length=254, strip_whitespace=True),
]
Last4 = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]


def _text(limit: int) -> Any:
    return Annotated[
        FreeText, StringConstraints(min_length=1, max_length=limit, pattern=r"\S"), AfterValidator(_not_blank)
    ]


class AppealIn(Out):
    """An appeal as the kiosk filed it; ``id`` is the kiosk's idempotency key."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """NUL is never typed, and PostgreSQL text cannot hold it: dropped from every string."""
        if isinstance(data, dict):
            return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in data.items()}
        return data

    id: UUID
    number: Number
    kind: Kind
    source: Source = "kiosk"
    filed_at: IsoDateTime
    lang: Lang
    name: _text(200)  # type: ignore[valid-type]
    phone: Phone | None = None
    email: Email | None = None
    reply_by: ReplyBy
    topic: Annotated[str, StringConstraints(max_length=64, strip_whitespace=True)] | None = None
    text: _text(10000)  # type: ignore[valid-type]
    concerns: Annotated[FreeText, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Complaint: the department or person concerned"
    )
    happened_on: IsoDate | None = Field(default=None, description="Complaint: when it happened")
    kb_query: Annotated[FreeText, StringConstraints(max_length=500)] | None = None
    deadline: IsoDate | None = Field(
        default=None,
        description="The deadline printed on the receipt; null for feedback (or: central counts it)",
    )
    center_id: Annotated[str, StringConstraints(max_length=16)]


class AppealReceipt(Out):
    number: str
    status: Status
    deadline: IsoDate | None


class AppealBatchIn(Out):
    appeals: list[dict[str, Any]] = Field(
        max_length=200,
        description="Up to 200 bodies of POST /appeals; each is checked on its own (an invalid one is "
        "refused with error `invalid_request`, the others are stored)",
    )


class AppealBatchResult(Out):
    id: str | None
    number: str | None
    outcome: Literal["stored", "duplicate", "refused"]
    error: str | None = Field(
        description="Why refused: invalid_request, no_contact, unknown_center, number_taken; null otherwise"
    )


class AppealBatchOut(Out):
    results: list[AppealBatchResult]


class HistoryEntry(Out):
    status: Status
    at: datetime
    note: I18nText | str | None


class AnswerOut(Out):
    text: str
    by_name: str
    by_contact: str
    at: datetime


class AppealStatusOut(Out):
    number: str
    kind: Kind
    status: Status
    filed_at: datetime
    deadline: IsoDate | None = Field(description="The current deadline: the printed one, or a later one")
    history: list[HistoryEntry]
    info_request: str | None
    answer: AnswerOut | None
    satisfaction: Satisfaction | None
    can_rate: bool


class SatisfactionIn(Out):
    id: UUID
    phone_last4: Last4 | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    answer: Satisfaction
