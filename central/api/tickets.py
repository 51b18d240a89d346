"""The kiosk's side of the queue: tickets, number leases for offline issuing, the queue view.

Every endpoint acts only on the calling kiosk's own center (403 otherwise) and runs its short
transaction inline (``async def``), like the rest of the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import ApiError, responses
from central.queue import leases, store, views
from central.queue.schemas import (
    LeaseCreate,
    LeaseEnvelope,
    Queue,
    TicketCreate,
    TicketEnvelope,
    TicketVoid,
)
from central.queue.writer import TicketWriter

router = APIRouter(tags=["queue"])

TicketId = Annotated[str, Path(max_length=32, description="Ticket id")]


JSON = "application/json"


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketEnvelope,
    responses={
        200: {
            "model": TicketEnvelope,
            "description": "request_id seen before: the first answer, byte for byte",
        },
        **responses(403, 404, 409, 422),
    },
)
async def create_ticket(request: Request, kiosk: CurrentKiosk, body: TicketCreate) -> Response:
    """Issue a ticket (or record one issued offline from a lease); idempotent on ``request_id``.

    409 ``lease_conflict``: the number is not from this kiosk's lease valid at ``issued_at``, or is
    already a ticket. 409 ``idempotency_conflict``: the request_id was used for another request.
    """
    writer: TicketWriter = request.app.state.ticket_writer  # not a dependency: the busiest route
    created, payload = await writer.create(store.NewTicket(kiosk.id, kiosk.center_id, body))
    return Response(payload, status_code=201 if created else 200, media_type=JSON)


@router.get("/tickets/{ticket_id}", response_model=TicketEnvelope, responses=responses(403, 404, 422))
async def get_ticket(ctx: Ctx, kiosk: CurrentKiosk, ticket_id: TicketId) -> TicketEnvelope:
    """The ticket now: status, counter, and its live place in line."""
    ticket = store.get_ticket(ctx, ticket_id)
    if ticket.center_id != kiosk.center_id:
        raise ApiError(403, "forbidden", "the ticket belongs to another center")
    return TicketEnvelope(ticket=ticket)


@router.post(
    "/tickets/{ticket_id}/void", response_model=TicketEnvelope, responses=responses(403, 404, 409, 422)
)
async def void_ticket(ctx: Ctx, kiosk: CurrentKiosk, ticket_id: TicketId, body: TicketVoid) -> TicketEnvelope:
    """Void a waiting ticket whose printing failed; voiding a void ticket again changes nothing."""
    return TicketEnvelope(ticket=store.void_ticket(ctx, kiosk.center_id, ticket_id, body.reason))


@router.post(
    "/leases",
    status_code=201,
    response_model=LeaseEnvelope,
    responses={
        200: {"model": LeaseEnvelope, "description": "request_id seen before: the same lease"},
        **responses(403, 404, 409, 422),
    },
)
async def create_lease(ctx: Ctx, kiosk: CurrentKiosk, body: LeaseCreate) -> Response:
    """Reserve ``size`` numbers of today's sequence for issuing while central is unreachable.

    Online tickets skip leased blocks; the lease is valid until the center's next local midnight.
    """
    created, lease = leases.create_lease(ctx, kiosk.id, kiosk.center_id, body)
    payload = LeaseEnvelope(lease=lease).model_dump_json().encode("utf-8")
    return Response(payload, status_code=201 if created else 200, media_type=JSON)


@router.get("/queue", response_model=Queue, responses=responses(403, 404, 422))
async def get_queue(
    ctx: Ctx,
    kiosk: CurrentKiosk,
    center_id: Annotated[
        str | None,
        Query(max_length=16, description="Default: the calling kiosk's center (no other is allowed)"),
    ] = None,
) -> Queue:
    """Waiting counts, estimates and open counters per service, and the latest calls."""
    wanted = center_id or kiosk.center_id
    if wanted != kiosk.center_id:
        raise ApiError(403, "forbidden", "a kiosk sees only its own center's queue")
    with ctx.engine.connect() as conn:
        return views.queue_view(conn, ctx, wanted, store.utc_now(ctx))
