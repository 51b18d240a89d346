"""Which appeals a staff account may see and act on: its own center's, or all.

Agents and supervisors of a center work on that center's appeals: those filed at its kiosks or
registered there (``appeals.center_id``) and those routing gave to one of its staff (the handler's
account belongs to the center). Head-office staff (``center_id`` None) and admins see every
center. The same condition filters the lists and guards each action, so an appeal of another
center is refused (403), not just left out of a list.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from central import db


def center_of(role: str, center_id: str | None) -> str | None:
    """The one center an account is limited to; None = every center."""
    return None if role == "admin" else center_id


def visible(center_id: str | None) -> ColumnElement[bool]:
    """The WHERE condition for the appeals of ``center_id`` (always true for None)."""
    if center_id is None:
        return sa.true()
    a, s = db.appeals, db.staff
    handlers_here = sa.select(s.c.username).where(s.c.center_id == center_id)
    return sa.or_(a.c.center_id == center_id, a.c.handler.in_(handlers_here))


def allowed(conn: Connection, number: str, center_id: str | None) -> bool | None:
    """True/False for an existing appeal; None when there is no such appeal (the caller's 404)."""
    a = db.appeals
    row = conn.execute(
        sa.select(visible(center_id).label("ok")).select_from(a).where(a.c.number == number)
    ).first()
    return None if row is None else bool(row.ok)
