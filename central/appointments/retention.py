"""Personal data kept only as long as reminders need it: a step of the appointments sweep.

A booking's name, phone and e-mail exist for its reminders (and for staff on the day). Once
``[appointments] personal_data_days`` have passed since its slot, :func:`erase_personal_data`
sets them to NULL, clears the reminders' last errors (a gateway's message may quote an address)
and asks each reminder channel that keeps copies to ``forget`` them (the file adapters delete
``outbox/sms/<id>.json`` and ``outbox/email/<id>.eml``). The phone's HMAC stays: the fair-use
limits (bookings per person, the cancellation cool-down) count by it, never by the number.

Files go first, then the rows: a crash in between leaves the rows, so the next pass deletes
again (already gone is fine) and then erases. A channel that cannot delete now leaves that
booking for a later pass rather than erasing the record of what still has to go.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

import sqlalchemy as sa

from central import db
from central.appointments.booking import AppointmentDesk
from central.appointments.channels import Channel

log = logging.getLogger(__name__)

BATCH = 500
"""Bookings erased per pass at most: the write transaction stays short; a backlog takes a few passes."""


def erase_personal_data(desk: AppointmentDesk, channels: Mapping[str, Channel] | None = None) -> int:
    """Erase name, phone and e-mail of bookings whose slot is past the retention; returns how many."""
    a, r = db.appointments, db.reminders
    cutoff = desk.now() - timedelta(days=desk.settings.personal_data_days)
    # Matches the partial index ix_appointments_personal (phone IS NOT NULL); every booking has a phone.
    due = sa.and_(a.c.phone.is_not(None), a.c.slot_start_utc < cutoff)
    with desk.ctx.engine.connect() as conn:
        ids = list(
            conn.execute(sa.select(a.c.id).where(due).order_by(a.c.slot_start_utc).limit(BATCH)).scalars()
        )
        if not ids:
            return 0
        query = sa.select(r.c.id, r.c.appointment_id, r.c.channel).where(r.c.appointment_id.in_(ids))
        copies = [(row.id, row.appointment_id, row.channel) for row in conn.execute(query)]
    kept = _forget_files(copies, channels or {})
    erase = [i for i in ids if i not in kept]
    if not erase:
        return 0
    with db.write_transaction(desk.ctx.engine) as conn:
        conn.execute(sa.update(a).where(a.c.id.in_(erase), due).values(name=None, phone=None, email=None))
        conn.execute(sa.update(r).where(r.c.appointment_id.in_(erase)).values(last_error=None))
    return len(erase)


def _forget_files(rows: list[tuple[str, str, str]], channels: Mapping[str, Channel]) -> set[str]:
    """Ask each channel to forget its reminders' copies; returns the bookings whose copies remain."""
    kept: set[str] = set()
    for reminder_id, appointment_id, kind in rows:
        forget = getattr(channels.get(kind), "forget", None)
        if forget is None:
            continue
        try:
            forget(reminder_id)
        except Exception as exc:  # a full or read-only disk, a gateway plug-in's bug: try next pass
            log.warning("reminder %s (%s): copy not deleted yet: %s", reminder_id, kind, type(exc).__name__)
            kept.add(appointment_id)
    return kept
