"""Centers with their hours, announcements and rates on the knowledge feed's terms: a cursor, 304, only what changed.

These documents are small and partly time-dependent (an announcement leaves when it expires), so
the cursor is not a position but one content version per document: ``centers:V.announcements:V.rates:V``.
A kiosk gives back the cursor it holds; the answer carries only the documents whose version
differs (all of them for no or an unknown cursor, ``full: true``), and 304 when none does and the
cursor came as ``If-None-Match`` too. The periodic sync then costs the kiosk no body and no write.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from central.api.info import get_rates, list_announcements, load_centers
from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import responses
from central.schemas import Announcement, Center, Out, Rates

router = APIRouter(tags=["info"])
DOCUMENTS = ("centers", "announcements", "rates")


class InfoChanges(Out):
    cursor: str = Field(description="Give it back as ?cursor= (and If-None-Match) on the next sync")
    full: bool = Field(description="The cursor was absent or unknown: every document is here")
    centers: list[Center] | None = Field(description="null: unchanged since the cursor")
    announcements: list[Announcement] | None = Field(description="In force now; null: unchanged")
    rates: Rates | None = Field(description="null: unchanged since the cursor")


def _version(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _known(cursor: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (cursor or "").split("."):
        name, _, version = part.partition(":")
        if name in DOCUMENTS and version:
            out[name] = version
    return out


@router.get(
    "/info/changes",
    response_model=InfoChanges,
    responses={
        **responses(404, 422),
        304: {"description": "Nothing changed since the cursor in If-None-Match"},
    },
)
async def info_changes(
    ctx: Ctx,
    kiosk: CurrentKiosk,
    cursor: Annotated[
        str | None, Query(max_length=200, description="From the last answer; none: all")
    ] = None,
    center_id: Annotated[
        str | None, Query(max_length=16, description="Whose announcements; default: the kiosk's center")
    ] = None,
    if_none_match: Annotated[str | None, Header(max_length=220)] = None,
) -> Response:
    """The public information documents that changed since ``cursor`` (404 for an unknown center)."""
    with ctx.engine.connect() as conn:
        centers = [c.model_dump(mode="json", by_alias=True) for c in load_centers(conn)]
    announcements = (await list_announcements(ctx, kiosk, center_id)).model_dump(mode="json", by_alias=True)[
        "announcements"
    ]
    rates = (await get_rates(ctx, kiosk)).model_dump(mode="json", by_alias=True)
    docs: dict[str, Any] = {"centers": centers, "announcements": announcements, "rates": rates}
    versions = {name: _version(docs[name]) for name in DOCUMENTS}
    cursor_out = ".".join(f"{name}:{versions[name]}" for name in DOCUMENTS)
    known = _known(cursor)
    etag = f'"{cursor_out}"'
    if cursor == cursor_out and if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    body = {"cursor": cursor_out, "full": len(known) < len(DOCUMENTS)}
    for name in DOCUMENTS:
        body[name] = docs[name] if known.get(name) != versions[name] else None
    return JSONResponse(body, headers={"ETag": etag})
