"""Fleet alerts: paper low, printer down, kiosk offline, sent through the reminder channels.

One alert per kiosk and kind while its condition lasts. It waits (pending) while the kiosk's center
is closed: nobody can change a roll at night, and an SMS at 3 a.m. trains people to ignore them.
It is sent once when the center is open, escalated (level ``urgent``, also to ``escalate_to``)
when no other kiosk of the center can print tickets. An alert whose condition ended before it
went is dropped: a kiosk that came back within minutes raises no alarm. The sweep calls
:func:`run` every pass; "offline" needs the clock, not a heartbeat, to be noticed.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.appointments.channels import (
    Channel,
    ChannelKind,
    ChannelRejected,
    ChannelUnavailable,
    ReminderMessage,
)
from central.fleet import state
from central.fleet.schemas import FleetKiosk

log = logging.getLogger(__name__)

TEXTS = {
    "paper_low": "Kiosk {kiosk} ({center}): paper low, about {left} tickets left.",
    "printer_down": "Kiosk {kiosk} ({center}): printer stopped ({detail}); tickets shown on screen only.",
    "offline": "Kiosk {kiosk} ({center}): no heartbeat since {detail}.",
}
URGENT = "URGENT, the center's only ticket printer. "


def conditions(kiosk: FleetKiosk) -> dict[str, str]:
    """The alert kinds this kiosk's state calls for, each with a detail."""
    if kiosk.connection == "offline":
        since = kiosk.offline_since.isoformat(timespec="minutes") if kiosk.offline_since else "?"
        return {"offline": since}
    if kiosk.connection != "online" or kiosk.heartbeat is None:
        return {}
    out: dict[str, str] = {}
    red = [
        r.split(":", 1)[1]
        for r in kiosk.reasons
        if r.startswith("printer:") and r.split(":", 1)[1] in state.RED_PRINTER
    ]
    if red:
        out["printer_down"] = ", ".join(red)
    elif "printer:media-low" in kiosk.reasons:
        paper = kiosk.heartbeat.printer.paper
        out["paper_low"] = "?" if paper is None or paper.tickets_left is None else str(paper.tickets_left)
    return out


def prints_tickets(kiosk: FleetKiosk) -> bool:
    return kiosk.connection == "online" and not any(
        r.startswith("printer:") and r.split(":", 1)[1] in state.RED_PRINTER for r in kiosk.reasons
    )


def center_open(conn: sa.Connection, center_id: str, now: datetime) -> bool:
    """Inside the center's opening hours of today, in the center's zone."""
    from zoneinfo import ZoneInfo

    c, h = db.centers, db.opening_hours
    tz = conn.execute(sa.select(c.c.timezone).where(c.c.id == center_id)).scalar()
    if tz is None:
        return False
    local = now.astimezone(ZoneInfo(tz))
    row = conn.execute(
        sa.select(h.c.opens, h.c.closes).where(h.c.center_id == center_id, h.c.weekday == local.weekday())
    ).first()
    return row is not None and row.opens <= local.strftime("%H:%M") < row.closes


def _recipients(specs: tuple[str, ...]) -> list[tuple[ChannelKind, str]]:
    out: list[tuple[ChannelKind, str]] = []
    for spec in specs:
        kind, _, to = spec.partition(":")
        if kind in ("sms", "email") and to:
            out.append((kind, to))  # type: ignore[arg-type]
    return out


def run(engine: Engine, now: datetime, settings: state.FleetSettings, channels: dict[str, Channel]) -> int:
    """Raise, clear and send alerts; returns how many messages went out."""
    kiosks = state.view(engine, now, settings).kiosks
    fa = db.fleet_alerts
    wanted = {k.kiosk_id: conditions(k) for k in kiosks}
    with db.write_transaction(engine) as conn:
        open_rows = conn.execute(sa.select(fa).where(fa.c.status.in_(("pending", "sent")))).all()
        have = {(r.kiosk_id, r.kind) for r in open_rows}
        for row in open_rows:
            if row.kind not in wanted.get(row.kiosk_id, {}):
                conn.execute(sa.update(fa).where(fa.c.id == row.id).values(status="cleared", cleared_at=now))
        for kiosk_id, kinds in wanted.items():
            for kind, detail in kinds.items():
                if (kiosk_id, kind) not in have:
                    conn.execute(
                        sa.insert(fa).values(
                            id=uuid.uuid4().hex,
                            kiosk_id=kiosk_id,
                            kind=kind,
                            level="normal",
                            detail=detail[:200],
                            raised_at=now,
                            status="pending",
                        )
                    )
        pending = conn.execute(sa.select(fa).where(fa.c.status == "pending").order_by(fa.c.raised_at)).all()
    by_center: dict[str, list[FleetKiosk]] = defaultdict(list)
    for k in kiosks:
        by_center[k.center_id].append(k)
    by_id = {k.kiosk_id: k for k in kiosks}
    sent = 0
    for alert in pending:
        kiosk = by_id.get(alert.kiosk_id)
        if kiosk is None:
            continue
        with engine.connect() as conn:
            if not center_open(conn, kiosk.center_id, now):
                continue
        others = [k for k in by_center[kiosk.center_id] if k.kiosk_id != kiosk.kiosk_id and prints_tickets(k)]
        urgent = alert.kind in ("printer_down", "offline") and not others
        sent += _send(engine, alert, kiosk, urgent, now, settings, channels)
    return sent


def _send(
    engine: Engine,
    alert: Any,
    kiosk: FleetKiosk,
    urgent: bool,
    now: datetime,
    settings: state.FleetSettings,
    channels: dict[str, Channel],
) -> int:
    fa = db.fleet_alerts
    detail = alert.detail
    text = TEXTS[alert.kind].format(kiosk=kiosk.kiosk_id, center=kiosk.center_id, left=detail, detail=detail)
    if urgent:
        text = URGENT + text
    targets = _recipients(settings.alert_to + (settings.escalate_to if urgent else ()))
    count = 0
    for index, (kind, to) in enumerate(targets):
        channel = channels.get(kind)
        if channel is None:
            continue
        message = ReminderMessage(
            reminder_id=f"fleet-{alert.id}-{index}",
            appointment_id="",
            channel=kind,
            to=to,
            language="en",
            subject=f"Kiosk {kiosk.kiosk_id}: {alert.kind.replace('_', ' ')}",
            text=text,
            made_at=now,
        )
        try:
            channel.send(message)
            count += 1
        except ChannelUnavailable as exc:
            log.warning("fleet alert %s not sent yet: %s", alert.id, exc)
            return count  # stays pending: the next pass tries again
        except ChannelRejected as exc:
            log.error("fleet alert %s refused by the %s channel: %s", alert.id, kind, exc)
    with db.write_transaction(engine) as conn:
        conn.execute(
            sa.update(fa)
            .where(fa.c.id == alert.id, fa.c.status == "pending")
            .values(status="sent", sent_at=now, level="urgent" if urgent else "normal")
        )
    log.warning("fleet alert: %s", text)
    return count


def recent(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    fa = db.fleet_alerts
    with engine.connect() as conn:
        rows = conn.execute(sa.select(fa).order_by(fa.c.raised_at.desc()).limit(limit)).all()
    return [r._asdict() for r in rows]
