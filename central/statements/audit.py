"""The record of every block and unblock, which is also how a repeated request gets its first answer.

A kiosk that lost the answer to a block or an unblock asks again with the same ``request_id``. The
audit row written by the first attempt carries that id, so the repeat is answered from it instead of
acting twice (an unblock repeated would otherwise answer "not blocked" for a card it just unblocked).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from central import db


class RequestIdReused(Exception):
    """The request id was used before for another card, kiosk or action: a kiosk bug, never retried."""


def earlier(
    engine: Engine, request_id: str | None, *, kiosk_id: str, card_token: str, action: str
) -> str | None:
    """The reference the first attempt of this request recorded, or None when there was none."""
    if request_id is None:
        return None
    a = db.card_audit
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(a.c.kiosk_id, a.c.card_token, a.c.action, a.c.reference).where(
                a.c.request_id == request_id
            )
        ).first()
    if row is None:
        return None
    if (row.kiosk_id, row.card_token, row.action) != (kiosk_id, card_token, action):
        raise RequestIdReused(request_id)
    return str(row.reference)


def record(
    engine: Engine,
    *,
    at: datetime,
    action: str,
    card_token: str,
    kiosk_id: str,
    center_id: str,
    reference: str,
    request_id: str | None,
) -> None:
    """One audit row; a concurrent repeat of the same request that got here first has already written it."""
    try:
        with db.write_transaction(engine) as conn:
            conn.execute(
                sa.insert(db.card_audit).values(
                    at=at,
                    action=action,
                    card_token=card_token,
                    kiosk_id=kiosk_id,
                    center_id=center_id,
                    reference=reference,
                    request_id=request_id,
                )
            )
    except IntegrityError:
        if (
            request_id is None
            or earlier(engine, request_id, kiosk_id=kiosk_id, card_token=card_token, action=action) is None
        ):
            raise
