"""Request and response bodies of the appointments API (part of the contract, central/openapi.json).

Slot times are in the center's zone with their offset (what a visitor reads on the screen);
other timestamps are UTC with a ``Z``, like the rest of the API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from central.queue.schemas import Language, Ticket
from central.schemas import Out

AppointmentStatus = Literal["held", "confirmed", "cancelled", "checked_in", "missed"]
RequestId = Field(min_length=1, max_length=64, description="Kiosk-made UUID; the idempotency key")
Last4 = Field(pattern=r"^[0-9]{4}$", description="The last four digits of the phone given at booking")


class DayList(Out):
    service_id: str
    days: list[date] = Field(description="Local dates with at least one free slot")


class FreeSlot(Out):
    start: datetime = Field(description="Slot start in the center's zone, with offset; the key to book it")
    end: datetime
    free: int = Field(description="Places left in this slot")


class SlotList(Out):
    service_id: str
    date: date
    slots: list[FreeSlot]


class HoldCreate(BaseModel):
    request_id: str = RequestId
    service_id: str = Field(min_length=1, max_length=32)
    slot_start: AwareDatetime = Field(description="A slot's start as listed (any offset)")


class Hold(Out):
    id: str
    expires_at: datetime


class HoldEnvelope(Out):
    hold: Hold


class HoldConfirm(BaseModel):
    request_id: str = RequestId
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(
        min_length=5, max_length=32, description="Any common format; +7/8 prefixes are normalised"
    )
    language: Language = "ru"


class Appointment(Out):
    id: str
    code: str = Field(description="What the visitor keeps: digits ending in a check digit")
    center_id: str
    service_id: str
    slot_start: datetime
    slot_end: datetime
    status: AppointmentStatus


class AppointmentEnvelope(Out):
    appointment: Appointment


class AppointmentCancel(BaseModel):
    phone_last4: str = Last4


class AppointmentReschedule(BaseModel):
    phone_last4: str = Last4
    request_id: str = RequestId
    slot_start: AwareDatetime


class CheckInRequest(BaseModel):
    request_id: str = RequestId


class CheckInResult(Out):
    appointment: Appointment
    ticket: Ticket


class BookingError(Out):
    """The error body of the appointment calls: the usual two fields and, where it helps, a time."""

    error: str = Field(description="slot_full, too_soon, holiday, person_limit, cooldown, too_early, ...")
    message: str
    until: datetime | None = Field(default=None, description="cooldown: when booking is possible again")
    opens_at: datetime | None = Field(default=None, description="too_early: when check-in opens")
