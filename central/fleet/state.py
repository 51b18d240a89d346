"""Heartbeats in, fleet state out: the health colour of a kiosk and whether it is online.

Why hysteresis: a kiosk on a flaky link that loses every other heartbeat must not flip between
"offline" and "online" (and page someone) every minute. A kiosk turns offline only after
``missed_for_offline`` heartbeat intervals without a word, and counts as back only after
``back_after`` heartbeats in a row, each within two intervals of the one before. A kiosk that
has never sent a heartbeat is "never seen", not "offline": switching one on later is no alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.fleet import commands
from central.fleet.schemas import Colour, Connection, FleetKiosk, FleetView, Heartbeat, HeartbeatAck

RED_PRINTER = {"media-empty", "door-open", "offline", "jam"}
"""Printer reasons that stop tickets (the kiosk degrades to showing the number): red."""


@dataclass(frozen=True)
class FleetSettings:
    missed_for_offline: int = 3
    back_after: int = 2
    history: int = 20  # heartbeats kept per kiosk
    outbox_warn: int = 50
    disk_warn_mb: int = 500
    sync_stale_s: int = 900
    alert_to: tuple[str, ...] = ("sms:duty-technician",)
    """Who hears of alerts: ``sms:NUMBER`` or ``email:ADDRESS``, through the reminder channels."""
    escalate_to: tuple[str, ...] = ("sms:duty-supervisor",)
    """Also told when the kiosk is the center's only working ticket printer."""


def health(hb: Heartbeat, now: datetime, settings: FleetSettings) -> tuple[Colour, list[str]]:
    """The colour of one heartbeat and the reasons for it, as stable codes the page translates."""
    red: list[str] = [f"printer:{r}" for r in hb.printer.reasons if r in RED_PRINTER]
    yellow: list[str] = [f"printer:{r}" for r in hb.printer.reasons if r not in RED_PRINTER]
    paper = hb.printer.paper
    low = paper is not None and (
        paper.near_end or (paper.tickets_left is not None and paper.tickets_left < 50)
    )
    if low and "printer:media-low" not in yellow and "printer:media-empty" not in red:
        yellow.append("printer:media-low")
    for name, device in (("card_reader", hb.card_reader), ("scanner", hb.scanner)):
        if device.configured and not device.present:
            yellow.append(f"{name}:absent")
    if hb.outbox_refused:
        yellow.append("outbox:refused")
    if hb.outbox_depth >= settings.outbox_warn:
        yellow.append("outbox:backlog")
    if hb.disk_free_mb < settings.disk_warn_mb:
        yellow.append("disk:low")
    if hb.last_sync_at is None or now - hb.last_sync_at > timedelta(seconds=settings.sync_stale_s):
        yellow.append("sync:stale")
    colour: Colour = "red" if red else "yellow" if yellow else "green"
    return colour, red + yellow


def _deadline(row: Any, settings: FleetSettings) -> datetime:
    last: datetime = row.last_heartbeat_at
    return last + timedelta(seconds=row.interval_s * settings.missed_for_offline)


def connection(row: Any | None, now: datetime, settings: FleetSettings) -> tuple[Connection, datetime | None]:
    """The connection of a ``fleet_state`` row (None: no row) and since when it is offline."""
    if row is None:
        return "never_seen", None
    if not row.online:
        return "offline", row.offline_since
    deadline = _deadline(row, settings)
    if now > deadline:
        return "offline", deadline
    return "online", None


_STATE_OF = sa.select(
    db.fleet_state.c.last_heartbeat_at,
    db.fleet_state.c.interval_s,
    db.fleet_state.c.online,
    db.fleet_state.c.streak,
    db.fleet_state.c.offline_since,
    db.fleet_state.c.colour,
    db.fleet_state.c.reasons,
).where(db.fleet_state.c.kiosk_id == sa.bindparam("kiosk_id"))
"""Built once, without the stored body: a heartbeat does not need the previous one's JSON parsed."""


