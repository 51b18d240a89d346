"""What staff do with an appeal: route, ask for information, extend, answer, close, reject.

Each action is one transaction that changes the appeal and writes one history row with who did it
(the audit trail). The visitor's own text is never touched. Asking for information pauses the
deadline clock; when the information comes the working days it stood still are added back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db
from central.appeals import texts
from service_common.appeals import REJECT_REASONS, add_working_days, working_days_between
from service_common.redact import mask_card_numbers

OPEN = ("registered", "in_progress", "extended", "overdue", "needs_info")
WORKING = ("registered", "in_progress", "extended", "overdue")
"""Open and not waiting on the visitor: the deadline clock runs."""


class DeskError(Exception):
    """A refused action: ``status`` and ``code`` for the HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Actor:
    username: str
    role: str


def local_today(conn: Connection, center_id: str, now: datetime) -> date:
    zone = conn.execute(sa.select(db.centers.c.timezone).where(db.centers.c.id == center_id)).scalar_one()
    return now.astimezone(ZoneInfo(zone)).date()


def calendar(conn: Connection, center_id: str) -> tuple[str | None, str | None]:
    c = db.centers
    row = conn.execute(sa.select(c.c.holiday_country, c.c.holiday_subdiv).where(c.c.id == center_id)).one()
    return row.holiday_country, row.holiday_subdiv


def _load(conn: Connection, number: str) -> Any:
    number = number.replace("\x00", "")
    row = conn.execute(sa.select(db.appeals).where(db.appeals.c.number == number)).first()
    if row is None:
        raise DeskError(404, "not_found", f"no appeal {number}")
    return row


def _need(row: Any, allowed: tuple[str, ...], action: str) -> None:
    if row.status not in allowed:
        raise DeskError(409, "wrong_status", f"cannot {action} an appeal that is {row.status}")


def _text(value: str, field: str, limit: int = 10000) -> str:
    value = mask_card_numbers(
        value.replace("\x00", "").strip()
    )  # NUL: never typed, and PostgreSQL refuses it
    if not value or len(value) > limit:
        raise DeskError(422, "invalid_request", f"{field}: 1 to {limit} characters")
    return value


def _event(
    conn: Connection,
    row: Any,
    actor: Actor,
    now: datetime,
    action: str,
    status: str,
    note: Any = None,
    **data: Any,
) -> None:
    conn.execute(
        sa.insert(db.appeal_events).values(
            appeal_id=row.id,
            at=now,
            action=action,
            status=status,
            by=actor.username,
            note=note,
            data=data or None,
        )
    )


def _update(conn: Connection, row: Any, now: datetime, **values: Any) -> None:
    conn.execute(sa.update(db.appeals).where(db.appeals.c.id == row.id).values(updated_at=now, **values))


def route(
    engine: Engine, actor: Actor, number: str, now: datetime, department_id: str | None, handler: str | None
) -> None:
    """Send to a department and/or a handler; a handler taking a registered appeal puts it in progress."""
    handler = handler.replace("\x00", "") if handler else None
    department_id = department_id.replace("\x00", "") if department_id else None
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        _need(row, OPEN, "route")
        values: dict[str, Any] = {}
        if handler:
            h = conn.execute(
                sa.select(db.appeal_handlers).where(db.appeal_handlers.c.username == handler)
            ).first()
            if h is None:
                raise DeskError(422, "unknown_handler", f"{handler} does not handle appeals")
            values["handler"] = handler
            values["department_id"] = department_id or h.department_id
        elif department_id:
            d = db.appeal_departments
            if conn.execute(sa.select(d.c.id).where(d.c.id == department_id)).first() is None:
                raise DeskError(422, "unknown_department", f"no department {department_id}")
            values["department_id"] = department_id
            values["handler"] = None
        else:
            raise DeskError(422, "invalid_request", "give a department or a handler")
        status = "in_progress" if row.status == "registered" and values.get("handler") else row.status
        _update(conn, row, now, status=status, **values)
        _event(conn, row, actor, now, "routed", status, **values)


def ask_info(engine: Engine, actor: Actor, number: str, now: datetime, request: str) -> None:
    """Ask the visitor for something: the deadline clock stops until the information comes."""
    request = _text(request, "request", 2000)
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        _need(row, WORKING, "ask for information on")
        today = local_today(conn, row.center_id, now)
        _update(conn, row, now, status="needs_info", paused_on=today, info_request=request)
        _event(conn, row, actor, now, "asked_info", "needs_info", note=request)


