"""Appeals arriving from kiosks: validated one by one, stored a batch per transaction.

The kiosk made the number and printed the deadline while possibly offline; central keeps both
exactly as printed (the visitor holds that paper). Its own deadline computation is only compared,
and a difference is logged. A retried id answers what it answered the first time and stores
nothing; a number already held by another id is refused (``number_taken``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from central import db
from central.appeals import routing, texts
from central.appeals.schemas import AppealIn, AppealReceipt
from central.context import Context
from service_common.appeals import answer_deadline

log = logging.getLogger(__name__)

REFUSAL_STATUS = {"invalid_request": 422, "no_contact": 422, "unknown_center": 422, "number_taken": 409}
STATUS_PATH = "/appeals/status"


@dataclass(frozen=True)
class Outcome:
    id: str | None
    number: str | None
    outcome: Literal["stored", "duplicate", "refused"]
    error: str | None = None
    message: str = ""
    receipt: AppealReceipt | None = None


def check(raw: Mapping[str, Any] | AppealIn) -> AppealIn | Outcome:
    """A body as an AppealIn, or the refusal that names what is wrong with it."""
    if isinstance(raw, AppealIn):
        item = raw
    else:
        raw_id, raw_number = raw.get("id"), raw.get("number")
        ident = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None
        number = raw_number if isinstance(raw_number, str) and len(raw_number) <= 40 else None
        try:
            item = AppealIn.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return Outcome(ident, number, "refused", "invalid_request", f"{where}: {first['msg']}")
    if item.phone is None and item.email is None:
        return Outcome(str(item.id), item.number, "refused", "no_contact", "neither phone nor e-mail")
    return item


def _phone_last4(phone: str | None) -> str | None:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def _receipt(row: Any) -> AppealReceipt:
    return AppealReceipt(number=row.number, status=row.status, deadline=row.deadline)


@dataclass(frozen=True)
class _Center:
    zone: ZoneInfo
    country: str | None
    subdiv: str | None


def _centers(conn: Connection, ids: Iterable[str]) -> dict[str, _Center]:
    c = db.centers
    rows = conn.execute(
        sa.select(c.c.id, c.c.timezone, c.c.holiday_country, c.c.holiday_subdiv).where(c.c.id.in_(set(ids)))
    )
    return {r.id: _Center(ZoneInfo(r.timezone), r.holiday_country, r.holiday_subdiv) for r in rows}


def _deadline(item: AppealIn, center: _Center) -> date | None:
    """The printed deadline; central's own when the kiosk printed none for a kind that owes one."""
    filed_on = item.filed_at.astimezone(center.zone).date()
    ours = answer_deadline(filed_on, item.kind, item.source, center.country, center.subdiv)
    if item.deadline != ours and not (item.deadline is None and ours is not None):
        log.warning(
            "appeal %s: printed deadline %s, central counts %s (kept as printed)",
            item.number,
            item.deadline,
            ours,
        )
    return item.deadline if item.deadline is not None or ours is None else ours


def file_appeals(
    ctx: Context,
    bodies: Sequence[Mapping[str, Any] | AppealIn],
    kiosk_id: str | None,
    by: str,
    *,
    acknowledge: bool = True,
) -> list[Outcome]:
    """Store what is new, in one transaction; one outcome per body, in order.

    ``acknowledge``: queue the e-mail acknowledgement for appeals with an e-mail (not for demo data).
    """
    checked = [check(body) for body in bodies]
    items = [c for c in checked if isinstance(c, AppealIn)]
    if not items:
        return [c for c in checked if isinstance(c, Outcome)]
    now = ctx.clock.now()
    a = db.appeals
    ids = {str(i.id) for i in items}
    numbers = {i.number for i in items}
    outcomes: dict[int, Outcome] = {}
    with db.write_transaction(ctx.engine) as conn:
        known = {
            r.id: r
            for r in conn.execute(
                sa.select(a.c.id, a.c.number, a.c.status, a.c.deadline).where(a.c.id.in_(ids))
            )
        }
        taken = set(conn.execute(sa.select(a.c.number).where(a.c.number.in_(numbers))).scalars())
        centers = _centers(conn, {i.center_id for i in items})
        routes = routing.load(conn)
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        notices: list[dict[str, Any]] = []
        fresh: dict[str, AppealReceipt] = {}
        for pos, item in enumerate(checked):
            if not isinstance(item, AppealIn):
                continue
            ident = str(item.id)
            if ident in known:
                outcomes[pos] = Outcome(
                    ident, known[ident].number, "duplicate", receipt=_receipt(known[ident])
                )
                continue
            if ident in fresh:
                outcomes[pos] = Outcome(ident, item.number, "duplicate", receipt=fresh[ident])
                continue
            if item.number in taken:
                outcomes[pos] = Outcome(
                    ident, item.number, "refused", "number_taken", "number already registered"
                )
                continue
            center = centers.get(item.center_id)
            if center is None:
                outcomes[pos] = Outcome(ident, item.number, "refused", "unknown_center", "no such center")
                continue
            deadline = _deadline(item, center)
            rows.append(
                _row(
                    item,
                    kiosk_id,
                    now,
                    deadline,
                    routes.department(item.center_id, center.subdiv, item.topic),
                )
            )
            events.append(
                {"appeal_id": ident, "request_id": None, "at": now, "action": "registered",
                 "status": "registered", "by": by, "note": None, "data": None}
            )  # fmt: skip
            if item.email and acknowledge:
                notices.append(_ack(ctx, item, ident, deadline, now))
            taken.add(item.number)
            fresh[ident] = AppealReceipt(number=item.number, status="registered", deadline=deadline)
            outcomes[pos] = Outcome(ident, item.number, "stored", receipt=fresh[ident])
        if rows:
            conn.execute(sa.insert(a), rows)
            conn.execute(sa.insert(db.appeal_events), events)
        if notices:
            conn.execute(sa.insert(db.appeal_notices), notices)
    return [c if isinstance(c, Outcome) else outcomes[pos] for pos, c in enumerate(checked)]


def _row(
    item: AppealIn, kiosk_id: str | None, now: datetime, deadline: date | None, dept: str | None
) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "number": item.number,
        "kind": item.kind,
        "source": item.source,
        "kiosk_id": kiosk_id,
        "center_id": item.center_id,
        "filed_at": item.filed_at,
        "received_at": now,
        "lang": item.lang,
        "name": item.name,
        "phone": item.phone,
        "phone_last4": _phone_last4(item.phone),
        "email": item.email.casefold() if item.email else None,
        "reply_by": item.reply_by,
        "topic": item.topic or None,
        "text": item.text,
        "concerns": item.concerns,
        "happened_on": item.happened_on,
        "kb_query": item.kb_query,
        "deadline": deadline,
        "due_on": deadline,
        "status": "registered",
        "reject_reason": None,
        "department_id": dept,
        "handler": None,
        "paused_on": None,
        "info_request": None,
        "satisfaction": None,
        "no_answer_count": 0,
        "reminded_on": None,
        "updated_at": now,
    }


def _ack(ctx: Context, item: AppealIn, ident: str, deadline: date | None, now: datetime) -> dict[str, Any]:
    url = f"{ctx.links.public_url}{STATUS_PATH}?n={item.number}"
    subject, text = texts.ack(item.lang, item.name, item.number, deadline, url)
    return {
        "id": uuid.uuid4().hex,
        "appeal_id": ident,
        "purpose": "ack",
        "channel": "email",
        "to": item.email,
        "language": item.lang,
        "subject": subject[:200],
        "text": text,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "sent_at": None,
        "last_error": None,
    }