def record(
    engine: Engine, kiosk_id: str, hb: Heartbeat, now: datetime, settings: FleetSettings
) -> HeartbeatAck:
    """Store a heartbeat (once per ``heartbeat_id``) and move the kiosk's connection state."""
    fs, fh = db.fleet_state, db.fleet_heartbeats
    colour, reasons = health(hb, now, settings)
    body = hb.model_dump(mode="json")
    with db.write_transaction(engine) as conn:
        row = conn.execute(_STATE_OF, {"kiosk_id": kiosk_id}).first()
        seen = conn.execute(
            sa.select(fh.c.id).where(fh.c.kiosk_id == kiosk_id, fh.c.heartbeat_id == hb.heartbeat_id)
        ).first()
        if row is not None and seen is not None:  # a resend after a lost answer: nothing changes
            state, _since = connection(row, now, settings)
            return HeartbeatAck(
                colour=row.colour,
                connection=state,
                reasons=list(row.reasons),
                commands=commands.pull(conn, kiosk_id, now),
            )
        online, streak, since = True, 0, None
        if row is not None:
            was, since = connection(row, now, settings)
            if was == "offline":
                in_a_row = not row.online and now - row.last_heartbeat_at <= timedelta(
                    seconds=2 * row.interval_s
                )
                streak = row.streak + 1 if in_a_row else 1
                online = streak >= settings.back_after
                if online:
                    streak, since = 0, None
        values = {
            "last_heartbeat_at": now,
            "last_heartbeat_id": hb.heartbeat_id,
            "interval_s": hb.interval_s,
            "online": online,
            "streak": streak,
            "offline_since": since,
            "colour": colour,
            "reasons": reasons,
            "app_version": hb.app_version,
            "config_version": hb.config_version,
            "body": body,
        }
        if row is None:
            conn.execute(sa.insert(fs).values(kiosk_id=kiosk_id, first_seen_at=now, **values))
        else:
            conn.execute(sa.update(fs).where(fs.c.kiosk_id == kiosk_id).values(**values))
        new_id = conn.execute(
            sa.insert(fh).values(
                kiosk_id=kiosk_id, heartbeat_id=hb.heartbeat_id, received_at=now, colour=colour, body=body
            )
        ).inserted_primary_key
        if new_id is not None and int(new_id[0]) % 10 == 0:  # prune now and then, not on every heartbeat
            _prune(conn, kiosk_id, settings.history)
        pulled = commands.pull(conn, kiosk_id, now)
    return HeartbeatAck(
        colour=colour, connection="online" if online else "offline", reasons=reasons, commands=pulled
    )


def _prune(conn: sa.Connection, kiosk_id: str, keep: int) -> None:
    fh = db.fleet_heartbeats
    newest = (
        sa.select(fh.c.id).where(fh.c.kiosk_id == kiosk_id).order_by(fh.c.id.desc()).limit(keep).subquery()
    )
    conn.execute(
        sa.delete(fh).where(
            fh.c.kiosk_id == kiosk_id, fh.c.id < sa.select(sa.func.min(newest.c.id)).scalar_subquery()
        )
    )


def history(engine: Engine, kiosk_id: str, limit: int = 20) -> list[dict[str, Any]]:
    fh = db.fleet_heartbeats
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(fh.c.received_at, fh.c.colour, fh.c.body)
            .where(fh.c.kiosk_id == kiosk_id)
            .order_by(fh.c.id.desc())
            .limit(limit)
        ).all()
    return [{"received_at": r.received_at, "colour": r.colour, "body": r.body} for r in rows]


def view(engine: Engine, now: datetime, settings: FleetSettings, center_id: str | None = None) -> FleetView:
    """Every enrolled kiosk (revoked ones left out), worst first: red, yellow, offline, green, never seen."""
    k, fs = db.kiosks, db.fleet_state
    query = (
        sa.select(k.c.id, k.c.center_id, fs)
        .select_from(k.outerjoin(fs, fs.c.kiosk_id == k.c.id))
        .where(k.c.revoked_at.is_(None))
    )
    if center_id is not None:
        query = query.where(k.c.center_id == center_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(k.c.id)).all()
    kiosks = [_kiosk(r, now, settings) for r in rows]
    return FleetView(now=now, kiosks=sorted(kiosks, key=_rank))


def _kiosk(row: Any, now: datetime, settings: FleetSettings) -> FleetKiosk:
    if row.kiosk_id is None:
        return FleetKiosk(
            kiosk_id=row.id,
            center_id=row.center_id,
            connection="never_seen",
            colour=None,
            reasons=[],
            last_heartbeat_at=None,
            offline_since=None,
            app_version=None,
            config_version=None,
            heartbeat=None,
        )
    state, since = connection(row, now, settings)
    reasons = list(row.reasons)
    colour: Colour = row.colour
    if state == "offline":
        colour, reasons = "red", ["kiosk:offline", *reasons]
    return FleetKiosk(
        kiosk_id=row.id,
        center_id=row.center_id,
        connection=state,
        colour=colour,
        reasons=reasons,
        last_heartbeat_at=row.last_heartbeat_at,
        offline_since=since,
        app_version=row.app_version,
        config_version=row.config_version,
        heartbeat=Heartbeat.model_validate(row.body),
    )


def _rank(kiosk: FleetKiosk) -> tuple[int, str]:
    order = {"red": 0, "yellow": 1, "green": 3, None: 4}
    return (order[kiosk.colour], kiosk.kiosk_id)
