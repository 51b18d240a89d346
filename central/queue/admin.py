"""Configuring counters: what ``kiosk-central counters ...`` and the demo seed do.

Kept free of web imports so the command line stays quick to start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,14}$")


class CounterAdminError(Exception):
    """A refusal worth one line to the operator."""


@dataclass(frozen=True)
class CounterInfo:
    id: str
    center_id: str
    name: str
    services: tuple[str, ...]


def counter_id(center_id: str, name: str) -> str:
    return f"{center_id}-{name}"


def put_counter(
    conn: Connection, center_id: str, name: str, services: Sequence[str], sort_order: int | None = None
) -> str:
    """Create the counter or replace its services, in the caller's transaction; returns its id."""
    if not _NAME.match(name):
        raise CounterAdminError(f"bad counter name {name!r}: letters, digits or '-', at most 15")
    if not services:
        raise CounterAdminError("a counter needs at least one service (--services C01-A,C01-B)")
    c, s, cs = db.counters, db.services, db.counter_services
    if conn.execute(sa.select(db.centers.c.id).where(db.centers.c.id == center_id)).first() is None:
        raise CounterAdminError(f"unknown center {center_id!r} (seed-demo or add the center first)")
    known = set(conn.execute(sa.select(s.c.id).where(s.c.center_id == center_id)).scalars())
    unknown = [sid for sid in services if sid not in known]
    if unknown:
        raise CounterAdminError(f"not a service of {center_id}: {', '.join(unknown)}")
    cid = counter_id(center_id, name)
    values: dict[str, object] = {"center_id": center_id, "name": name, "active": True}
    if sort_order is not None:
        values["sort_order"] = sort_order
    if not conn.execute(sa.update(c).where(c.c.id == cid).values(**values)).rowcount:
        if sort_order is None:
            top = conn.execute(
                sa.select(sa.func.max(c.c.sort_order)).where(c.c.center_id == center_id)
            ).scalar()
            values["sort_order"] = (top or 0) + 1
        conn.execute(sa.insert(c).values(id=cid, **values))
    conn.execute(sa.delete(cs).where(cs.c.counter_id == cid, cs.c.service_id.not_in(list(services))))
    have = set(conn.execute(sa.select(cs.c.service_id).where(cs.c.counter_id == cid)).scalars())
    for sid in dict.fromkeys(services):
        if sid not in have:
            conn.execute(sa.insert(cs).values(counter_id=cid, service_id=sid))
    return cid


def add_counter(engine: Engine, center_id: str, name: str, services: Sequence[str]) -> str:
    with db.write_transaction(engine) as conn:
        return put_counter(conn, center_id, name, services)


def list_counters(engine: Engine) -> list[CounterInfo]:
    c, cs = db.counters, db.counter_services
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.c.id, c.c.center_id, c.c.name).order_by(c.c.center_id, c.c.sort_order)
        ).all()
        links = conn.execute(sa.select(cs.c.counter_id, cs.c.service_id).order_by(cs.c.service_id)).all()
    by_counter: dict[str, list[str]] = {}
    for link in links:
        by_counter.setdefault(link.counter_id, []).append(link.service_id)
    return [CounterInfo(r.id, r.center_id, r.name, tuple(by_counter.get(r.id, []))) for r in rows]
