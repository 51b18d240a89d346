"""The staff appeals page (/staff/appeals) and its JSON calls under /api/v1/staff/appeals.

Same staff session cookie and rules as the counter console and the appointments page (sign in,
forced change of the initial password). Roles ``agent`` and ``supervisor`` only, each limited to
the appeals of their own center unless they belong to the head office (:mod:`central.appeals.scope`): an agent works
on appeals that are theirs or nobody's yet (and may take one); a supervisor on any, and may give
one to another handler. Every action is written to the appeal's history with the account name.
"""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse

from central import db, staff
from central.api import pages
from central.api.appeals import Settings
from central.api.counters import Session
from central.appeals import desk, registry, scope
from central.appeals.schemas import Status
from central.appeals.staff_schemas import (
    AnswerBody,
    AskBody,
    ExtendBody,
    InfoBody,
    RejectBody,
    RouteBody,
    StaffAppeal,
    StaffAppealList,
)
from central.context import Ctx
from central.errors import ApiError, responses

router = APIRouter(prefix="/staff/appeals", tags=["staff"], responses=responses(401, 403))
page_router = APIRouter(include_in_schema=False)

ROLES = ("agent", "supervisor")
NumberPath = Annotated[str, Path(max_length=40, description="Registration number")]
BLANK = "`invalid_request` when a text is only blanks"


def action_errors(refused: str = BLANK) -> dict[int | str, dict[str, object]]:
    """404 not_found, 409 wrong_status (not allowed in the appeal's status), and the 422s listed."""
    return responses(404, 409, 422, refused=refused)


ACTION_ERRORS = action_errors()


async def appeals_session(session: Session) -> staff.StaffSession:
    if session.role not in ROLES:
        raise ApiError(403, "forbidden", "appeals are for agents and supervisors")
    return session


AppealsSession = Annotated[staff.StaffSession, Depends(appeals_session)]


def _center(session: staff.StaffSession) -> str | None:
    return scope.center_of(session.role, session.center_id)


def _own_center(ctx: Ctx, session: staff.StaffSession, number: str) -> None:
    """403 for another center's appeal (a missing one falls through to the action's 404)."""
    center = _center(session)
    if center is None:
        return
    with ctx.engine.connect() as conn:
        ok = scope.allowed(conn, number.replace("\x00", ""), center)
    if ok is False:
        raise ApiError(
            403,
            "forbidden",
            f"this appeal belongs to another center: staff of center {center} see only its appeals",
        )


def _actor(ctx: Ctx, session: staff.StaffSession, number: str) -> desk.Actor:
    """The acting account, once it may act on this appeal (its center's; an agent: theirs or nobody's)."""
    _own_center(ctx, session, number)
    if session.role != "supervisor":
        a = db.appeals
        with ctx.engine.connect() as conn:
            handler = conn.execute(
                sa.select(a.c.handler).where(a.c.number == number.replace("\x00", ""))
            ).first()
        if handler is not None and handler[0] not in (None, session.username):
            raise ApiError(403, "forbidden", "another handler's appeal: ask a supervisor")
    return desk.Actor(session.username, session.role)


def _run(ctx: Ctx, settings: Settings, number: str, action: object) -> StaffAppeal:
    try:
        if callable(action):
            action()
        return registry.one(ctx.engine, number, settings)
    except desk.DeskError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@page_router.get("/staff/appeals", response_class=HTMLResponse)
async def staff_appeals_page() -> HTMLResponse:
    """The registry for staff; everything after sign-in goes through /api/v1/staff/appeals."""
    return pages._page(pages._static_page("appeals.html"))


@router.get("", response_model=StaffAppealList, responses=responses(422))
async def staff_appeal_list(
    ctx: Ctx,
    session: AppealsSession,
    which: Annotated[Literal["mine", "overdue", "open", "all"], Query(alias="filter")] = "open",
    status: Annotated[Status | None, Query()] = None,
) -> StaffAppealList:
    """Appeals newest first (at most 500): mine, overdue, open or all, optionally of one status."""
    center = _center(session)
    appeals = registry.list_appeals(ctx.engine, session.username, which, status, center)
    return StaffAppealList(appeals=appeals, overdue=registry.count_overdue(ctx.engine, center))


