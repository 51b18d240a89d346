"""The knowledge page (/staff/knowledge) and its JSON calls under /api/v1/staff/knowledge.

Same staff session cookie and forced first password change as the counter console
(central.api.counters). Who may do what is decided in central.knowledge.workflow.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from central.api import pages
from central.api.counters import Session
from central.context import Ctx
from central.errors import responses
from central.knowledge import reports, views, workflow
from central.knowledge.schemas import (
    ArticleDetail,
    ArticleId,
    ArticleList,
    ChangeCreate,
    ChangeEnvelope,
    ChangeUpdate,
    KbReport,
    Lang,
    RemovalCreate,
    ReviewBody,
    Section,
)
from central.schemas import IsoDate
from central.staff import StaffSession

router = APIRouter(prefix="/staff/knowledge", tags=["staff"], responses=responses(401))
page_router = APIRouter(include_in_schema=False)

ChangeId = Annotated[str, Path(max_length=32, description="Change id")]
ArticlePath = Annotated[ArticleId, Path(description="Article id, e.g. card-block-ru")]
_ACTION = responses(403, 404, 409, 422)


def _actor(session: StaffSession) -> workflow.Actor:
    return workflow.Actor(session.username, session.role)


@page_router.get("/staff/knowledge", response_class=HTMLResponse)
async def staff_knowledge_page() -> HTMLResponse:
    """Articles, drafts, review and reports; everything after sign-in goes through /api/v1/staff/knowledge."""
    return pages._page(pages._static_page("knowledge.html"))


@router.get("/articles", response_model=ArticleList, responses=responses(422))
async def kb_list(
    ctx: Ctx,
    _session: Session,
    lang: Lang | None = None,
    section: Section | None = None,
    state: Annotated[
        str | None, Query(max_length=16, description="published, removed, draft, in_review, rejected")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Words of the title or the id")] = None,
) -> ArticleList:
    return views.list_articles(ctx.engine, lang, section, state, q)


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses=responses(404, 422))
async def kb_article(ctx: Ctx, _session: Session, article_id: ArticlePath) -> ArticleDetail:
    """The published text, the open change and the whole history, newest first."""
    return views.detail(ctx.engine, article_id)


@router.post("/changes", response_model=ChangeEnvelope, responses=_ACTION)
async def kb_create_change(ctx: Ctx, session: Session, body: ChangeCreate) -> ChangeEnvelope:
    """A draft for a new article or a new text of a published one (maintainer or admin)."""
    change = workflow.create_change(ctx.engine, ctx.clock.now(), _actor(session), body.article_id, body.lang,
                                    body.content)  # fmt: skip
    return ChangeEnvelope(change=change)


@router.put("/changes/{change_id}", response_model=ChangeEnvelope, responses=_ACTION)
async def kb_update_change(
    ctx: Ctx, session: Session, change_id: ChangeId, body: ChangeUpdate
) -> ChangeEnvelope:
    return ChangeEnvelope(
        change=workflow.update_change(ctx.engine, ctx.clock.now(), _actor(session), change_id, body.content)
    )


@router.post("/changes/{change_id}/submit", response_model=ChangeEnvelope, responses=_ACTION)
async def kb_submit(ctx: Ctx, session: Session, change_id: ChangeId) -> ChangeEnvelope:
    return ChangeEnvelope(change=workflow.submit(ctx.engine, ctx.clock.now(), _actor(session), change_id))


@router.post("/changes/{change_id}/withdraw", response_model=ChangeEnvelope, responses=_ACTION)
async def kb_withdraw(ctx: Ctx, session: Session, change_id: ChangeId) -> ChangeEnvelope:
    return ChangeEnvelope(change=workflow.withdraw(ctx.engine, ctx.clock.now(), _actor(session), change_id))


@router.post("/changes/{change_id}/approve", response_model=ChangeEnvelope, responses=_ACTION)
async def kb_approve(ctx: Ctx, session: Session, change_id: ChangeId, body: ReviewBody) -> ChangeEnvelope:
    """Approve and publish (reviewer or admin who did not write the change; 403 own_change)."""
    change = workflow.approve(ctx.engine, ctx.clock.now(), _actor(session), change_id, body.comment)
    return ChangeEnvelope(change=change)


@router.post(
    "/changes/{change_id}/reject",
    response_model=ChangeEnvelope,
    responses=responses(403, 404, 409, 422, refused="`comment_required` when the comment is empty"),
)
async def kb_reject(ctx: Ctx, session: Session, change_id: ChangeId, body: ReviewBody) -> ChangeEnvelope:
    change = workflow.reject(ctx.engine, ctx.clock.now(), _actor(session), change_id, body.comment)
    return ChangeEnvelope(change=change)


@router.post("/articles/{article_id}/remove", response_model=ChangeEnvelope, responses=_ACTION)
async def kb_request_removal(
    ctx: Ctx, session: Session, article_id: ArticlePath, body: RemovalCreate
) -> ChangeEnvelope:
    """Ask to take a published article off the kiosks; a reviewer approves it like an edit."""
    change = workflow.request_removal(ctx.engine, ctx.clock.now(), _actor(session), article_id, body.comment)
    return ChangeEnvelope(change=change)


@router.get("/reports", response_model=KbReport, responses=responses(422))
async def kb_reports(
    ctx: Ctx,
    _session: Session,
    start: Annotated[IsoDate | None, Query(alias="from", description="First UTC day of the misses")] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="Last UTC day of the misses")] = None,
) -> KbReport:
    """Helpfulness per rated article, and the searches that found nothing by ISO week and language."""
    return KbReport(
        helpfulness=reports.helpfulness(ctx.engine), misses=reports.misses(ctx.engine, start, end)
    )
