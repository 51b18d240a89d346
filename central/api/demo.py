"""Time travel for demos: only a server started with ``--clock`` has it, never a real one.

``kiosk demo`` moves the kiosk's clock and central's together, so a visitor can book for
tomorrow, jump to the slot and check in, in one sitting. Not part of the kiosk contract.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from central.context import Ctx
from service_common.clock import OffsetClock

router = APIRouter(prefix="/demo", tags=["demo"], include_in_schema=False)


class ClockState(BaseModel):
    now: datetime


class ClockMove(BaseModel):
    now: datetime = Field(description="The instant to jump to, with its offset; never backwards")


@router.get("/clock", response_model=ClockState)
async def read_clock(ctx: Ctx) -> ClockState:
    return ClockState(now=ctx.clock.now())


@router.post("/clock", response_model=ClockState)
async def move_clock(ctx: Ctx, body: ClockMove) -> ClockState:
    """Jump forward to ``now`` (a jump backwards would break queue numbering: refused as a no-op)."""
    clock = ctx.clock
    assert isinstance(clock, OffsetClock)
    delta = body.now - clock.now()
    if delta.total_seconds() > 0:
        clock.jump(delta)
    return ClockState(now=clock.now())
