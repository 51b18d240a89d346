"""What every request needs from the process: the engine and the clock, set once by create_app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from kiosk.clock import Clock


@dataclass(frozen=True)
class Context:
    engine: Engine
    clock: Clock
    version: str


async def get_context(request: Request) -> Context:
    # async on purpose: a plain def dependency would be sent to the threadpool on every request.
    ctx: Context = request.app.state.central
    return ctx


Ctx = Annotated[Context, Depends(get_context)]
