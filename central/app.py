"""The application factory: wiring only, so later areas (queue, appointments, appeals) add a router.

The contract lives in ``central/openapi.json``; after a deliberate API change regenerate it with
``kiosk-central openapi > central/openapi.json`` (a test fails until it matches what is served).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine

from central import __version__, errors
from central.api import health, info, kiosk
from central.auth import require_kiosk
from central.context import Context
from kiosk.clock import Clock

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    # The function name, e.g. "list_centers": stable, readable ids for generated clients.
    return route.name


def create_app(engine: Engine, clock: Clock, *, version: str = __version__) -> FastAPI:
    """Build the app around an already migrated database; nothing here touches the database."""
    app = FastAPI(
        title="Service kiosk central",
        generate_unique_id_function=_operation_id,
        version=version,
        description=(
            "Central service of the service-center kiosks. Every /api/v1 call needs "
            '`Authorization: Bearer <kiosk token>`; every error is `{"error": code, "message": text}`; '
            "multilingual texts are objects with the keys `ru`, `zh-Hant`, `en`; timestamps are UTC."
        ),
    )
    app.state.central = Context(engine=engine, clock=clock, version=version)
    errors.install(app)
    app.include_router(health.router)
    # Router-level dependency: no /api/v1 route can forget the token check.
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_kiosk)], responses=errors.responses(401))
    api.include_router(kiosk.router)
    api.include_router(info.router)
    app.include_router(api)
    return app
