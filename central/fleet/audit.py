"""The technicians' audit trail from the kiosks: who did what, when, with what result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.fleet.schemas import AuditRecord
from service_common.redact import mask_card_numbers


def record(engine: Engine, kiosk_id: str, rec: AuditRecord, now: datetime) -> bool:
    """Store one action; False when this id was already stored (a resend)."""
    a = db.fleet_audit
    with db.write_transaction(engine) as conn:
        if conn.execute(sa.select(a.c.id).where(a.c.id == rec.id)).first() is not None:
            return False
        conn.execute(
            sa.insert(a).values(
                id=rec.id,
                kiosk_id=kiosk_id,
                at=rec.at,
                who=rec.who,
                action=rec.action,
                result=rec.result,
                detail=mask_card_numbers(rec.detail),
                received_at=now,
            )
        )
    return True


def recent(engine: Engine, kiosk_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    a = db.fleet_audit
    query = sa.select(a.c.kiosk_id, a.c.at, a.c.who, a.c.action, a.c.result, a.c.detail)
    if kiosk_id is not None:
        query = query.where(a.c.kiosk_id == kiosk_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(a.c.at.desc()).limit(limit)).all()
    return [r._asdict() for r in rows]
