"""Configuration as a signed, versioned document per kiosk, center or the whole fleet, rolled out in
stages and rolled back by itself when a kiosk that took it turns unhealthy.

The document is canonical JSON ``{"scope", "version", "settings"}``, signed with Ed25519 by a key
that exists only at central (``fleet_config_signing_key`` in ``central_secrets``); kiosks check the
signature with the public key before applying anything, so whoever can reach a kiosk's link
cannot configure it. Stages: one kiosk first (the canary), then a quarter, then the rest; a stage
starts when every kiosk of the one before has sent ``HEALTHY_BEATS`` heartbeats on the new
version without turning red or offline. One unhealthy kiosk stops the rollout: it (and every kiosk
already on the version) gets the previous document back, and the kiosks not reached never get it.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from central import db
from central.appointments.token import b64url, public_key
from central.fleet import commands, state

SECRET_NAME = "fleet_config_signing_key"  # noqa: S105  (a row name, not a secret)
SETTINGS = {"sync_interval_s": (5, 3600), "idle_warning_after_s": (10, 600)}
"""What a document may set, with the allowed range: what the kiosk can change while running."""
HEALTHY_BEATS = 2


class RolloutError(ValueError):
    """A document central refuses to publish; the message says why."""


def version_label(scope: str, version: int) -> str:
    """What the kiosk reports as ``config_version`` once it applied the document."""
    return f"{scope}@{version}"


def signing_key(engine: Engine) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(db.load_or_create_secret(engine, SECRET_NAME))


def verification_key(engine: Engine) -> str:
    return b64url(public_key(db.load_or_create_secret(engine, SECRET_NAME)))


def _targets(conn: sa.Connection, scope: str) -> list[str]:
    k = db.kiosks
    query = sa.select(k.c.id).where(k.c.revoked_at.is_(None)).order_by(k.c.id)
    kind, _, name = scope.partition(":")
    if kind == "kiosk":
        query = query.where(k.c.id == name)
    elif kind == "center":
        query = query.where(k.c.center_id == name)
    elif scope != "all":
        raise RolloutError(f"bad scope {scope!r}: kiosk:ID, center:ID or all")
    return [str(r.id) for r in conn.execute(query)]


def publish(engine: Engine, scope: str, settings: dict[str, Any], created_by: str, now: datetime) -> int:
    """Sign a new version for ``scope`` and plan its stages; the sweep offers the first one."""
    for key, value in settings.items():
        if key not in SETTINGS:
            raise RolloutError(f"unknown setting {key!r}: {', '.join(SETTINGS)}")
        low, high = SETTINGS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise RolloutError(f"{key} must be a number from {low} to {high}")
    fc, fr = db.fleet_configs, db.fleet_rollouts
    signer = signing_key(engine)
    with db.write_transaction(engine) as conn:
        targets = _targets(conn, scope)
        if not targets:
            raise RolloutError(f"no kiosk in scope {scope!r}")
        last = conn.execute(sa.select(sa.func.max(fc.c.version)).where(fc.c.scope == scope)).scalar() or 0
        document = json.dumps(
            {"scope": scope, "version": last + 1, "settings": settings}, sort_keys=True, separators=(",", ":")
        )
        signature = b64url(signer.sign(document.encode("utf-8")))
        config_id = conn.execute(
            sa.insert(fc).values(
                scope=scope,
                version=last + 1,
                document=document,
                signature=signature,
                created_by=created_by,
                created_at=now,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        second = 1 + max(1, math.ceil(len(targets) * 0.25))
        for index, kiosk_id in enumerate(targets):
            stage = 0 if index == 0 else 1 if index < second else 2
            conn.execute(
                sa.insert(fr).values(
                    config_id=config_id, kiosk_id=kiosk_id, stage=stage, status="pending", changed_at=now
                )
            )
    return int(config_id)


def _offer(
    engine: Engine, kiosk_id: str, config: Any, now: datetime, previous: Any | None, revert: bool
) -> None:
    params: dict[str, Any] = {"document": config.document, "signature": config.signature}
    if revert:
        params = (
            {"document": previous.document, "signature": previous.signature, "revert": True}
            if previous is not None
            else {"revert": True, "document": None}
        )
    commands.queue(engine, kiosk_id, "apply_config", params, "rollout", now)


def advance(engine: Engine, now: datetime, settings: state.FleetSettings) -> int:
    """One pass over every rollout still moving; returns how many kiosks changed status."""
    fc, fr, fs = db.fleet_configs, db.fleet_rollouts, db.fleet_state
    with engine.connect() as conn:
        live = conn.execute(
            sa.select(fc).where(
                fc.c.id.in_(
                    sa.select(fr.c.config_id).where(fr.c.status.in_(("pending", "offered", "applied")))
                )
            )
        ).all()
    changed = 0
    views = {k.kiosk_id: k for k in state.view(engine, now, settings).kiosks}
    for config in live:
        label = version_label(config.scope, config.version)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(fr).where(fr.c.config_id == config.id)).all()
            previous = conn.execute(
                sa.select(fc)
                .where(fc.c.scope == config.scope, fc.c.version < config.version)
                .order_by(fc.c.version.desc())
                .limit(1)
            ).first()
            beats = {
                r.kiosk_id: r
                for r in conn.execute(
                    sa.select(fs.c.kiosk_id, fs.c.config_version).where(
                        fs.c.kiosk_id.in_([r.kiosk_id for r in rows])
                    )
                )
            }
        updates: dict[str, str] = {}
        unhealthy = False
        for row in rows:
            view = views.get(row.kiosk_id)
            on_it = row.kiosk_id in beats and beats[row.kiosk_id].config_version == label
            if row.status == "offered" and on_it:
                updates[row.kiosk_id] = "applied"
            if row.status in ("offered", "applied") and on_it and view is not None:
                if view.colour == "red" or view.connection == "offline":
                    unhealthy = True
                elif row.status == "applied" and _healthy_since(engine, row.kiosk_id, row.changed_at, label):
                    updates[row.kiosk_id] = "healthy"
        if unhealthy:
            for row in rows:
                if row.status in ("offered", "applied", "healthy"):
                    _offer(engine, row.kiosk_id, config, now, previous, revert=True)
                _set(engine, config.id, row.kiosk_id, "rolled_back", now)
                changed += 1
            continue
        for kiosk_id, status in updates.items():
            _set(engine, config.id, kiosk_id, status, now)
            changed += 1
        statuses = {r.kiosk_id: updates.get(r.kiosk_id, r.status) for r in rows}
        stages = sorted({r.stage for r in rows})
        for stage in stages:
            members = [r for r in rows if r.stage == stage]
            if all(statuses[r.kiosk_id] == "healthy" for r in members):
                continue
            for r in members:
                if statuses[r.kiosk_id] == "pending":
                    _offer(engine, r.kiosk_id, config, now, previous, revert=False)
                    _set(engine, config.id, r.kiosk_id, "offered", now)
                    changed += 1
            break  # later stages wait for this one
    return changed


def _healthy_since(engine: Engine, kiosk_id: str, since: datetime, label: str) -> bool:
    fh = db.fleet_heartbeats
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(fh.c.colour, fh.c.body).where(fh.c.kiosk_id == kiosk_id, fh.c.received_at > since)
        ).all()
    good = [r for r in rows if r.body.get("config_version") == label and r.colour != "red"]
    return len(good) >= HEALTHY_BEATS


def _set(engine: Engine, config_id: int, kiosk_id: str, status: str, now: datetime) -> None:
    fr = db.fleet_rollouts
    with db.write_transaction(engine) as conn:
        conn.execute(
            sa.update(fr)
            .where(fr.c.config_id == config_id, fr.c.kiosk_id == kiosk_id)
            .values(status=status, changed_at=now)
        )


def status(engine: Engine, config_id: int) -> dict[str, str]:
    fr = db.fleet_rollouts
    with engine.connect() as conn:
        return {r.kiosk_id: r.status for r in conn.execute(sa.select(fr).where(fr.c.config_id == config_id))}
