"""Bodies of the staff appointments API (/api/v1/staff/appointments...), part of central/openapi.json."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from central.appointments.schemas import AppointmentStatus
from central.queue.schemas import Ticket
from central.schemas import I18nText, Out

StaffAction = Literal["check_in", "mark_missed", "cancel"]


class StaffAppointment(Out):
    id: str
    code: str
    service_id: str
    slot_start: datetime = Field(description="In the center's zone, with offset")
    slot_end: datetime
    name: str
    phone: str = Field(description="Masked: only the last four digits, e.g. +7 *** ***-67-89")
    status: AppointmentStatus
    ticket: str | None = Field(description="The number of the ticket issued at check-in, e.g. B012")
    cancelled_by: str | None = Field(
        description='"visitor", "staff:NAME" or "rescheduled:NEW-CODE" when cancelled'
    )
    actions: list[StaffAction] = Field(description="What staff may do now, by central's clock")


class StaffServiceDay(Out):
    service_id: str
    name: I18nText
    appointments: list[StaffAppointment]


class StaffCenterOption(Out):
    id: str
    name: I18nText


class StaffAppointmentDay(Out):
    """One center's bookings of one local date, per bookable service, in slot order."""

    center_id: str
    date: dt.date
    today: dt.date = Field(description="Today at the center (central's clock)")
    centers: list[StaffCenterOption] = Field(description="The centers this account may see")
    services: list[StaffServiceDay]


class StaffAppointmentEnvelope(Out):
    appointment: StaffAppointment


class StaffCheckIn(BaseModel):
    code: str = Field(min_length=1, max_length=16, description="The booking code the visitor shows")


class StaffCheckInResult(Out):
    appointment: StaffAppointment
    ticket: Ticket
