"""The kiosk token check on every ``/api/v1`` request.

The database keeps only a token's SHA-256 (see :mod:`central.tokens`), so the check is one
indexed read and a stolen database copy hands out no working tokens. Revocation takes
effect on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from central import db
from central.context import Context, get_context
from central.errors import ApiError
from central.tokens import hash_token

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


def authenticate(ctx: Context, token: str) -> Kiosk | None:
    """The kiosk owning ``token`` if it is known and not revoked; notes that it was seen."""
    k = db.kiosks
    with ctx.engine.connect() as conn:
        row = conn.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None or row.revoked_at is not None:
        return None
    now = ctx.clock.now()
    if _stale(row.last_seen_at, now):
        # Its own short transaction: no read-then-write lock upgrade that a concurrent CLI write could fail.
        with db.write_transaction(ctx.engine) as conn:
            conn.execute(sa.update(k).where(k.c.id == row.id).values(last_seen_at=now))
    return Kiosk(id=row.id, center_id=row.center_id, serial=row.serial)


def _stale(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION or now < last_seen


async def require_kiosk(
    ctx: Annotated[Context, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Kiosk:
    """Dependency of every ``/api/v1`` route; runs inline (async) like the endpoints themselves."""
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing bearer token")
    kiosk = authenticate(ctx, credentials.credentials)
    if kiosk is None:
        raise _unauthorized("unknown or revoked token")
    return kiosk


CurrentKiosk = Annotated[Kiosk, Depends(require_kiosk)]
