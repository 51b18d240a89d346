"""Spotting a repeat: the same contact asking again, in much the same words, what was answered twice.

The standard lets such an appeal go unconsidered, but only a person decides: this finds the
earlier ones and the staff page proposes the rejection; nothing here changes an appeal.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central import db
from central.appeals.settings import AppealSettings

LOOK_BACK = 50
"""Earlier appeals of one contact compared at most: enough for any real visitor, bounded for a bot."""


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, " ".join(a.casefold().split()), " ".join(b.casefold().split())).ratio()


def proposal(conn: Connection, row: Any, settings: AppealSettings) -> list[str]:
    """Numbers of earlier answered appeals this one repeats, when there are enough to reject it."""
    a, ans = db.appeals, db.appeal_answers
    same_contact = []
    if row.phone:
        same_contact.append(a.c.phone == row.phone)
    if row.email:
        same_contact.append(a.c.email == row.email)
    if not same_contact:
        return []
    answered = sa.select(ans.c.appeal_id).distinct().scalar_subquery()
    earlier = conn.execute(
        sa.select(a.c.number, a.c.text)
        .where(sa.or_(*same_contact), a.c.id != row.id, a.c.filed_at <= row.filed_at, a.c.id.in_(answered))
        .order_by(a.c.filed_at.desc(), a.c.number.desc())
        .limit(LOOK_BACK)
    ).all()
    similar = [e.number for e in earlier if similarity(e.text, row.text) >= settings.repeat_similarity]
    return similar if len(similar) >= settings.repeat_answered else []
