"""The thinnest correct ticket creation: the reference ``bench/central_queue.py`` divides by.

FastAPI + SQLAlchemy Core on the same database and engine settings as the product, with the same
transaction semantics (idempotent by request_id: a retry gets the first answer's bytes; numbers
from one sequence per service and day, never twice) and the same answer fields, and nothing else:
three statements (seen?, take the number and the line's count, insert). Kiosk tokens and services
are read once at start; the place in line is the line's count (no priorities), the estimate a
fixed pace. On SQLite the handler runs inline (``BEGIN IMMEDIATE``); on PostgreSQL in the
threadpool, the row locked by the UPDATE.

Run by the bench: ``THIN_DB=url THIN_TOKENS=json python -m uvicorn bench._thin_central:app``.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import FastAPI, Header
from fastapi.responses import Response
from pydantic import BaseModel

from central import db

ref = sa.MetaData()
ref_lines = sa.Table(
    "ref_lines",
    ref,
    sa.Column("service_id", sa.String(32), primary_key=True),
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("next_number", sa.Integer, nullable=False),
    sa.Column("waiting", sa.Integer, nullable=False),
)
ref_tickets = sa.Table(
    "ref_tickets",
    ref,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False, unique=True),
    sa.Column("kiosk", sa.String(64), nullable=False),
    sa.Column("service_id", sa.String(32), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("response", sa.Text, nullable=False),
    sa.UniqueConstraint("service_id", "business_date", "number"),
)
_bp = sa.bindparam
SEEN = sa.select(ref_tickets.c.kiosk, ref_tickets.c.service_id, ref_tickets.c.response).where(
    ref_tickets.c.request_id == _bp("request_id")
)
TAKE = (
    sa.update(ref_lines)
    .where(ref_lines.c.service_id == _bp("s"), ref_lines.c.business_date == _bp("d"))
    .values(next_number=ref_lines.c.next_number + 1, waiting=ref_lines.c.waiting + 1)
    .returning(ref_lines.c.next_number, ref_lines.c.waiting)
)
START = sa.insert(ref_lines)
INSERT = sa.insert(ref_tickets)


class Create(BaseModel):
    request_id: str
    service_id: str
    priority: str = "none"
    issued_by: str = "kiosk"
    language: str = "ru"


engine = db.create_engine(os.environ.get("THIN_DB", "thin.db"))
with contextlib.suppress(sa.exc.DBAPIError):  # another worker made them at the same moment
    ref.create_all(engine, checkfirst=True)
TOKENS: dict[str, str] = json.loads(os.environ.get("THIN_TOKENS", "{}"))
with engine.connect() as _conn:
    SERVICES = {
        r.id: (r.center_id, r.prefix, ZoneInfo(r.timezone))
        for r in _conn.execute(
            sa.select(
                db.services.c.id, db.services.c.center_id, db.services.c.prefix, db.centers.c.timezone
            ).join(db.centers, db.centers.c.id == db.services.c.center_id)
        )
    }
app = FastAPI()


def _error(status: int, code: str) -> Response:
    return Response(json.dumps({"error": code, "message": code}), status, media_type="application/json")


def _create(body: Create, authorization: str) -> Response:
    """A retry racing its first attempt loses at the unique request_id: run again, a replay."""
    try:
        return _create_once(body, authorization)
    except sa.exc.IntegrityError:
        return _create_once(body, authorization)


def _create_once(body: Create, authorization: str) -> Response:
    center = TOKENS.get(authorization.removeprefix("Bearer "))
    svc = SERVICES.get(body.service_id)
    if center is None:
        return _error(401, "unauthorized")
    if svc is None or svc[0] != center:
        return _error(404, "not_found")
    now = datetime.now(UTC)
    day = now.astimezone(svc[2]).date()
    with db.write_transaction(engine) as conn:
        seen = conn.execute(SEEN, {"request_id": body.request_id}).first()
        if seen is not None:
            if seen.kiosk != center or seen.service_id != body.service_id:
                return _error(409, "idempotency_conflict")
            return Response(seen.response, 200, media_type="application/json")
        row = conn.execute(TAKE, {"s": body.service_id, "d": day}).first()
        if row is None:
            conn.execute(
                START, {"service_id": body.service_id, "business_date": day, "next_number": 2, "waiting": 1}
            )
            number, ahead = 1, 0
        else:
            number, ahead = int(row.next_number) - 1, int(row.waiting) - 1
        ticket_id = uuid.uuid4().hex
        ticket: dict[str, Any] = {
            "id": ticket_id,
            "request_id": body.request_id,
            "center_id": center,
            "service_id": body.service_id,
            "prefix": svc[1],
            "number": number,
            "display": f"{svc[1]}{number:03d}",
            "priority": body.priority,
            "status": "waiting",
            "business_date": day.isoformat(),
            "issued_at": now.isoformat().replace("+00:00", "Z"),
            "called_at": None,
            "counter": None,
            "people_ahead": ahead,
            "estimated_wait_min": ahead * 5,
            "language": body.language,
            "issued_by": body.issued_by,
            "lease_id": None,
            "status_url": f"http://127.0.0.1/t/{ticket_id}",
        }
        text = json.dumps({"ticket": ticket})
        conn.execute(
            INSERT,
            {
                "id": ticket_id,
                "request_id": body.request_id,
                "kiosk": center,
                "service_id": body.service_id,
                "business_date": day,
                "number": number,
                "response": text,
            },
        )
    return Response(text, 201, media_type="application/json")


if engine.dialect.name == "sqlite":

    @app.post("/api/v1/tickets")
    async def create_inline(body: Create, authorization: str = Header("")) -> Response:
        return _create(body, authorization)

else:

    @app.post("/api/v1/tickets")
    def create_threaded(body: Create, authorization: str = Header("")) -> Response:
        return _create(body, authorization)
