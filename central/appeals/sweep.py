"""The appeal sweeps (run by central.appointments.sweeper with the others): deadlines and messages.

An open appeal whose working deadline has passed at its center becomes overdue, and a reminder
goes to its handler (or its department when nobody has taken it); the supervisor finds it in the
staff page's "overdue" filter. Messages (the visitor's e-mail acknowledgement, these reminders)
are written to ``appeal_notices`` with the change that causes them and sent from here through
the same reminder channels as appointments (central.appointments.channels).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.appeals import texts
from central.appointments.channels import Channel, ChannelRejected, ChannelUnavailable, ReminderMessage

log = logging.getLogger(__name__)

RUNNING = ("registered", "in_progress", "extended")
MAX_ATTEMPTS = 10
BATCH = 200


def mark_overdue(engine: Engine, now: datetime, staff_url: str) -> int:
    """Overdue appeals marked, one history row and one reminder each; returns how many."""
    a, c, h, d = db.appeals, db.centers, db.appeal_handlers, db.appeal_departments
    marked = 0
    with db.write_transaction(engine) as conn:
        zones = {r.id: ZoneInfo(r.timezone) for r in conn.execute(sa.select(c.c.id, c.c.timezone))}
        latest_today = max((now.astimezone(z).date() for z in zones.values()), default=now.date())
        rows = conn.execute(
            sa.select(a.c.id, a.c.number, a.c.kind, a.c.center_id, a.c.due_on, a.c.handler, a.c.department_id)
            .where(a.c.status.in_(RUNNING), a.c.due_on.is_not(None), a.c.due_on < latest_today)
            .order_by(a.c.due_on)
        ).all()
        for row in rows:
            if row.due_on >= now.astimezone(zones[row.center_id]).date():
                continue
            conn.execute(
                sa.update(a)
                .where(a.c.id == row.id)
                .values(status="overdue", reminded_on=row.due_on, updated_at=now)
            )
            conn.execute(
                sa.insert(db.appeal_events).values(
                    appeal_id=row.id, at=now, action="overdue", status="overdue", by="system", note=None,
                    data={"due_on": row.due_on.isoformat()},
                )
            )  # fmt: skip
            to = None
            if row.handler:
                to = conn.execute(
                    sa.select(h.c.contact).where(h.c.username == row.handler)
                ).scalar_one_or_none()
            if not to and row.department_id:
                to = conn.execute(
                    sa.select(d.c.contact).where(d.c.id == row.department_id)
                ).scalar_one_or_none()
            if to:
                subject = texts.OVERDUE_SUBJECT.format(number=row.number)
                body = texts.OVERDUE_TEXT.format(
                    number=row.number,
                    kind=row.kind,
                    due=row.due_on.isoformat(),
                    url=f"{staff_url}?n={row.number}",
                )
                conn.execute(
                    sa.insert(db.appeal_notices).values(
                        id=uuid.uuid4().hex, appeal_id=row.id, purpose="overdue", channel="email", to=to,
                        language="ru", subject=subject[:200], text=body, status="pending", attempts=0,
                        created_at=now,
                    )
                )  # fmt: skip
            marked += 1
    return marked


def send_notices(engine: Engine, channels: Mapping[str, Channel], now: datetime) -> int:
    """Send pending notices; a gateway that is down is tried again next sweep (up to MAX_ATTEMPTS)."""
    n = db.appeal_notices
    with engine.connect() as conn:
        pending = conn.execute(
            sa.select(n).where(n.c.status == "pending").order_by(n.c.created_at).limit(BATCH)
        ).all()
    sent = 0
    for row in pending:
        channel = channels.get(row.channel)
        if channel is None:
            continue
        message = ReminderMessage(
            reminder_id=row.id, appointment_id=row.appeal_id, channel=row.channel, to=row.to,
            language=row.language, subject=row.subject, text=row.text, made_at=now,
        )  # fmt: skip
        values: dict[str, object]
        try:
            channel.send(message)
            values = {"status": "sent", "sent_at": now}
            sent += 1
        except ChannelRejected as exc:
            values = {"status": "failed", "last_error": str(exc)[:500]}
        except ChannelUnavailable as exc:
            failed = row.attempts + 1 >= MAX_ATTEMPTS
            values = {"status": "failed" if failed else "pending", "last_error": str(exc)[:500]}
        with db.write_transaction(engine) as conn:
            conn.execute(sa.update(n).where(n.c.id == row.id).values(attempts=row.attempts + 1, **values))
    return sent
