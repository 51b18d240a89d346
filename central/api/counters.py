"""The counter console's API: staff sign-in and the actions at a counter.

Authenticated by the staff session cookie (``kc_staff``: HttpOnly, SameSite=Strict), never by
a kiosk token. SameSite=Strict plus JSON-only bodies keep other sites from posting actions.
An account that still has its initial password may only change it (403
``password_change_required`` elsewhere). Password hashing runs in the threadpool: it is slow
on purpose and must not stall the board polls that the event loop serves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyCookie
from starlette.concurrency import run_in_threadpool

from central import staff
from central.context import Context, Ctx, get_context
from central.errors import ApiError, responses
from central.queue import counters
from central.queue.schemas import (
    CounterList,
    CounterOpen,
    CounterState,
    CounterTransfer,
    CounterUnpark,
    PasswordChange,
    StaffLogin,
    StaffMe,
    StaffMeEnvelope,
)

COOKIE = "kc_staff"

cookie = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    scheme_name="staffSession",
    description="Session cookie set by POST /api/v1/staff/login (the counter console at /counter).",
)

router = APIRouter(tags=["counters"], responses=responses(401))


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "sign in at /counter first")


async def any_session(
    ctx: Annotated[Context, Depends(get_context)], token: Annotated[str | None, Depends(cookie)]
) -> staff.StaffSession:
    if not token:
        raise _unauthorized()
    session = staff.authenticate(ctx.engine, token, ctx.clock.now(), ctx.settings)
    if session is None:
        raise _unauthorized()
    return session


async def ready_session(session: Annotated[staff.StaffSession, Depends(any_session)]) -> staff.StaffSession:
    if session.must_change:
        raise ApiError(403, "password_change_required", "change the initial password first")
    return session


AnySession = Annotated[staff.StaffSession, Depends(any_session)]
Session = Annotated[staff.StaffSession, Depends(ready_session)]
CounterId = Annotated[str, Path(max_length=32, description="Counter id, e.g. C01-2")]


def _me(ctx: Context, session: staff.StaffSession) -> StaffMe:
    return StaffMe(
        username=session.username,
        role=session.role,  # type: ignore[arg-type]
        center_id=session.center_id,
        must_change_password=session.must_change,
        counter_id=counters.held_by(ctx, session),
    )


@router.post("/staff/login", response_model=StaffMeEnvelope, responses=responses(422))
async def staff_login(ctx: Ctx, request: Request, body: StaffLogin) -> JSONResponse:
    """Sign in; sets the session cookie. 401 for a wrong username or password alike."""
    token = await run_in_threadpool(
        staff.sign_in, ctx.engine, body.username, body.password, ctx.clock.now(), ctx.settings
    )
    session = None if token is None else staff.authenticate(ctx.engine, token, ctx.clock.now(), ctx.settings)
    if token is None or session is None:
        raise ApiError(401, "unauthorized", "wrong username or password")
    response = JSONResponse(StaffMeEnvelope(staff=_me(ctx, session)).model_dump(mode="json"))
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/staff/logout", status_code=204, response_class=Response)
async def staff_logout(ctx: Ctx, session: AnySession) -> Response:
    """End the session and close its counter."""
    staff.sign_out(ctx.engine, session)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/staff/me", response_model=StaffMeEnvelope)
async def staff_me(ctx: Ctx, session: AnySession) -> StaffMeEnvelope:
    return StaffMeEnvelope(staff=_me(ctx, session))


@router.post(
    "/staff/password",
    response_model=StaffMeEnvelope,
    responses=responses(
        403,
        422,
        refused=f"`weak_password` when the new password is shorter than {staff.MIN_PASSWORD} characters "
        "or is the username",
    ),
)
async def staff_password(ctx: Ctx, session: AnySession, body: PasswordChange) -> StaffMeEnvelope:
    """Change the password (required after the first sign-in); other sessions of the account end."""
    try:
        changed = await run_in_threadpool(
            staff.change_password, ctx.engine, session, body.old_password, body.new_password
        )
    except staff.PasswordRejected as exc:
        raise ApiError(422, "weak_password", str(exc)) from None
    if not changed:
        raise ApiError(403, "forbidden", "the current password is wrong")
    fresh = staff.StaffSession(session.token_hash, session.username, session.role, session.center_id, False)
    return StaffMeEnvelope(staff=_me(ctx, fresh))


@router.get("/counters", response_model=CounterList, responses=responses(403))
async def list_counters(ctx: Ctx, session: Session) -> CounterList:
    """Counters, centers and services this staff member may work with."""
    return counters.list_counters(ctx, session)


@router.get("/counters/{counter_id}", response_model=CounterState, responses=responses(403, 404, 422))
async def counter_state(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    """The current ticket, the parked ones and the center's queue; the console polls this."""
    return counters.state(ctx, session, counter_id)


_ACTION_RESPONSES = responses(403, 404, 409, 422)


@router.post(
    "/counters/{counter_id}/open",
    response_model=CounterState,
    responses=responses(
        403, 404, 409, 422, refused="`invalid_request` when the counter does not serve one of the services"
    ),
)
async def open_counter(ctx: Ctx, session: Session, counter_id: CounterId, body: CounterOpen) -> CounterState:
    """Work at this counter for the chosen services (409 ``counter_taken`` if someone else has it)."""
    return counters.open_counter(ctx, session, counter_id, body.services)


@router.post("/counters/{counter_id}/close", response_model=CounterState, responses=_ACTION_RESPONSES)
async def close_counter(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    return counters.close_counter(ctx, session, counter_id)


@router.post("/counters/{counter_id}/call-next", response_model=CounterState, responses=_ACTION_RESPONSES)
async def call_next(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    """Call the next ticket by priority and waiting time; ``result`` is "empty" when nobody waits."""
    return counters.act(ctx, session, counter_id, counters.call_next)


@router.post("/counters/{counter_id}/recall", response_model=CounterState, responses=_ACTION_RESPONSES)
async def recall(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    return counters.act(ctx, session, counter_id, counters.recall)


@router.post("/counters/{counter_id}/start", response_model=CounterState, responses=_ACTION_RESPONSES)
async def start(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    return counters.act(ctx, session, counter_id, counters.start)


@router.post("/counters/{counter_id}/finish", response_model=CounterState, responses=_ACTION_RESPONSES)
async def finish(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    return counters.act(ctx, session, counter_id, counters.finish)


@router.post("/counters/{counter_id}/no-show", response_model=CounterState, responses=_ACTION_RESPONSES)
async def no_show(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    return counters.act(ctx, session, counter_id, counters.no_show)


@router.post("/counters/{counter_id}/park", response_model=CounterState, responses=_ACTION_RESPONSES)
async def park(ctx: Ctx, session: Session, counter_id: CounterId) -> CounterState:
    return counters.act(ctx, session, counter_id, counters.park)


@router.post("/counters/{counter_id}/unpark", response_model=CounterState, responses=_ACTION_RESPONSES)
async def unpark(ctx: Ctx, session: Session, counter_id: CounterId, body: CounterUnpark) -> CounterState:
    return counters.act(ctx, session, counter_id, counters.unpark(body.ticket_id))


@router.post(
    "/counters/{counter_id}/transfer",
    response_model=CounterState,
    responses=responses(
        403, 404, 409, 422, refused="`invalid_request` when the service is not an open service of the center"
    ),
)
async def transfer(ctx: Ctx, session: Session, counter_id: CounterId, body: CounterTransfer) -> CounterState:
    """Send the current ticket to another service's line; it keeps its number and queue time."""
    return counters.act(ctx, session, counter_id, counters.transfer(body.service_id))
