"""The satisfaction follow-up: central asks the visitor "are you satisfied?" after answering a complaint.

``[appeals] followup_after_days`` working days (at the appeal's center) after the answer, a sweep
writes a message to the contact the visitor chose for the answer (SMS or e-mail; a letter or "at
the center" gets none) in their language, with the status page link where they answer. When the
same interval passes again with no answer from the visitor, that counts as a "no_answer" (as if
they had chosen "not sure"), and the question is asked again while fewer than ``no_answer_asks``
such answers stand; then it stops. "Not satisfied" reopens the appeal (central.appeals.lookup).

Each ask is a notice with an id made from the appeal and the ask's ordinal, written in one
transaction with its history row, so a crash and a rerun neither lose nor repeat one; the
notice is sent by :func:`central.appeals.sweep.send_notices` through the reminder channels, whose
adapters replace a message resent under the same id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db
from central.appeals import desk, lookup, texts
from central.appeals.settings import AppealSettings
from service_common.appeals import add_working_days

NOTICE_IDS = uuid.UUID("6f1d3a52-9c1e-4f0b-8a57-3d2b1f0c7e41")
LANGS = ("ru", "zh-Hant", "en")


def notice_id(appeal_id: str, answered_at: datetime, ask: int) -> str:
    """The same id for the same ask about the same answer, whoever writes it and however often."""
    return uuid.uuid5(NOTICE_IDS, f"{appeal_id}/{answered_at.isoformat()}/satisfaction/{ask}").hex


def _contact(row: Any) -> tuple[str, str] | None:
    if row.reply_by == "sms" and row.phone:
        return "sms", str(row.phone)
    if row.reply_by == "email" and row.email:
        return "email", str(row.email)
    return None


def _due(conn: Connection, row: Any, since: datetime, now: datetime, settings: AppealSettings) -> bool:
    """Have ``followup_after_days`` working days at the appeal's center passed since ``since``?"""
    country, subdiv = desk.calendar(conn, row.center_id)
    since_day = desk.local_today(conn, row.center_id, since)
    due_day = add_working_days(since_day, settings.followup_after_days, country, subdiv)
    return desk.local_today(conn, row.center_id, now) >= due_day


def _events(conn: Connection, appeal_id: str) -> list[Any]:
    e = db.appeal_events
    return list(
        conn.execute(
            sa.select(e.c.at, e.c.action, e.c.status, e.c.by)
            .where(e.c.appeal_id == appeal_id)
            .order_by(e.c.id)
        )
    )


def _ask(conn: Connection, row: Any, answered_at: datetime, ask: int, now: datetime, status_url: str) -> bool:
    """Write ask number ``ask`` (notice + history) unless it exists already; True when written."""
    contact = _contact(row)
    n = db.appeal_notices
    key = notice_id(row.id, answered_at, ask)
    if contact is None or conn.execute(sa.select(n.c.id).where(n.c.id == key)).first() is not None:
        return False
    channel, to = contact
    lang = row.lang if row.lang in LANGS else "ru"
    url = f"{status_url}?n={row.number}&lang={lang}"
    conn.execute(
        sa.insert(n).values(
            id=key, appeal_id=row.id, purpose="satisfaction", channel=channel, to=to, language=lang,
            subject=texts.FOLLOWUP_SUBJECT[lang].format(number=row.number)[:200],
            text=texts.FOLLOWUP_TEXT[lang].format(name=row.name, number=row.number, url=url),
            status="pending", attempts=0, created_at=now,
        )
    )  # fmt: skip
    conn.execute(
        sa.insert(db.appeal_events).values(
            appeal_id=row.id, at=now, action="followup", status=row.status, by="system", note=None,
            data={"ask": ask, "channel": channel, "notice": key},
        )
    )  # fmt: skip
    return True


def _count_no_answer(conn: Connection, row: Any, now: datetime, ask: int) -> Any:
    """The visitor let ask number ``ask`` go unanswered: a provisional "no_answer", in the history."""
    a = db.appeals
    conn.execute(
        sa.update(a)
        .where(a.c.id == row.id)
        .values(satisfaction="no_answer", no_answer_count=row.no_answer_count + 1, updated_at=now)
    )
    conn.execute(
        sa.insert(db.appeal_events).values(
            appeal_id=row.id, at=now, action="no_answer", status=row.status, by="system", note=None,
            data={"ask": ask, "answer": "no_answer"},
        )
    )  # fmt: skip
    return conn.execute(sa.select(a).where(a.c.id == row.id)).one()


def ask_satisfaction(engine: Engine, now: datetime, status_url: str, settings: AppealSettings) -> int:
    """One sweep: asks written (first ones and repeats after an unanswered one); returns how many."""
    a = db.appeals
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                sa.select(a.c.id).where(
                    a.c.kind == "complaint",
                    a.c.status == "answered",
                    a.c.reply_by.in_(("sms", "email")),
                    # still asked (lookup.can_rate): the answered ones that are settled are not read again
                    sa.or_(
                        a.c.satisfaction.is_(None),
                        sa.and_(
                            a.c.satisfaction == "no_answer", a.c.no_answer_count < settings.no_answer_asks
                        ),
                    ),
                )
            ).scalars()
        )
    asked = 0
    for appeal_id in ids:
        with db.write_transaction(engine) as conn:
            row = conn.execute(sa.select(a).where(a.c.id == appeal_id)).one()
            if row.status != "answered" or _contact(row) is None:
                continue
            events = _events(conn, appeal_id)
            answered_at = max((ev.at for ev in events if ev.action == "answered"), default=None)
            asks = [ev for ev in events if ev.action == "followup" and answered_at and ev.at >= answered_at]
            if not asks:
                if answered_at is None or not _due(conn, row, answered_at, now, settings):
                    continue
                if lookup.can_rate(row, settings) and _ask(conn, row, answered_at, 1, now, status_url):
                    asked += 1
                continue
            last = asks[-1]
            assert answered_at is not None  # asks are counted from the answer
            if not _due(conn, row, last.at, now, settings):
                continue
            replied = any(ev.by == "visitor" and ev.at >= last.at for ev in events)
            if not replied and lookup.can_rate(row, settings):
                row = _count_no_answer(conn, row, now, len(asks))
            if lookup.can_rate(row, settings) and _ask(
                conn, row, answered_at, len(asks) + 1, now, status_url
            ):
                asked += 1
    return asked
