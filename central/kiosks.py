"""Registering kiosks and their tokens: what ``kiosk-central kiosks ...`` does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.tokens import hash_token, new_token, note_change
from service_common.clock import Clock

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""Same rule as ``kiosk.id`` in the kiosk's own configuration."""


class KioskAdminError(Exception):
    """A refusal worth one line to the operator (unknown center, unknown kiosk, bad id)."""


@dataclass(frozen=True)
class KioskInfo:
    id: str
    center_id: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


def add(engine: Engine, kiosk_id: str, center_id: str, clock: Clock) -> str:
    """Register ``kiosk_id`` at ``center_id`` and return its new token (shown once, stored hashed).

    Adding an existing id issues a new token (the old one stops working), moves the kiosk to
    ``center_id`` and lifts a revocation: the way to re-provision a replaced or moved kiosk. A new
    kiosk gets the next ``serial``; a re-provisioned one keeps its own, so its appeal numbers stay unique.
    """
    if not _ID.match(kiosk_id):
        raise KioskAdminError(f"bad kiosk id {kiosk_id!r}: letters, digits, '.', '_' or '-', at most 64")
    token = new_token()
    now = clock.now()
    k, c = db.kiosks, db.centers
    with db.write_transaction(engine) as conn:
        if conn.execute(sa.select(c.c.id).where(c.c.id == center_id)).first() is None:
            raise KioskAdminError(f"unknown center {center_id!r} (seed-demo or add the center first)")
        values = {"center_id": center_id, "token_hash": hash_token(token), "revoked_at": None}
        updated = conn.execute(sa.update(k).where(k.c.id == kiosk_id).values(**values)).rowcount
        if not updated:
            # The short number in its appeals' registration numbers (service_common.appeals); 0 is central.
            serial = conn.execute(sa.select(sa.func.coalesce(sa.func.max(k.c.serial), 0) + 1)).scalar_one()
            conn.execute(
                sa.insert(k).values(id=kiosk_id, created_at=now, last_seen_at=None, serial=serial, **values)
            )
    note_change()
    return token


def revoke(engine: Engine, kiosk_id: str, clock: Clock) -> bool:
    """Stop ``kiosk_id``'s token from working; False if it was already revoked."""
    k = db.kiosks
    with db.write_transaction(engine) as conn:
        row = conn.execute(sa.select(k.c.revoked_at).where(k.c.id == kiosk_id)).first()
        if row is None:
            raise KioskAdminError(f"unknown kiosk {kiosk_id!r}")
        if row.revoked_at is not None:
            return False
        conn.execute(sa.update(k).where(k.c.id == kiosk_id).values(revoked_at=clock.now()))
    note_change()
    return True


def list_all(engine: Engine) -> list[KioskInfo]:
    k = db.kiosks
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(k.c.id, k.c.center_id, k.c.created_at, k.c.revoked_at, k.c.last_seen_at).order_by(
                k.c.id
            )
        ).all()
    return [
        KioskInfo(
            id=r.id,
            center_id=r.center_id,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
            last_seen_at=r.last_seen_at,
        )
        for r in rows
    ]
