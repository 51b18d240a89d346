"""Appointments for kiosks: free days and slots, hold then confirm, cancel, reschedule, check-in.

A kiosk books, moves, cancels and checks in only its own center's appointments (403
``other_center`` otherwise). Endpoints run their short transactions inline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from central.appointments import visitor
from central.appointments.booking import AppointmentDesk
from central.appointments.records import BookingRefusal
from central.appointments.schemas import (
    AppointmentCancel,
    AppointmentEnvelope,
    AppointmentReschedule,
    BookingError,
    CheckInRequest,
    CheckInResult,
    DayList,
    HoldConfirm,
    HoldCreate,
    HoldEnvelope,
    SlotList,
    UpcomingList,
    Verification,
)
from central.auth import CurrentKiosk
from central.errors import responses
from central.schemas import IsoDate

T = TypeVar("T")

router = APIRouter(prefix="/appointments", tags=["appointments"])
JSON = "application/json"

HoldId = Annotated[str, Path(max_length=32, description="Hold id")]
Code = Annotated[str, Path(max_length=16, description="Appointment code")]
ServiceId = Annotated[str, Query(min_length=1, max_length=32)]


async def get_desk(request: Request) -> AppointmentDesk:
    desk: AppointmentDesk = request.app.state.appointments
    return desk


Desk = Annotated[AppointmentDesk, Depends(get_desk)]


def booking_errors(*statuses: int, refused: str = "") -> dict[int | str, dict[str, Any]]:
    """Like :func:`central.errors.responses`, with the appointment error body for 409."""
    out = responses(*(s for s in statuses if s != 409), refused=refused)
    if 409 in statuses:
        out[409] = {"model": BookingError, "description": "Refused; the error code says why"}
    return out


async def booking_refusal(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BookingRefusal)
    body = BookingError(error=exc.code, message=exc.message, service_id=exc.service_id, **exc.times)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=exc.status)


@router.get(
    "/days",
    response_model=DayList,
    responses=responses(
        404, 422, refused="`invalid_request` when `to` is before `from` or more than 92 days after it"
    ),
)
async def list_booking_days(
    desk: Desk,
    _kiosk: CurrentKiosk,
    service_id: ServiceId,
    from_: Annotated[IsoDate | None, Query(alias="from", description="Default: today at the center")] = None,
    to: Annotated[IsoDate | None, Query(description="Default: the end of the booking horizon")] = None,
) -> DayList:
    """The local dates that still have a free slot, for the day picker."""
    return DayList(service_id=service_id, days=desk.days(service_id, from_, to))


@router.get("/verification", response_model=Verification)
async def get_verification(desk: Desk, _kiosk: CurrentKiosk) -> Verification:
    """The public key(s) that sign booking tokens, and the check-in window, for offline check-in."""
    return desk.verification()


@router.get("/upcoming", response_model=UpcomingList)
async def list_upcoming(desk: Desk, kiosk: CurrentKiosk) -> UpcomingList:
    """The kiosk's center's confirmed and checked-in bookings from the check-in window now to 36 hours on.

    Codes and signed tokens only, no names or phones: the kiosk caches them so a code typed while
    central is unreachable can still be checked in (then synced: POST check-in with ticket_request_id).
    """
    return desk.upcoming(kiosk.center_id)


@router.get("/slots", response_model=SlotList, responses=responses(404, 422))
async def list_free_slots(desk: Desk, _kiosk: CurrentKiosk, service_id: ServiceId, date: IsoDate) -> SlotList:
    """The free slots of one local date; held (unexpired) and confirmed places are taken."""
    return SlotList(service_id=service_id, date=date, slots=desk.free_slots(service_id, date))


@router.post(
    "/holds",
    status_code=201,
    response_model=HoldEnvelope,
    responses={
        200: {"model": HoldEnvelope, "description": "request_id seen before"},
        **booking_errors(403, 404, 409, 422),
    },
)
async def create_hold(desk: Desk, kiosk: CurrentKiosk, body: HoldCreate) -> Response:
    """Hold a place for a few minutes while the visitor types name and phone.

    409 with the slot engine's reason: slot_full, too_soon, beyond_horizon, holiday, closed, in_break,
    outside_schedule.
    """
    created, hold = desk.hold(body, kiosk.center_id)
    payload = HoldEnvelope(hold=hold).model_dump_json().encode("utf-8")
    return Response(payload, status_code=201 if created else 200, media_type=JSON)


@router.post(
    "/holds/{hold_id}/confirm",
    status_code=201,
    response_model=AppointmentEnvelope,
    responses={
        200: {"model": AppointmentEnvelope, "description": "request_id seen before: the first answer"},
        **booking_errors(
            403,
            404,
            409,
            422,
            refused="`invalid_phone` when the phone has too few or too many digits (8 to 15 with the "
            "country code), or is a national number of a country other than Russia written without + or 00",
        ),
    },
)
async def confirm_hold(desk: Desk, kiosk: CurrentKiosk, hold_id: HoldId, body: HoldConfirm) -> Response:
    """Book the held place. 409 hold_expired, not_held, person_limit, cooldown (with ``until``);
    403 other_center for a hold made by a kiosk of another center."""
    created, payload = desk.confirm(hold_id, body, kiosk.center_id)
    return Response(payload, status_code=201 if created else 200, media_type=JSON)


@router.post("/holds/{hold_id}/release", status_code=204, response_class=Response, responses=responses(422))
async def release_hold(desk: Desk, kiosk: CurrentKiosk, hold_id: HoldId) -> Response:
    """Let a held place go before it expires (the visitor went back or walked away).

    Idempotent: an unknown, expired or already confirmed hold answers 204 too, and a booking
    is never released this way, nor a hold of another center's kiosk.
    """
    desk.release(hold_id, kiosk.center_id)
    return Response(status_code=204)


def guarded(desk: AppointmentDesk, code: str, action: Callable[[], T]) -> T:
    """Calls that take the phone's last four digits share the manage page's lock-out (visitor.prove)."""

    def attempt() -> T | None:
        try:
            return action()
        except BookingRefusal as exc:
            if exc.code == "not_found":  # code and digits do not match: a wrong try
                return None
            raise

    try:
        return visitor.prove(desk.ctx.engine, code, desk.now(), attempt)
    except visitor.Locked as exc:
        raise BookingRefusal(409, "locked", "too many wrong tries for this code", until=exc.until) from None
    except visitor.WrongDigits:
        raise BookingRefusal(404, "not_found", "no appointment with this code and phone") from None


@router.post("/{code}/lookup", response_model=AppointmentEnvelope, responses=booking_errors(404, 409, 422))
async def find_appointment(
    desk: Desk, _kiosk: CurrentKiosk, code: Code, body: AppointmentCancel
) -> AppointmentEnvelope:
    """The booking for code and phone digits ("my booking"); 409 locked (with ``until``) after 5 wrong tries."""
    return AppointmentEnvelope(appointment=guarded(desk, code, lambda: desk.find(code, body.phone_last4)))


@router.post("/{code}/cancel", response_model=AppointmentEnvelope, responses=booking_errors(404, 409, 422))
async def cancel_appointment(
    desk: Desk, _kiosk: CurrentKiosk, code: Code, body: AppointmentCancel
) -> AppointmentEnvelope:
    """Cancel by code and the phone's last four digits; counts towards the cancellation cool-down."""
    return AppointmentEnvelope(appointment=guarded(desk, code, lambda: desk.cancel(code, body.phone_last4)))


