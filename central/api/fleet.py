"""The fleet: kiosks report their health (``POST /api/v1/fleet/heartbeat``, kiosk token); technicians,
supervisors and admins watch it on ``/staff/fleet`` (staff session, ``GET /api/v1/staff/fleet``).

An account tied to a center sees that center's kiosks; one without a center sees them all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from central import staff
from central.api import pages
from central.api.counters import Session
from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import ApiError, responses
from central.fleet import audit, state
from central.fleet.schemas import AuditRecord, FleetView, Heartbeat, HeartbeatAck

FLEET_ROLES = ("technician", "supervisor", "admin")

router = APIRouter(tags=["fleet"])
staff_router = APIRouter(prefix="/staff/fleet", tags=["fleet"], responses=responses(401))
page_router = APIRouter(include_in_schema=False)


def settings_of(request: Request) -> state.FleetSettings:
    settings: state.FleetSettings = request.app.state.fleet_settings
    return settings


Settings = Annotated[state.FleetSettings, Depends(settings_of)]


async def fleet_session(session: Session) -> staff.StaffSession:
    if session.role not in FLEET_ROLES:
        raise ApiError(403, "forbidden", "the fleet is for technicians, supervisors and admins")
    return session


FleetSession = Annotated[staff.StaffSession, Depends(fleet_session)]


@router.post("/fleet/heartbeat", response_model=HeartbeatAck, responses=responses(422))
async def fleet_heartbeat(ctx: Ctx, kiosk: CurrentKiosk, settings: Settings, body: Heartbeat) -> HeartbeatAck:
    """The kiosk's health every ``interval_s`` and at once on a change; a resent ``heartbeat_id`` changes nothing."""
    return state.record(ctx.engine, kiosk.id, body, ctx.clock.now(), settings)


@router.post("/fleet/audit", status_code=204, response_class=Response, responses=responses(422))
async def fleet_audit(ctx: Ctx, kiosk: CurrentKiosk, body: AuditRecord) -> Response:
    """One technician action at the kiosk (who, when, what, result); a resent ``id`` is stored once."""
    audit.record(ctx.engine, kiosk.id, body, ctx.clock.now())
    return Response(status_code=204)


@staff_router.get("", response_model=FleetView, responses=responses(403))
async def staff_fleet(ctx: Ctx, session: FleetSession, settings: Settings) -> FleetView:
    """Every kiosk the account may see, worst first, with its latest heartbeat."""
    return state.view(ctx.engine, ctx.clock.now(), settings, session.center_id)


@page_router.get("/staff/fleet", response_class=HTMLResponse)
async def staff_fleet_page() -> HTMLResponse:
    """The fleet page; its data comes from /api/v1/staff/fleet after sign-in."""
    return pages._page(pages._static_page("fleet.html"))
