"""The knowledge endpoints kiosks call: the change feed, and ratings, misses and leads coming back.

The feed answers 304 when the kiosk's cursor is current and it sent that cursor as
``If-None-Match``: most syncs then cost one indexed query and no body. Writes are
idempotent by the kiosk-made id (answer ``duplicate: true`` for a resend).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response

from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import ApiError, responses
from central.knowledge import feed, reports
from central.knowledge.schemas import KbChanges, KbMiss, KbRating, Lead, Received

router = APIRouter(tags=["knowledge"])


@router.get(
    "/knowledge/changes",
    response_model=KbChanges,
    responses={
        **responses(422),
        304: {"description": "Nothing changed since the cursor given in If-None-Match"},
    },
)
async def knowledge_changes(
    ctx: Ctx,
    _kiosk: CurrentKiosk,
    cursor: Annotated[
        str | None, Query(max_length=64, description="From the last page; none: everything")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    if_none_match: Annotated[str | None, Header(max_length=80)] = None,
) -> Response:
    """Published articles after ``cursor`` with tombstones (``removed``); an unknown cursor starts a full
    listing (``full: true``). The ETag is the returned cursor, quoted."""
    page = feed.changes(ctx.engine, cursor, limit, feed.epoch(ctx.engine))
    etag = f'"{page.cursor}"'
    unchanged = not page.full and not page.more and not page.articles and not page.removed
    if unchanged and page.cursor == cursor and if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(page.model_dump(mode="json"), headers={"ETag": etag})


@router.post("/knowledge/ratings", response_model=Received, responses=responses(422))
async def knowledge_rating(ctx: Ctx, kiosk: CurrentKiosk, body: KbRating) -> Received:
    """A visitor's "Was this helpful?" answer."""
    new = reports.add_rating(ctx.engine, kiosk.id, body, ctx.clock.now())
    return Received(id=body.id, duplicate=not new)


@router.post("/knowledge/misses", response_model=Received, responses=responses(422))
async def knowledge_miss(ctx: Ctx, kiosk: CurrentKiosk, body: KbMiss) -> Received:
    """A search that found nothing (card numbers in the text are masked on arrival too)."""
    new = reports.add_miss(ctx.engine, kiosk.id, body, ctx.clock.now())
    return Received(id=body.id, duplicate=not new)


@router.post(
    "/leads",
    response_model=Received,
    responses=responses(422, refused="`consent_required` when `consent` is not true"),
)
async def create_lead(ctx: Ctx, kiosk: CurrentKiosk, body: Lead) -> Received:
    """ "I'm interested" on a promotion: kept only with the visitor's consent."""
    if not body.consent:
        raise ApiError(422, "consent_required", "a lead is kept only with the visitor's consent")
    new = reports.add_lead(ctx.engine, kiosk.id, body, ctx.clock.now())
    return Received(id=body.id, duplicate=not new)
