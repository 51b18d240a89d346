"""Bodies of the staff appeal calls (/api/v1/staff/appeals), used by the /staff/appeals page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from central.appeals.schemas import Kind, ReplyBy, Source, Status
from central.schemas import I18nText, IsoDate, Out

Reason = Annotated[
    str, StringConstraints(pattern=r"^(abusive|unreadable|commercial_secret|repeat|not_competent)$")
]


class StaffAppealItem(Out):
    number: str
    kind: Kind
    status: Status
    topic: str | None
    center_id: str
    name: str
    filed_at: datetime
    due_on: date | None
    department_id: str | None
    handler: str | None


class StaffAppealList(Out):
    appeals: list[StaffAppealItem]
    overdue: int = Field(description="Overdue appeals in the whole registry, whatever the filter")


class StaffEvent(Out):
    at: datetime
    action: str
    status: Status
    by: str
    note: I18nText | str | None
    data: dict[str, Any] | None


class StaffAnswer(Out):
    text: str
    by_username: str
    by_name: str
    by_contact: str
    at: datetime


class Department(Out):
    id: str
    name: I18nText
    contact: str


class Handler(Out):
    username: str
    department_id: str
    name: str


class StaffAppeal(Out):
    """One appeal as staff see it: the visitor's words as filed, and everything done since."""

    id: str
    number: str
    kind: Kind
    source: Source
    status: Status
    center_id: str
    kiosk_id: str | None
    filed_at: datetime
    lang: str
    name: str
    phone: str | None
    email: str | None
    reply_by: ReplyBy
    topic: str | None
    text: str
    concerns: str | None
    happened_on: date | None
    kb_query: str | None
    deadline: date | None = Field(description="As printed on the visitor's receipt")
    due_on: date | None = Field(description="The working deadline now (paused, extended)")
    department_id: str | None
    handler: str | None
    info_request: str | None
    reject_reason: str | None
    satisfaction: str | None
    events: list[StaffEvent]
    answers: list[StaffAnswer]
    repeat_of: list[str] = Field(
        description="Earlier answered appeals this one repeats: a proposal to reject"
    )
    departments: list[Department]
    handlers: list[Handler]


class RouteBody(Out):
    department_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    handler: Annotated[str, StringConstraints(max_length=64)] | None = None


class AskBody(Out):
    request: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class InfoBody(Out):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ExtendBody(Out):
    new_date: IsoDate
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class AnswerBody(Out):
    text: Annotated[str, StringConstraints(min_length=1, max_length=10000)]


class RejectBody(Out):
    reason: Reason
    reply: Annotated[str, StringConstraints(max_length=2000)] | None = None
