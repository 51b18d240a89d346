"""What every request needs from the process: engine, clock and queue settings, set once by create_app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from central.queue.engine import QueueSettings
from central.queue.links import Links
from service_common.clock import Clock

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8470"


@dataclass(frozen=True)
class Context:
    engine: Engine
    clock: Clock
    version: str
    settings: QueueSettings = field(default_factory=QueueSettings)
    links: Links = field(default_factory=lambda: Links(DEFAULT_PUBLIC_URL))
    """``links.public_url`` is replaced by ``serve`` once it has bound its port (unless configured)."""
    kiosk_tokens: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Tokens checked lately (:func:`central.auth.authenticate`), by their hash."""


async def get_context(request: Request) -> Context:
    # async on purpose: a plain def dependency would be sent to the threadpool on every request.
    ctx: Context = request.app.state.central
    return ctx


Ctx = Annotated[Context, Depends(get_context)]
