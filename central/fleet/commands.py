"""The command queue: central queues, the kiosk pulls with its heartbeat (kiosks sit behind NAT and
firewalls; nothing connects to them), acknowledges, runs and reports a result. Every command
expires: a kiosk switched off for a week must not reboot itself on Monday for a request nobody
remembers. Statuses: queued → sent (handed out with a heartbeat) → acknowledged → done | failed,
or expired. A command handed out but not acknowledged is handed out again (the answer may have
been lost); the kiosk runs each id once.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.fleet.schemas import CommandOut

KINDS = db.FLEET_COMMAND_KINDS
DEFAULT_EXPIRY = timedelta(minutes=30)
MAX_UPLOAD = 8 * 2**20


class CommandError(Exception):
    """A refusal worth one line; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def queue(
    engine: Engine,
    kiosk_id: str,
    kind: str,
    params: dict[str, Any],
    created_by: str,
    now: datetime,
    expires_in: timedelta = DEFAULT_EXPIRY,
) -> str:
    if kind not in KINDS:
        raise CommandError(422, "unknown_command", f"unknown command {kind!r}: {', '.join(KINDS)}")
    k, c = db.kiosks, db.fleet_commands
    command_id = secrets.token_hex(8)
    with db.write_transaction(engine) as conn:
        row = conn.execute(sa.select(k.c.revoked_at).where(k.c.id == kiosk_id)).first()
        if row is None or row.revoked_at is not None:
            raise CommandError(404, "not_found", f"unknown or revoked kiosk {kiosk_id!r}")
        conn.execute(
            sa.insert(c).values(
                id=command_id,
                kiosk_id=kiosk_id,
                kind=kind,
                params=params,
                created_by=created_by,
                created_at=now,
                expires_at=now + expires_in,
                status="queued",
            )
        )
    return command_id


_PENDING = sa.select(db.fleet_commands).where(
    db.fleet_commands.c.kiosk_id == sa.bindparam("kiosk_id"),
    db.fleet_commands.c.status.in_(("queued", "sent")),
)


def pull(conn: sa.Connection, kiosk_id: str, now: datetime) -> list[CommandOut]:
    """Inside the heartbeat's transaction: what this kiosk should run now (expired ones are closed)."""
    c = db.fleet_commands
    rows = conn.execute(_PENDING, {"kiosk_id": kiosk_id}).all()
    if not rows:
        return []
    out: list[CommandOut] = []
    for row in sorted(rows, key=lambda r: r.created_at):
        if row.expires_at <= now:
            conn.execute(sa.update(c).where(c.c.id == row.id).values(status="expired", finished_at=now))
            continue
        if row.status == "queued":
            conn.execute(sa.update(c).where(c.c.id == row.id).values(status="sent", sent_at=now))
        out.append(CommandOut(id=row.id, kind=row.kind, params=row.params, expires_at=row.expires_at))
    return out


def _row(conn: sa.Connection, kiosk_id: str, command_id: str) -> Any:
    c = db.fleet_commands
    row = conn.execute(sa.select(c).where(c.c.id == command_id, c.c.kiosk_id == kiosk_id)).first()
    if row is None:
        raise CommandError(404, "not_found", "no such command for this kiosk")
    return row


def acknowledge(engine: Engine, kiosk_id: str, command_id: str, now: datetime) -> str:
    c = db.fleet_commands
    with db.write_transaction(engine) as conn:
        row = _row(conn, kiosk_id, command_id)
        if row.status in ("queued", "sent"):
            conn.execute(sa.update(c).where(c.c.id == command_id).values(status="acknowledged", acked_at=now))
            return "acknowledged"
        return str(row.status)


def finish(
    engine: Engine, kiosk_id: str, command_id: str, ok: bool, result: dict[str, Any], now: datetime
) -> str:
    """Record the outcome once; a repeated report (a lost answer) changes nothing."""
    c = db.fleet_commands
    with db.write_transaction(engine) as conn:
        row = _row(conn, kiosk_id, command_id)
        if row.status in ("done", "failed", "expired"):
            return str(row.status)
        status = "done" if ok else "failed"
        conn.execute(
            sa.update(c)
            .where(c.c.id == command_id)
            .values(status=status, result=result, finished_at=now, acked_at=row.acked_at or now)
        )
        return status


def upload(
    engine: Engine, kiosk_id: str, command_id: str, content_type: str, data: bytes, now: datetime
) -> None:
    if len(data) > MAX_UPLOAD:
        raise CommandError(413, "too_large", f"uploads are limited to {MAX_UPLOAD} bytes")
    u = db.fleet_uploads
    with db.write_transaction(engine) as conn:
        _row(conn, kiosk_id, command_id)
        conn.execute(sa.delete(u).where(u.c.command_id == command_id))
        conn.execute(
            sa.insert(u).values(command_id=command_id, content_type=content_type, data=data, created_at=now)
        )


def get(engine: Engine, command_id: str) -> dict[str, Any] | None:
    c, u = db.fleet_commands, db.fleet_uploads
    with engine.connect() as conn:
        row = conn.execute(sa.select(c).where(c.c.id == command_id)).first()
        if row is None:
            return None
        up = conn.execute(
            sa.select(u.c.content_type, sa.func.length(u.c.data)).where(u.c.command_id == command_id)
        ).first()
    out = row._asdict()
    out["upload"] = None if up is None else {"content_type": up[0], "bytes": int(up[1])}
    return out


def upload_of(engine: Engine, command_id: str) -> tuple[str, bytes] | None:
    u = db.fleet_uploads
    with engine.connect() as conn:
        row = conn.execute(sa.select(u.c.content_type, u.c.data).where(u.c.command_id == command_id)).first()
    return None if row is None else (str(row.content_type), bytes(row.data))


def recent(engine: Engine, kiosk_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    c = db.fleet_commands
    query = sa.select(
        c.c.id,
        c.c.kiosk_id,
        c.c.kind,
        c.c.status,
        c.c.created_by,
        c.c.created_at,
        c.c.finished_at,
        c.c.result,
    )
    if kiosk_id is not None:
        query = query.where(c.c.kiosk_id == kiosk_id)
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(query.order_by(c.c.created_at.desc()).limit(limit)).all()]
