"""The kiosk token check on every ``/api/v1`` request.

The database keeps only a token's SHA-256 (see :mod:`central.tokens`), so the check is one
indexed read and a stolen database copy hands out no working tokens. A token found good is
trusted for :data:`TOKEN_CACHE_S` without reading again: a revocation takes effect at once in the
process that made it and within that second in every other (another worker, the command line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from central import db
from central.context import Context
from central.errors import ApiError
from central.tokens import changes, hash_token

TOKEN_CACHE_S = 1.0
"""How long a token found good is trusted before the database is read again. Reading it on every
request was a fifth of central's time for a ticket (``bench/central_queue``)."""
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
"""Write ``last_seen_at`` at most this often per kiosk: an fsync on every poll costs more than the read."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="kioskToken",
    description="Per-kiosk token printed by `kiosk-central kiosks add KIOSK-ID --center CENTER-ID`.",
)


@dataclass(frozen=True)
class Kiosk:
    id: str
    center_id: str
    serial: int = 0


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


_BY_TOKEN = sa.select(
    db.kiosks.c.id,
    db.kiosks.c.center_id,
    db.kiosks.c.revoked_at,
    db.kiosks.c.last_seen_at,
    db.kiosks.c.serial,
).where(db.kiosks.c.token_hash == sa.bindparam("token_hash"))
"""Built once: it runs on every request, and building a statement costs more than running it."""


@dataclass
class _Checked:
    kiosk: Kiosk
    last_seen: datetime | None
    until: float
    """``time.monotonic()`` deadline: a process-local cache, not business time."""
    changes: int
    """:func:`central.tokens.changes` when read: a revocation by this process ends it at once."""


def authenticate(ctx: Context, token: str) -> Kiosk | None:
    """The kiosk owning ``token`` if it is known and not revoked; notes that it was seen."""
    token_hash = hash_token(token)
    now = ctx.clock.now()
    checked: _Checked | None = ctx.kiosk_tokens.get(token_hash)
    if checked is None or checked.until <= monotonic() or checked.changes != changes():
        generation = changes()
        with ctx.engine.connect() as conn:
            row = conn.execute(_BY_TOKEN, {"token_hash": token_hash}).first()
        if row is None or row.revoked_at is not None:
            ctx.kiosk_tokens.pop(token_hash, None)
            return None
        kiosk = Kiosk(id=row.id, center_id=row.center_id, serial=row.serial)
        checked = _Checked(kiosk, row.last_seen_at, monotonic() + TOKEN_CACHE_S, generation)
        ctx.kiosk_tokens[token_hash] = checked
    if _stale(checked.last_seen, now):
        # Its own short transaction: no read-then-write lock upgrade that a concurrent CLI write could fail.
        k = db.kiosks
        with db.write_transaction(ctx.engine) as conn:
            conn.execute(sa.update(k).where(k.c.id == checked.kiosk.id).values(last_seen_at=now))
        checked.last_seen = now
    return checked.kiosk


def _stale(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION or now < last_seen


class KioskAuth(SecurityBase):
    """Dependency of every ``/api/v1`` route: the bearer token read and checked in one node.

    One node, not a function depending on :data:`bearer`: FastAPI walks every node of the
    dependency tree on every request, and this one runs on all of them (measured, a tenth of
    the framework's time per ticket). It names the same ``kioskToken`` scheme in the OpenAPI.
    Runs inline (async) like the endpoints; the context comes from the request.
    """

    def __init__(self) -> None:
        self.model = bearer.model
        self.scheme_name = bearer.scheme_name

    async def __call__(self, request: Request) -> Kiosk:
        scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("missing bearer token")
        kiosk = authenticate(request.app.state.central, token)
        if kiosk is None:
            raise _unauthorized("unknown or revoked token")
        return kiosk


require_kiosk = KioskAuth()


CurrentKiosk = Annotated[Kiosk, Depends(require_kiosk)]
