"""The application factory: wiring only, so later areas (queue, appointments, appeals) add a router.

The contract lives in ``central/openapi.json``; after a deliberate API change regenerate it with
``kiosk-central openapi > central/openapi.json`` (a test fails until it matches what is served).
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from central import __version__, errors
from central.api import (
    appeal_page,
    appeals,
    appointments,
    board,
    cards,
    counters,
    demo,
    fleet,
    health,
    info,
    info_feed,
    kiosk,
    knowledge,
    manage,
    pages,
    staff_appeals,
    staff_appointments,
    staff_knowledge,
    tickets,
)
from central.api.kiosk import APPEAL_STATUS_PATH
from central.appeals import followup as appeal_followup
from central.appeals import sweep as appeal_sweep
from central.appeals.settings import AppealSettings
from central.appointments.booking import AppointmentDesk
from central.appointments.records import BookingRefusal
from central.appointments.reminders import Outbox, send_due
from central.appointments.retention import erase_personal_data
from central.appointments.settings import AppointmentSettings, ReminderSettings
from central.appointments.sweeper import Sweeper
from central.auth import require_kiosk
from central.context import DEFAULT_PUBLIC_URL, Context
from central.fleet import alerts as fleet_alerts
from central.fleet import rollout as fleet_rollout
from central.fleet.state import FleetSettings
from central.knowledge.reports import erase_old_leads
from central.queue.engine import QueueSettings
from central.queue.links import Links
from central.queue.store import Refusal
from central.queue.writer import TicketWriter
from central.statements.backend import StatementBackend
from central.statements.demo_bank import DemoCoreBank
from central.statements.guard import RateLimiter
from service_common.clock import Clock, OffsetClock

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    # The function name, e.g. "list_centers": stable, readable ids for generated clients.
    return route.name


async def _refusal(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return errors.error_response(exc.status, exc.code, exc.message)


def create_app(
    engine: Engine,
    clock: Clock,
    *,
    version: str = __version__,
    settings: QueueSettings | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
    appointment_settings: AppointmentSettings | None = None,
    reminder_settings: ReminderSettings | None = None,
    appeal_settings: AppealSettings | None = None,
    statements: StatementBackend | None = None,
    fleet_settings: FleetSettings | None = None,
) -> FastAPI:
    """Build the app around an already migrated database; nothing here touches the database.

    ``public_url`` is the base of the ticket links printed as QR codes; ``serve`` replaces the
    default with its real address once bound, unless the configuration names one.
    ``statements`` is the bank's core-system adapter (default: the demo core bank).
    """
    app = FastAPI(
        title="Service kiosk central",
        generate_unique_id_function=_operation_id,
        version=version,
        description=(
            "Central service of the service-center kiosks. Every /api/v1 call needs "
            "`Authorization: Bearer <kiosk token>`, except the hall board (`/api/v1/board/...`, public) "
            "and the counter console (`/api/v1/staff/...`, `/api/v1/counters...`, staff session cookie); "
            'every error is `{"error": code, "message": text}`; '
            "a body that is not JSON answers 400, a request that breaks the schema 422 `invalid_request`, "
            "and each operation's 422 names the rules the schema cannot state; "
            "multilingual texts are objects with the keys `ru`, `zh-Hant`, `en`; timestamps are UTC."
        ),
    )
    appointment_settings = appointment_settings or AppointmentSettings()
    app.state.central = Context(
        engine=engine,
        clock=clock,
        version=version,
        # The walk-in estimate counts bookings still inside their check-in window.
        settings=replace(settings or QueueSettings(), booking_late_min=appointment_settings.checkin_late_min),
        links=Links(public_url.rstrip("/")),
    )
    app.state.ticket_writer = TicketWriter(app.state.central)
    reminder_settings = reminder_settings or ReminderSettings()
    app.state.appointments = AppointmentDesk(
        app.state.central, appointment_settings, reminder_settings=reminder_settings
    )
    # Started by ``serve`` only; tests call its run_once() (or sweeper.sweep) after moving the clock.
    app.state.sweeper = Sweeper(app.state.appointments, appointment_settings.sweep_seconds)
    # Raises channels.SpecError for a gateway plug-in that cannot be loaded: better at start than at 3 a.m.
    app.state.reminders = outbox = Outbox.from_settings(app.state.central, reminder_settings)
    app.state.sweeper.add_task("reminders sent", lambda _desk: send_due(outbox))
    app.state.sweeper.add_task(
        "personal data erased", lambda desk: erase_personal_data(desk, outbox.channels)
    )
    app.state.sweeper.add_task("knowledge leads erased", lambda desk: erase_old_leads(engine, desk.now()))
    app.state.appeal_settings = appeal_settings or AppealSettings()

    def staff_appeals_url() -> str:  # read when sweeping: ``serve`` sets the public URL after binding
        return str(app.state.central.links.public_url) + "/staff/appeals"

    app.state.sweeper.add_task(
        "appeals overdue",
        lambda desk: appeal_sweep.mark_overdue(desk.ctx.engine, desk.now(), staff_appeals_url()),
    )
    app.state.sweeper.add_task(
        "appeal satisfaction asked",
        lambda desk: appeal_followup.ask_satisfaction(
            desk.ctx.engine,
            desk.now(),
            str(app.state.central.links.public_url) + APPEAL_STATUS_PATH,
            app.state.appeal_settings,
        ),
    )
    app.state.sweeper.add_task(
        "appeal notices sent",
        lambda desk: appeal_sweep.send_notices(desk.ctx.engine, outbox.channels, desk.now()),
    )
    app.state.statements = statements or DemoCoreBank(engine, clock)
    app.state.card_limiter = RateLimiter(engine, clock)
    app.state.fleet_settings = fleet_settings or FleetSettings()
    app.state.sweeper.add_task(
        "fleet",
        lambda desk: (
            fleet_rollout.advance(desk.ctx.engine, desk.now(), app.state.fleet_settings)
            + fleet_alerts.run(desk.ctx.engine, desk.now(), app.state.fleet_settings, dict(outbox.channels))
        ),
    )
    errors.install(app)
    app.add_exception_handler(Refusal, _refusal)
    app.add_exception_handler(BookingRefusal, appointments.booking_refusal)
    # Every kiosk router gets the token check as a router-level dependency, so no kiosk route can
    # forget it. Included straight into the app, busiest first: FastAPI walks the included
    # routers in order and level by level on every request, and each step costs (nested under one
    # /api/v1 router, the walk was a fifth of the framework's time per ticket).
    for router in (tickets.router, kiosk.router, info.router, appointments.router, knowledge.router,
                   info_feed.router, appeals.router, cards.router, fleet.router):  # fmt: skip
        app.include_router(
            router, prefix=API_PREFIX, dependencies=[Depends(require_kiosk)], responses=errors.responses(401)
        )
    app.include_router(health.router)
    # Not for kiosks: the public board feed and the staff console, each with its own access rule.
    app.include_router(board.router, prefix=API_PREFIX)
    app.include_router(counters.router, prefix=API_PREFIX)
    app.include_router(staff_appointments.router, prefix=API_PREFIX)
    app.include_router(staff_knowledge.router, prefix=API_PREFIX)
    app.include_router(staff_appeals.router, prefix=API_PREFIX)
    app.include_router(pages.router)
    app.include_router(staff_appointments.page_router)
    app.include_router(staff_knowledge.page_router)
    app.include_router(staff_appeals.page_router)
    app.include_router(fleet.staff_router, prefix=API_PREFIX)
    app.include_router(fleet.page_router)
    app.include_router(manage.router)
    app.include_router(appeal_page.router)
    if isinstance(clock, OffsetClock):  # started with --clock: a demo server, whose time may move
        app.include_router(demo.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    errors.document_bad_bodies(app)
    return app
