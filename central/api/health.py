"""Liveness for monitoring and for kiosks deciding whether the central is reachable; no token."""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from central.context import Ctx
from central.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database does not answer"}},
)
async def health(ctx: Ctx) -> Health | JSONResponse:
    """``db`` is checked with a trivial query, so a locked or missing database shows here."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(sa.select(sa.literal(1)))
        db_ok = True
    except SQLAlchemyError:
        db_ok = False
    body = Health(
        status="ok" if db_ok else "error",
        version=ctx.version,
        db="ok" if db_ok else "error",
        time=ctx.clock.now().astimezone(UTC),
    )
    if db_ok:
        return body
    return JSONResponse(body.model_dump(mode="json"), status_code=503)
