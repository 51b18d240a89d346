"""The staff appointments page (/staff/appointments) and its JSON calls under /api/v1/staff/appointments.

Same staff session cookie and rules as the counter console (central.api.counters): sign in there
or on this page; an account with its initial password must change it first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from central.api import pages
from central.api.appointments import Desk, booking_errors
from central.api.counters import Session
from central.appointments import staffdesk
from central.appointments.staff_schemas import (
    StaffAppointmentDay,
    StaffAppointmentEnvelope,
    StaffCheckIn,
    StaffCheckInResult,
)
from central.errors import responses
from central.schemas import IsoDate

router = APIRouter(prefix="/staff/appointments", tags=["staff"], responses=responses(401))
page_router = APIRouter(include_in_schema=False)

AppointmentId = Annotated[str, Path(max_length=32, description="Appointment id (not the visitor's code)")]


@page_router.get("/staff/appointments", response_class=HTMLResponse)
async def staff_appointments_page() -> HTMLResponse:
    """The day's bookings per service; everything after sign-in goes through /api/v1/staff/appointments."""
    return pages._page(pages._static_page("appointments.html"))


@router.get("", response_model=StaffAppointmentDay, responses=responses(403, 404, 422))
async def staff_appointment_day(
    desk: Desk,
    session: Session,
    center_id: Annotated[
        str | None, Query(max_length=16, description="Default: the account's center")
    ] = None,
    date: Annotated[IsoDate | None, Query(description="Local date; default: today at the center")] = None,
) -> StaffAppointmentDay:
    """One center's bookings of one day, per bookable service, with what staff may do with each."""
    return staffdesk.day(desk, session, center_id, date)


@router.post("/check-in", response_model=StaffCheckInResult, responses=booking_errors(403, 404, 409, 422))
async def staff_check_in(desk: Desk, session: Session, body: StaffCheckIn) -> StaffCheckInResult:
    """Check a visitor in by the booking code: the ``appointment`` priority ticket (the same one again
    for a code already checked in). 409 too_early (with ``opens_at``), too_late, not_confirmed."""
    return staffdesk.check_in(desk, session, body.code)


@router.post(
    "/{appointment_id}/missed",
    response_model=StaffAppointmentEnvelope,
    responses=booking_errors(403, 404, 409, 422),
)
async def staff_mark_missed(
    desk: Desk, session: Session, appointment_id: AppointmentId
) -> StaffAppointmentEnvelope:
    """The visitor did not come: allowed once the slot has begun (409 not_started before)."""
    return StaffAppointmentEnvelope(appointment=staffdesk.mark_missed(desk, session, appointment_id))


@router.post(
    "/{appointment_id}/cancel",
    response_model=StaffAppointmentEnvelope,
    responses=booking_errors(403, 404, 409, 422),
)
async def staff_cancel(
    desk: Desk, session: Session, appointment_id: AppointmentId
) -> StaffAppointmentEnvelope:
    """Cancel for the visitor: no phone digits, no cool-down for the visitor; records the staff name."""
    return StaffAppointmentEnvelope(appointment=staffdesk.cancel(desk, session, appointment_id))