def info_received(
    engine: Engine, actor: Actor, number: str, now: datetime, note: str | None = None
) -> date | None:
    """The visitor answered: the clock runs again, with the working days it stood still added."""
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        _need(row, ("needs_info",), "resume")
        today = local_today(conn, row.center_id, now)
        country, subdiv = calendar(conn, row.center_id)
        paused = working_days_between(row.paused_on or today, today, country, subdiv)
        due = add_working_days(row.due_on, paused, country, subdiv) if row.due_on else None
        _update(conn, row, now, status="in_progress", paused_on=None, info_request=None, due_on=due)
        _event(
            conn, row, actor, now, "info_received", "in_progress", note=_text(note, "note", 2000) if note else None,
            paused_days=paused, due_on=due.isoformat() if due else None,
        )  # fmt: skip
        return due


def extend(
    engine: Engine, actor: Actor, number: str, now: datetime, new_date: date, reason: str | None
) -> None:
    """A later deadline, told to the visitor in the history (and by the status they look up)."""
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        _need(row, WORKING, "extend")
        if row.due_on is not None and new_date <= row.due_on:
            raise DeskError(422, "not_later", f"the new date must be after {row.due_on.isoformat()}")
        if new_date <= local_today(conn, row.center_id, now):
            raise DeskError(422, "not_later", "the new date must be in the future")
        note = {
            lang: f"{texts.STATUS_NOTES['extended'][lang]}: {new_date.isoformat()}" for lang in db.LANGUAGES
        }
        _update(conn, row, now, status="extended", due_on=new_date, reminded_on=None)
        _event(
            conn, row, actor, now, "extended", "extended", note=note, due_on=new_date.isoformat(),
            reason=_text(reason, "reason", 2000) if reason else None,
        )  # fmt: skip


def answer(engine: Engine, actor: Actor, number: str, now: datetime, text: str) -> None:
    """The answer goes with the handler's name and contact (the standard asks for both)."""
    text = _text(text, "text")
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        _need(row, (*OPEN, "answered"), "answer")  # answered again: an addition, asked about anew
        h = conn.execute(
            sa.select(db.appeal_handlers).where(db.appeal_handlers.c.username == actor.username)
        ).first()
        if h is not None:
            name, contact = h.name, h.contact
        else:
            d = db.appeal_departments
            dept = conn.execute(
                sa.select(d.c.contact).where(d.c.id == row.department_id)
            ).scalar_one_or_none()
            name, contact = actor.username, dept or ""
        conn.execute(
            sa.insert(db.appeal_answers).values(
                appeal_id=row.id,
                text=text,
                by_username=actor.username,
                by_name=name,
                by_contact=contact,
                at=now,
            )
        )
        _update(
            conn,
            row,
            now,
            status="answered",
            satisfaction=None,
            no_answer_count=0,
            paused_on=None,
            info_request=None,
        )
        _event(conn, row, actor, now, "answered", "answered")


def close(engine: Engine, actor: Actor, number: str, now: datetime) -> None:
    """Closed after an answer, or feedback (which owes none) once read."""
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        if not (row.status == "answered" or (row.kind == "feedback" and row.status in OPEN)):
            raise DeskError(409, "wrong_status", f"cannot close an appeal that is {row.status}")
        _update(conn, row, now, status="closed")
        _event(conn, row, actor, now, "closed", "closed")


def reject(engine: Engine, actor: Actor, number: str, now: datetime, reason: str, reply: str | None) -> None:
    """Not considered, for one of the standard's reasons; "not_competent" must say where to turn."""
    if reason not in REJECT_REASONS:
        raise DeskError(422, "invalid_request", f"reason must be one of {', '.join(REJECT_REASONS)}")
    reply = _text(reply, "reply", 2000) if reply else None
    if reason == "not_competent" and not reply:
        raise DeskError(422, "reply_required", "say where the visitor should turn")
    with db.write_transaction(engine) as conn:
        row = _load(conn, number)
        _need(row, OPEN, "reject")
        # The reason in the visitor's language, and the staff's own words (where to turn) after it.
        note: Any = texts.REJECT_NOTES[reason]
        if reply:
            note = f"{texts.pick(note, row.lang)}. {reply}"
        _update(conn, row, now, status="rejected", reject_reason=reason, paused_on=None, info_request=None)
        _event(conn, row, actor, now, "rejected", "rejected", note=note, reason=reason)
