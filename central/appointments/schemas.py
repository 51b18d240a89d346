"""Request and response bodies of the appointments API (part of the contract, central/openapi.json).

Slot times are in the center's zone with their offset (what a visitor reads on the screen);
other timestamps are UTC with a ``Z``, like the rest of the API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from central.queue.schemas import Language, Ticket
from central.schemas import FreeText, IsoDateTime, Out

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
    slot_start: IsoDateTime = Field(description="A slot's start as listed (any offset)")


class Hold(Out):
    id: str
    expires_at: datetime


class HoldEnvelope(Out):
    hold: Hold


class HoldConfirm(BaseModel):
    request_id: str = RequestId
    name: FreeText = Field(min_length=1, max_length=200)
    phone: str = Field(
        min_length=5, max_length=32, description="Any common format; +7/8 prefixes are normalised"
    )
    language: Language = "ru"
    email: str | None = Field(
        default=None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="Optional: the reminder also goes by e-mail, with a calendar (.ics) attachment",
    )


class Appointment(Out):
    id: str
    code: str = Field(description="What the visitor keeps: digits ending in a check digit")
    center_id: str
    service_id: str
    slot_start: datetime
    slot_end: datetime
    status: AppointmentStatus
    token: str | None = Field(
        default=None,
        description="Signed booking for offline check-in (confirmed and checked_in only): "
        "A1.<payload>.<Ed25519 signature>, keys from GET /appointments/verification",
    )


class AppointmentEnvelope(Out):
    appointment: Appointment


class AppointmentCancel(BaseModel):
    phone_last4: str = Last4


class AppointmentReschedule(BaseModel):
    phone_last4: str = Last4
    request_id: str = RequestId
    slot_start: IsoDateTime


class CheckInRequest(BaseModel):
    request_id: str = RequestId
    ticket_request_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Offline check-in: the request_id of the appointment ticket the kiosk issued from its "
        "lease and sent to POST /tickets first (409 ticket_not_synced until it has arrived)",
    )
    checked_in_at: IsoDateTime | None = Field(
        default=None,
        description="When the visitor checked in at the kiosk (default: the offline ticket's issued_at, "
        "else now); the window is judged at this instant; at most 2 minutes ahead of central",
    )


class CheckInResult(Out):
    appointment: Appointment
    ticket: Ticket


class BookingError(Out):
    """The error body of the appointment calls: the usual two fields and, where it helps, a time."""

    error: str = Field(description="slot_full, too_soon, holiday, person_limit, cooldown, too_early, ...")
    message: str
    until: datetime | None = Field(default=None, description="cooldown: when booking is possible again")
    opens_at: datetime | None = Field(default=None, description="too_early: when check-in opens")
    service_id: str | None = Field(
        default=None,
        description="too_late: the booked service, so the kiosk can offer a walk-in ticket for it",
    )


class VerificationKey(Out):
    id: str = Field(description="Key id: the first 8 hex digits of the SHA-256 of the raw public key")
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="The raw 32-byte public key, base64url without padding")


class Verification(Out):
    """What a kiosk needs to check a booking in offline: the keys and the check-in window."""

    keys: list[VerificationKey]
    checkin_early_min: float = Field(description="Check-in opens this many minutes before the slot")
    checkin_late_min: float = Field(description="and closes this many minutes after its start")
    manage_url: str = Field(
        default="",
        description="Where visitors cancel or move a booking: append the code (printed on confirmations)",
    )


class UpcomingAppointment(Out):
    code: str
    token: str
    status: Literal["confirmed", "checked_in"]


class UpcomingList(Out):
    """Bookings at the kiosk's center whose check-in is open or opens within 36 hours; no personal data."""

    center_id: str
    appointments: list[UpcomingAppointment]
