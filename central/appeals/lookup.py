"""The visitor's side: an appeal's status by number and phone digits (or e-mail), and satisfaction.

Number plus the last four phone digits is all the proof there is, so wrong tries are counted per
number: five within 15 minutes lock it for 15 minutes (the same rule as appointments' manage page,
central.appointments.visitor), and a wrong number answers exactly like wrong digits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db
from central.appeals import desk, texts
from central.appeals.schemas import AnswerOut, AppealStatusOut, HistoryEntry
from central.appeals.settings import AppealSettings
from central.schemas import I18nText
from service_common.appeals import RegistrationNumber, answer_deadline

LOCK_TRIES = 5
LOCK_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
KEEP_ATTEMPTS = timedelta(days=1)

INTERNAL_ACTIONS = frozenset(
    {"routed", "assigned", "reminded", "note", "satisfaction", "repeat_proposed", "followup", "no_answer"}
)
"""History rows staff see but the visitor does not."""


class Locked(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class NotFound(Exception):
    """Wrong number, or wrong digits: the visitor is told the same either way."""


def normalize(number: str) -> str | None:
    try:
        return str(RegistrationNumber.parse(number))
    except ValueError:
        return None


def _locked_until(conn: Connection, number: str, now: datetime) -> datetime | None:
    t = db.appeal_attempts
    recent = list(
        conn.execute(
            sa.select(t.c.at).where(t.c.number == number).order_by(t.c.at.desc()).limit(LOCK_TRIES)
        ).scalars()
    )
    if len(recent) < LOCK_TRIES or recent[0] - recent[-1] > LOCK_WINDOW:
        return None
    until: datetime = recent[0] + LOCK_FOR
    return until if now < until else None


def prove(engine: Engine, raw_number: str, last4: str | None, email: str | None, now: datetime) -> Any:
    """The appeal row when number and digits (or e-mail) match; raises Locked or NotFound."""
    raw_number = raw_number.replace("\x00", "")
    number = normalize(raw_number) or raw_number.strip()[:24]  # the column's width, on every database
    a, t = db.appeals, db.appeal_attempts
    with engine.connect() as conn:
        until = _locked_until(conn, number, now)
        if until is not None:
            raise Locked(until)
        row = conn.execute(sa.select(a).where(a.c.number == number)).first()
    ok = row is not None and (
        (last4 is not None and row.phone_last4 is not None and row.phone_last4 == last4)
        or (email is not None and row.email is not None and row.email == email.strip().casefold())
    )
    with db.write_transaction(engine) as conn:
        if ok:
            conn.execute(sa.delete(t).where(t.c.number == number))
            return row
        conn.execute(sa.delete(t).where(t.c.number == number, t.c.at < now - KEEP_ATTEMPTS))
        conn.execute(sa.insert(t).values(number=number, at=now))
        until = _locked_until(conn, number, now)
    if until is not None:
        raise Locked(until)
    raise NotFound


def _note(value: Any, status: str) -> I18nText | str | None:
    """The staff's words (a str), a stored multilingual note, or the status's own words."""
    if isinstance(value, str):
        return value
    value = value if isinstance(value, dict) else texts.STATUS_NOTES.get(status)
    return I18nText.model_validate(value) if value else None


def can_rate(row: Any, settings: AppealSettings) -> bool:
    """Asked after an answer to a complaint, until answered, or "no answer" was given N times."""
    if row.kind != "complaint" or row.status != "answered":
        return False
    return row.satisfaction is None or (
        row.satisfaction == "no_answer" and row.no_answer_count < settings.no_answer_asks
    )


def view(conn: Connection, row: Any, settings: AppealSettings) -> AppealStatusOut:
    e, ans = db.appeal_events, db.appeal_answers
    history = [
        HistoryEntry(status=ev.status, at=ev.at, note=_note(ev.note, ev.status))
        for ev in conn.execute(
            sa.select(e.c.status, e.c.at, e.c.note, e.c.action)
            .where(e.c.appeal_id == row.id)
            .order_by(e.c.id)
        )
        if ev.action not in INTERNAL_ACTIONS
    ]
    answer = None
    if row.status in ("answered", "closed"):
        latest = conn.execute(
            sa.select(ans).where(ans.c.appeal_id == row.id).order_by(ans.c.id.desc()).limit(1)
        ).first()
        if latest is not None:
            answer = AnswerOut(
                text=latest.text, by_name=latest.by_name, by_contact=latest.by_contact, at=latest.at
            )
    return AppealStatusOut(
        number=row.number,
        kind=row.kind,
        status=row.status,
        filed_at=row.filed_at,
        deadline=row.due_on if row.due_on is not None else row.deadline,
        history=history,
        info_request=row.info_request if row.status == "needs_info" else None,
        answer=answer,
        satisfaction=row.satisfaction,
        can_rate=can_rate(row, settings),
    )


def status(engine: Engine, row: Any, settings: AppealSettings) -> AppealStatusOut:
    with engine.connect() as conn:
        fresh = conn.execute(sa.select(db.appeals).where(db.appeals.c.id == row.id)).one()
        return view(conn, fresh, settings)


class CannotRate(Exception):
    """Satisfaction asked where it is not (yet) asked: not a complaint, not answered, already final."""


def rate(
    engine: Engine, row: Any, request_id: str, answer: str, now: datetime, settings: AppealSettings
) -> AppealStatusOut:
    """Record the visitor's satisfaction once per request id; "not_satisfied" reopens the appeal."""
    a, e = db.appeals, db.appeal_events
    with db.write_transaction(engine) as conn:
        seen = conn.execute(sa.select(e.c.id).where(e.c.request_id == request_id)).first()
        current = conn.execute(sa.select(a).where(a.c.id == row.id)).one()
        if seen is None:
            if not can_rate(current, settings):
                raise CannotRate
            values: dict[str, Any] = {"satisfaction": answer, "updated_at": now}
            status, note = current.status, None
            if answer == "no_answer":
                values["no_answer_count"] = current.no_answer_count + 1
            elif answer == "not_satisfied":
                status, note = "in_progress", texts.REOPENED_NOTE
                # Reopened: a fresh answer period from today (or the later date staff set), never overdue at once.
                today = desk.local_today(conn, current.center_id, now)
                country, subdiv = desk.calendar(conn, current.center_id)
                fresh = answer_deadline(today, current.kind, current.source, country, subdiv)
                dates = [d for d in (fresh, current.due_on) if d is not None]
                values.update(status=status, due_on=max(dates) if dates else None)
            conn.execute(sa.update(a).where(a.c.id == row.id).values(**values))
            conn.execute(
                sa.insert(e).values(
                    appeal_id=row.id, request_id=request_id, at=now, action="satisfaction" if note is None else "reopened",
                    status=status, by="visitor", note=note, data={"answer": answer},
                )
            )  # fmt: skip
            current = conn.execute(sa.select(a).where(a.c.id == row.id)).one()
        return view(conn, current, settings)