@router.post(
    "/{code}/reschedule",
    status_code=201,
    response_model=AppointmentEnvelope,
    responses={
        200: {"model": AppointmentEnvelope, "description": "request_id seen before: the first answer"},
        **booking_errors(404, 409, 422),
    },
)
async def reschedule_appointment(
    desk: Desk, _kiosk: CurrentKiosk, code: Code, body: AppointmentReschedule
) -> Response:
    """Move a booking: the new one (new code) is made and the old one cancelled in one transaction."""
    created, payload = guarded(
        desk, code, lambda: desk.reschedule(code, body.phone_last4, body.request_id, body.slot_start)
    )
    return Response(payload, status_code=201 if created else 200, media_type=JSON)


@router.post(
    "/{code}/check-in",
    response_model=CheckInResult,
    responses=booking_errors(
        403,
        404,
        409,
        422,
        refused="`invalid_request` when `checked_in_at` is more than 2 minutes ahead of central",
    ),
)
async def check_in(desk: Desk, kiosk: CurrentKiosk, code: Code, body: CheckInRequest) -> CheckInResult:
    """Check in at the kiosk: an ``appointment`` priority ticket; the same code again gets the same ticket.

    The ticket joins the line at the slot's start (with the appointment bonus). Offline check-in:
    the kiosk sends its lease ticket to POST /tickets first, then this with ``ticket_request_id``
    and ``checked_in_at``; the window is judged at ``checked_in_at``, so a booking the sweep marked
    missed meanwhile is still accepted. A booking already checked in answers with its first ticket;
    a different offline ticket for it is then voided if still waiting.

    409 too_early (with ``opens_at``), too_late, not_confirmed, ticket_not_synced (retry after the
    ticket has been sent), ticket_conflict (not this kiosk's appointment ticket for this service,
    void, or attached to another booking). 422 checked_in_at more than 2 minutes ahead.

    The ticket central makes is named after ``request_id``: if the kiosk never got this answer and
    issued the visitor a number from its lease under the same id, POST /tickets adopts that number.
    """
    return desk.check_in(
        code,
        kiosk.id,
        kiosk.center_id,
        request_id=body.request_id,
        ticket_request_id=body.ticket_request_id,
        checked_in_at=body.checked_in_at,
    )
