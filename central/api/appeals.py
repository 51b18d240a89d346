"""The kiosk's appeal endpoints: file (one or a batch), look up a status, say whether satisfied.

Everything the registry decides lives in central.appeals; this module maps it to HTTP.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from central.appeals import intake, lookup
from central.appeals.schemas import (
    AppealBatchIn,
    AppealBatchOut,
    AppealBatchResult,
    AppealIn,
    AppealReceipt,
    AppealStatusOut,
    Email,
    Last4,
    SatisfactionIn,
)
from central.appeals.settings import AppealSettings
from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import ApiError, responses

router = APIRouter(tags=["appeals"])

NumberPath = Annotated[str, Path(max_length=40, description="Registration number, e.g. A001-261204-0001")]


async def get_settings(request: Request) -> AppealSettings:
    settings: AppealSettings = request.app.state.appeal_settings
    return settings


Settings = Annotated[AppealSettings, Depends(get_settings)]


def _who(kiosk_id: str) -> str:
    return f"kiosk:{kiosk_id}"


@router.post(
    "/appeals",
    response_model=AppealReceipt,
    responses=responses(
        409,
        422,
        refused="`no_contact` when neither phone nor e-mail is given; `unknown_center` for a center "
        "central does not know; `invalid_request` when the number's YYMMDD is not a real date. "
        "409 `number_taken`: another appeal (another id) already has this number.",
    ),
)
async def file_appeal(body: AppealIn, ctx: Ctx, kiosk: CurrentKiosk) -> AppealReceipt:
    """Register an appeal the kiosk filed; the same ``id`` again answers the same and stores nothing."""
    (outcome,) = intake.file_appeals(ctx, [body], kiosk.id, _who(kiosk.id))
    if outcome.receipt is None:
        code = outcome.error or "invalid_request"
        raise ApiError(intake.REFUSAL_STATUS.get(code, 422), code, outcome.message)
    return outcome.receipt


@router.post("/appeals/batch", response_model=AppealBatchOut, responses=responses(422))
async def file_appeals(body: AppealBatchIn, ctx: Ctx, kiosk: CurrentKiosk) -> AppealBatchOut:
    """Up to 200 appeals in one transaction: what the kiosk's outbox uses to catch up fast.

    Each is judged on its own: ``stored``, ``duplicate`` (its id was stored before: nothing
    changes) or ``refused`` with the error code POST /appeals would give.
    """
    outcomes = intake.file_appeals(ctx, body.appeals, kiosk.id, _who(kiosk.id))
    return AppealBatchOut(
        results=[
            AppealBatchResult(id=o.id, number=o.number, outcome=o.outcome, error=o.error) for o in outcomes
        ]
    )


def _prove(ctx: Ctx, number: str, phone_last4: str | None, email: str | None) -> object:
    if phone_last4 is None and not email:
        raise ApiError(422, "no_proof", "give phone_last4 or email")
    try:
        return lookup.prove(ctx.engine, number, phone_last4, email, ctx.clock.now())
    except lookup.Locked as exc:
        raise ApiError(
            423, "locked", f"too many wrong tries; try again after {exc.until.isoformat()}"
        ) from None
    except lookup.NotFound:
        raise ApiError(404, "not_found", "no appeal with this number and these digits") from None


NO_PROOF = "`no_proof` when neither phone_last4 nor email is given"
LOOKUP_ERRORS = responses(404, 422, 423, refused=NO_PROOF)


@router.get("/appeals/{number}", response_model=AppealStatusOut, responses=LOOKUP_ERRORS)
async def get_appeal_status(
    number: NumberPath,
    ctx: Ctx,
    settings: Settings,
    _kiosk: CurrentKiosk,
    phone_last4: Annotated[Last4 | None, Query()] = None,
    email: Annotated[Email | None, Query()] = None,
) -> AppealStatusOut:
    """An appeal's status, history and answer; 404 ``not_found`` alike for a wrong number or wrong
    digits; 5 wrong tries in 15 minutes lock the number for 15 minutes (423 ``locked``)."""
    row = _prove(ctx, number, phone_last4, email)
    return lookup.status(ctx.engine, row, settings)


@router.post(
    "/appeals/{number}/satisfaction",
    response_model=AppealStatusOut,
    responses=responses(
        404,
        409,
        422,
        423,
        refused=f"{NO_PROOF}. 409 `cannot_rate`: not an answered complaint, or already rated",
    ),
)
async def rate_appeal(
    number: NumberPath, body: SatisfactionIn, ctx: Ctx, settings: Settings, _kiosk: CurrentKiosk
) -> AppealStatusOut:
    """Whether the visitor is satisfied with the answer to a complaint; ``id`` makes a retry count once.

    "no_answer" is provisional (asked again up to a set number of times); "not_satisfied" reopens it.
    """
    row = _prove(ctx, number, body.phone_last4, body.email)
    try:
        return lookup.rate(ctx.engine, row, str(body.id), body.answer, ctx.clock.now(), settings)
    except lookup.CannotRate:
        raise ApiError(409, "cannot_rate", "satisfaction is not asked for this appeal now") from None
