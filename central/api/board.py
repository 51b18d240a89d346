"""The hall board's data: public (a TV has no token), small, and cheap enough to poll twice a second."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from central.context import Ctx
from central.errors import responses
from central.queue import views
from central.queue.schemas import Board

router = APIRouter(tags=["board"])


@router.get("/board/{center_id}", response_model=Board, responses=responses(404, 422))
async def get_board(ctx: Ctx, center_id: Annotated[str, Path(max_length=16)]) -> Board:
    """The latest calls of the center today with their counters, newest first; no token needed.

    It shows only what the hall screen shows anyway: ticket numbers and counters.
    """
    return views.board(ctx, center_id)
