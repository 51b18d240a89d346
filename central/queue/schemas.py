"""Request and response bodies of the queue API (part of the OpenAPI contract, central/openapi.json).

Same conventions as :mod:`central.schemas`: every response field is always present (nullable
ones as ``null``) and timestamps are UTC with a ``Z``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from central.queue.engine import Priority, Status
from central.schemas import FreeText, I18nText, IsoDateTime, Out

Language = Literal["ru", "zh-Hant", "en"]


# ----- kiosk side -----


class TicketCreate(BaseModel):
    request_id: str = Field(
        min_length=1, max_length=64, description="Kiosk-made UUID; the idempotency key of this ticket"
    )
    service_id: str = Field(min_length=1, max_length=32)
    priority: Priority = "none"
    issued_by: str = Field(
        default="kiosk", min_length=1, max_length=64, description='"kiosk" or "staff:NAME"'
    )
    language: Language = "ru"
    lease_id: str | None = Field(
        default=None, max_length=32, description="Lease the offline number came from"
    )
    number: int | None = Field(
        default=None, ge=1, le=99999, description="Set only for a ticket issued offline from a lease"
    )
    issued_at: IsoDateTime | None = Field(
        default=None,
        description="Kiosk time of an offline ticket (its place in line); ignored for online tickets",
    )
    status: Literal["waiting", "void"] = Field(
        default="waiting", description="void: an offline ticket whose printing failed"
    )


class Ticket(Out):
    id: str
    request_id: str
    center_id: str
    service_id: str = Field(description="The service whose line the ticket is in (changes on a transfer)")
    prefix: str
    number: int
    display: str = Field(description="Prefix and at least three digits, e.g. A017")
    priority: Priority
    status: Status
    business_date: date = Field(description="The center's local day the number belongs to")
    issued_at: datetime
    called_at: datetime | None
    counter: str | None = Field(description='Name of the counter that called the ticket, e.g. "2"')
    people_ahead: int = Field(description="Waiting tickets that will be called before this one")
    estimated_wait_min: int
    language: Language
    issued_by: str
    lease_id: str | None
    status_url: str = Field(description="Public page with the live place: {public_url}/t/{id}?s={signature}")


class TicketEnvelope(Out):
    ticket: Ticket


class TicketVoid(BaseModel):
    reason: FreeText = Field(min_length=1, max_length=200)


class LeaseCreate(BaseModel):
    request_id: str = Field(min_length=1, max_length=64, description="Idempotency key of this lease")
    service_id: str = Field(min_length=1, max_length=32)
    size: int = Field(ge=1, le=200)


class Lease(Out):
    id: str
    service_id: str
    prefix: str
    business_date: date
    first: int
    last: int
    expires_at: datetime = Field(description="The center's next local midnight")


class LeaseEnvelope(Out):
    lease: Lease


class QueueService(Out):
    service_id: str
    prefix: str
    name: I18nText
    waiting: int
    estimated_wait_min: int = Field(description="For a ticket taken now")
    open_counters: int
    daily_volume: int = Field(
        description="Tickets a business day over the last 7 days that had any (else the configured default): "
        "what a kiosk sizes its offline lease by"
    )


class RecentCall(Out):
    display: str
    counter: str
    called_at: datetime


class Queue(Out):
    center_id: str
    business_date: date
    services: list[QueueService]
    recent_calls: list[RecentCall] = Field(description="Newest first")


# ----- the hall board (public) -----


class BoardCall(Out):
    call_id: str = Field(description="Changes on every call and recall: the board marks unseen ones as new")
    display: str
    counter: str
    called_at: datetime
    status: Status


class Board(Out):
    center_id: str
    name: I18nText
    timezone: str = Field(description="The center's IANA zone, for the board's clock")
    time: datetime = Field(description="The central's clock")
    business_date: date
    waiting: int
    calls: list[BoardCall] = Field(description="Newest first")


# ----- staff at the counters -----


class StaffLogin(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class StaffMe(Out):
    username: str
    role: Literal["agent", "supervisor", "maintainer", "reviewer", "admin", "technician"]
    center_id: str | None = Field(description="null: may work at every center")
    must_change_password: bool
    counter_id: str | None = Field(description="The counter this session has open")


class StaffMeEnvelope(Out):
    staff: StaffMe


class ServiceRef(Out):
    id: str
    center_id: str
    prefix: str
    name: I18nText


class CenterRef(Out):
    id: str
    name: I18nText


class Counter(Out):
    id: str
    center_id: str
    name: str
    services: list[str] = Field(description="Services this counter may serve")
    open: bool
    opened_by: str | None
    serving: list[str] = Field(description="Services chosen when it was opened (empty when closed)")


class CounterList(Out):
    centers: list[CenterRef]
    services: list[ServiceRef]
    counters: list[Counter]


class CounterOpen(BaseModel):
    services: list[str] = Field(min_length=1, max_length=26)


class CounterTransfer(BaseModel):
    service_id: str = Field(min_length=1, max_length=32)


class CounterUnpark(BaseModel):
    ticket_id: str = Field(min_length=1, max_length=32)


class CounterState(Out):
    counter: Counter
    current: Ticket | None = Field(description="The ticket called or being served here")
    parked: list[Ticket] = Field(description="Tickets parked at this counter, oldest first")
    queue: Queue
    result: str = Field(description='What the action did: "called", "empty" (nobody waiting), "ok"')