@router.get("/{number}", response_model=StaffAppeal, responses=responses(404, 422))
async def staff_appeal(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath
) -> StaffAppeal:
    """One appeal with its history, answers, and a repeat proposal when there is one."""
    _own_center(ctx, session, number)
    return _run(ctx, settings, number, None)


@router.post(
    "/{number}/route",
    response_model=StaffAppeal,
    responses=action_errors(
        "`unknown_handler`, `unknown_department` for names central does not know; "
        "`invalid_request` when neither is given"
    ),
)
async def staff_route(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath, body: RouteBody
) -> StaffAppeal:
    """To a department and/or a handler; an agent may only take it (handler = themselves)."""
    actor = _actor(ctx, session, number)
    if session.role != "supervisor" and body.handler not in (None, session.username):
        raise ApiError(403, "forbidden", "only a supervisor gives an appeal to someone else")
    now = ctx.clock.now()
    return _run(
        ctx,
        settings,
        number,
        lambda: desk.route(ctx.engine, actor, number, now, body.department_id, body.handler),
    )


@router.post("/{number}/ask", response_model=StaffAppeal, responses=ACTION_ERRORS)
async def staff_ask(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath, body: AskBody
) -> StaffAppeal:
    """Ask the visitor for something; the deadline pauses until the information comes."""
    actor, now = _actor(ctx, session, number), ctx.clock.now()
    return _run(ctx, settings, number, lambda: desk.ask_info(ctx.engine, actor, number, now, body.request))


@router.post("/{number}/info-received", response_model=StaffAppeal, responses=ACTION_ERRORS)
async def staff_info_received(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath, body: InfoBody
) -> StaffAppeal:
    """The visitor answered: the deadline moves on by the working days it stood still."""
    actor, now = _actor(ctx, session, number), ctx.clock.now()
    return _run(ctx, settings, number, lambda: desk.info_received(ctx.engine, actor, number, now, body.note))


@router.post(
    "/{number}/extend",
    response_model=StaffAppeal,
    responses=action_errors(f"`not_later` when the new date is not after the current one or today; {BLANK}"),
)
async def staff_extend(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath, body: ExtendBody
) -> StaffAppeal:
    """A later deadline (422 not_later otherwise); the visitor sees the new date."""
    actor, now = _actor(ctx, session, number), ctx.clock.now()
    return _run(
        ctx, settings, number, lambda: desk.extend(ctx.engine, actor, number, now, body.new_date, body.reason)
    )


@router.post("/{number}/answer", response_model=StaffAppeal, responses=ACTION_ERRORS)
async def staff_answer(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath, body: AnswerBody
) -> StaffAppeal:
    """The answer; the handler's name and contact go with it to the visitor."""
    actor, now = _actor(ctx, session, number), ctx.clock.now()
    return _run(ctx, settings, number, lambda: desk.answer(ctx.engine, actor, number, now, body.text))


@router.post("/{number}/close", response_model=StaffAppeal, responses=ACTION_ERRORS)
async def staff_close(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath
) -> StaffAppeal:
    actor, now = _actor(ctx, session, number), ctx.clock.now()
    return _run(ctx, settings, number, lambda: desk.close(ctx.engine, actor, number, now))


@router.post(
    "/{number}/reject",
    response_model=StaffAppeal,
    responses=action_errors(
        f"`reply_required` for not_competent without a reply naming where to turn; {BLANK}"
    ),
)
async def staff_reject(
    ctx: Ctx, settings: Settings, session: AppealsSession, number: NumberPath, body: RejectBody
) -> StaffAppeal:
    """Not considered, with the standard's reason; not_competent needs a reply naming where to turn."""
    actor, now = _actor(ctx, session, number), ctx.clock.now()
    return _run(
        ctx, settings, number, lambda: desk.reject(ctx.engine, actor, number, now, body.reason, body.reply)
    )
