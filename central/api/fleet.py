"""The fleet: kiosks report their health (``POST /api/v1/fleet/heartbeat``, kiosk token); technicians,
supervisors and admins watch it on ``/staff/fleet`` (staff session, ``GET /api/v1/staff/fleet``).

An account tied to a center sees that center's kiosks; one without a center sees them all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from central import staff
from central.api import pages
from central.api.counters import Session
from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import ApiError, responses
from central.fleet import audit, commands, rollout, state
from central.fleet.schemas import (
    AuditRecord,
    CommandCreate,
    CommandResult,
    CommandState,
    ConfigKey,
    FleetView,
    Heartbeat,
    HeartbeatAck,
)

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


@router.get("/fleet/config-key", response_model=ConfigKey)
async def fleet_config_key(ctx: Ctx, _kiosk: CurrentKiosk) -> ConfigKey:
    """The Ed25519 key central signs configuration documents with (the kiosk pins it on first use)."""
    return ConfigKey(algorithm="Ed25519", public_key=rollout.verification_key(ctx.engine))


@staff_router.get("", response_model=FleetView, responses=responses(403))
async def staff_fleet(ctx: Ctx, session: FleetSession, settings: Settings) -> FleetView:
    """Every kiosk the account may see, worst first, with its latest heartbeat."""
    return state.view(ctx.engine, ctx.clock.now(), settings, session.center_id)


@page_router.get("/staff/fleet", response_class=HTMLResponse)
async def staff_fleet_page() -> HTMLResponse:
    """The fleet page; its data comes from /api/v1/staff/fleet after sign-in."""
    return pages._page(pages._static_page("fleet.html"))


CommandId = Annotated[str, Path(max_length=32, description="Command id")]
KioskId = Annotated[str, Path(max_length=64, description="Kiosk id")]


def _refused(exc: commands.CommandError) -> ApiError:
    return ApiError(exc.status, exc.code, str(exc))


@router.post("/fleet/commands/{command_id}/ack", response_model=CommandState, responses=responses(404, 422))
async def fleet_command_ack(ctx: Ctx, kiosk: CurrentKiosk, command_id: CommandId) -> CommandState:
    """The kiosk has the command and will run it (once, whatever the number of pulls)."""
    try:
        status = commands.acknowledge(ctx.engine, kiosk.id, command_id, ctx.clock.now())
    except commands.CommandError as exc:
        raise _refused(exc) from None
    return CommandState(id=command_id, status=status)


@router.post(
    "/fleet/commands/{command_id}/result", response_model=CommandState, responses=responses(404, 422)
)
async def fleet_command_result(
    ctx: Ctx, kiosk: CurrentKiosk, command_id: CommandId, body: CommandResult
) -> CommandState:
    """Done or failed, with what the kiosk has to say; a repeated report changes nothing."""
    try:
        status = commands.finish(ctx.engine, kiosk.id, command_id, body.ok, body.result, ctx.clock.now())
    except commands.CommandError as exc:
        raise _refused(exc) from None
    return CommandState(id=command_id, status=status)


@router.post(
    "/fleet/commands/{command_id}/upload",
    status_code=204,
    response_class=Response,
    responses=responses(404, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}},
                        "text/plain": {"schema": {"type": "string"}}},
        }
    },
)  # fmt: skip
async def fleet_command_upload(
    ctx: Ctx, kiosk: CurrentKiosk, command_id: CommandId, request: Request
) -> Response:
    """What the command produced: a screenshot (PNG, inputs masked) or log lines (text)."""
    content_type = request.headers.get("content-type", "application/octet-stream").split(";")[0]
    if content_type not in ("image/png", "text/plain"):
        raise ApiError(415, "unsupported_media_type", "image/png or text/plain")
    data = await request.body()
    try:
        commands.upload(ctx.engine, kiosk.id, command_id, content_type, data, ctx.clock.now())
    except commands.CommandError as exc:
        raise _refused(exc) from None
    return Response(status_code=204)


@staff_router.post(
    "/{kiosk_id}/commands", response_model=CommandState, status_code=201, responses=responses(403, 404, 422)
)
async def staff_fleet_command(
    ctx: Ctx, session: FleetSession, kiosk_id: KioskId, body: CommandCreate
) -> CommandState:
    """Queue a command for a kiosk; it runs when the kiosk next pulls (its heartbeat), unless expired."""
    try:
        command_id = commands.queue(
            ctx.engine,
            kiosk_id,
            body.kind,
            body.params,
            f"staff:{session.username}",
            ctx.clock.now(),
            timedelta(minutes=body.expires_min),
        )
    except commands.CommandError as exc:
        raise _refused(exc) from None
    return CommandState(id=command_id, status="queued")


@staff_router.get("/commands/{command_id}", responses=responses(403, 404, 422))
async def staff_fleet_command_state(ctx: Ctx, session: FleetSession, command_id: CommandId) -> dict[str, Any]:
    """A command's status, result and what it uploaded (size and type)."""
    found = commands.get(ctx.engine, command_id)
    if found is None:
        raise ApiError(404, "not_found", "no such command")
    return found


@staff_router.get(
    "/commands/{command_id}/upload", response_class=Response, responses=responses(403, 404, 422)
)
async def staff_fleet_command_upload(ctx: Ctx, session: FleetSession, command_id: CommandId) -> Response:
    """The screenshot or log lines a command brought back."""
    found = commands.upload_of(ctx.engine, command_id)
    if found is None:
        raise ApiError(404, "not_found", "nothing uploaded for this command")
    return Response(found[1], media_type=found[0], headers={"Cache-Control": "no-store"})
