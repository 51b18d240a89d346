"""Reading the registry for staff: the filtered list and one appeal with everything done to it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.appeals import repeats, scope
from central.appeals.desk import DeskError
from central.appeals.settings import AppealSettings
from central.appeals.staff_schemas import (
    Department,
    Handler,
    StaffAnswer,
    StaffAppeal,
    StaffAppealItem,
    StaffEvent,
)
from central.schemas import I18nText

LIST_LIMIT = 500


def count_overdue(engine: Engine, center_id: str | None = None) -> int:
    """Overdue appeals of ``center_id`` (None: of every center)."""
    a = db.appeals
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(a)
                .where(a.c.status == "overdue", scope.visible(center_id))
            ).scalar_one()
        )


def list_appeals(
    engine: Engine, username: str, which: str, status: str | None, center_id: str | None = None
) -> list[StaffAppealItem]:
    """``which``: mine (handled by ``username``), overdue, open, or all; newest first; of one center
    when ``center_id`` is given (see :mod:`central.appeals.scope`)."""
    a = db.appeals
    query = (
        sa.select(a)
        .where(scope.visible(center_id))
        .order_by(a.c.filed_at.desc(), a.c.number.desc())
        .limit(LIST_LIMIT)
    )
    if which == "mine":
        query = query.where(a.c.handler == username)
    elif which == "overdue":
        query = query.where(a.c.status == "overdue")
    elif which == "open":
        query = query.where(
            a.c.status.in_(("registered", "in_progress", "extended", "overdue", "needs_info"))
        )
    if status:
        query = query.where(a.c.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        StaffAppealItem(
            number=r.number, kind=r.kind, status=r.status, topic=r.topic, center_id=r.center_id, name=r.name,
            filed_at=r.filed_at, due_on=r.due_on, department_id=r.department_id, handler=r.handler,
        )
        for r in rows
    ]  # fmt: skip


def _note(value: Any) -> I18nText | str | None:
    if isinstance(value, dict):
        return I18nText.model_validate(value)
    return value if isinstance(value, str) else None


def one(engine: Engine, number: str, settings: AppealSettings) -> StaffAppeal:
    a, e, ans = db.appeals, db.appeal_events, db.appeal_answers
    with engine.connect() as conn:
        row = conn.execute(sa.select(a).where(a.c.number == number.replace("\x00", ""))).first()
        if row is None:
            raise DeskError(404, "not_found", f"no appeal {number}")
        events = conn.execute(sa.select(e).where(e.c.appeal_id == row.id).order_by(e.c.id)).all()
        answers = conn.execute(sa.select(ans).where(ans.c.appeal_id == row.id).order_by(ans.c.id)).all()
        open_ = row.status in ("registered", "in_progress", "extended", "overdue", "needs_info")
        repeat_of = repeats.proposal(conn, row, settings) if open_ else []
        departments = conn.execute(
            sa.select(db.appeal_departments).order_by(db.appeal_departments.c.id)
        ).all()
        handlers = conn.execute(sa.select(db.appeal_handlers).order_by(db.appeal_handlers.c.username)).all()
    return StaffAppeal(
        id=row.id, number=row.number, kind=row.kind, source=row.source, status=row.status,
        center_id=row.center_id, kiosk_id=row.kiosk_id, filed_at=row.filed_at, lang=row.lang, name=row.name,
        phone=row.phone, email=row.email, reply_by=row.reply_by, topic=row.topic, text=row.text,
        concerns=row.concerns, happened_on=row.happened_on, kb_query=row.kb_query, deadline=row.deadline,
        due_on=row.due_on, department_id=row.department_id, handler=row.handler, info_request=row.info_request,
        reject_reason=row.reject_reason, satisfaction=row.satisfaction,
        events=[
            StaffEvent(at=ev.at, action=ev.action, status=ev.status, by=ev.by, note=_note(ev.note), data=ev.data)
            for ev in events
        ],
        answers=[
            StaffAnswer(text=x.text, by_username=x.by_username, by_name=x.by_name, by_contact=x.by_contact, at=x.at)
            for x in answers
        ],
        repeat_of=repeat_of,
        departments=[Department(id=d.id, name=I18nText.model_validate(d.name), contact=d.contact) for d in departments],
        handlers=[Handler(username=h.username, department_id=h.department_id, name=h.name) for h in handlers],
    )  # fmt: skip
