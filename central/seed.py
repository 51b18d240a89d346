"""Demo data: three Moscow service centers of a fictional bank, in Russian, Traditional Chinese and English.

``kiosk-central seed-demo`` may run any number of times: every row has a fixed id and is
inserted or updated in place, so a second run leaves the same rows (kiosks and anything
else not listed here are left alone). Times are relative to the clock's current day
(midnight in the clock's zone), so one announcement is always current and one always
expired, and two runs on the same day write identical data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db, staff
from central.seed_data import (
    ANNOUNCEMENTS,
    CENTER_WITH_BREAK,
    CENTERS,
    COUNTERS_BY_CENTER,
    EXCHANGE_RATES,
    INTEREST_RATES,
    SATURDAY,
    SERVICE_KINDS,
    SERVICES_BY_CENTER,
    WEEKDAYS,
)
from service_common.clock import Clock
from service_common.paths import ASSETS

DEMO_STAFF = "demo"
DEMO_PASSWORD = "demo-password"  # noqa: S105  (published demo credentials, by design)
"""The demo's counter account (supervisor, any center). Demo only: it skips the forced password change."""


def _hours(center_id: str) -> list[dict[str, Any]]:
    rows = []
    for weekday in WEEKDAYS:
        has_break = center_id == CENTER_WITH_BREAK
        rows.append(
            {
                "center_id": center_id,
                "weekday": weekday,
                "opens": "09:00",
                "closes": "19:00",
                "break_start": "13:00" if has_break else None,
                "break_end": "14:00" if has_break else None,
            }
        )
    rows.append(
        {
            "center_id": center_id,
            "weekday": SATURDAY,
            "opens": "10:00",
            "closes": "16:00",
            "break_start": None,
            "break_end": None,
        }
    )
    return rows  # Sunday (6) has no row: closed


def _services(center_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{center_id}-{prefix}",
            "center_id": center_id,
            "prefix": prefix,
            "sort_order": order,
            "active": True,
            **SERVICE_KINDS[prefix],
        }
        for order, prefix in enumerate(SERVICES_BY_CENTER[center_id])
    ]


def _counters(center_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{center_id}-{name}",
            "center_id": center_id,
            "name": name,
            "sort_order": order,
            "active": True,
        }
        for order, name in enumerate(COUNTERS_BY_CENTER[center_id])
    ]


def _counter_services(center_id: str) -> list[dict[str, Any]]:
    return [
        {"counter_id": f"{center_id}-{name}", "service_id": f"{center_id}-{prefix}"}
        for name, prefixes in COUNTERS_BY_CENTER[center_id].items()
        for prefix in prefixes
    ]


BOOKING_WINDOW = ("09:00", "18:00")
BOOKING_BREAK = ("13:00", "14:00")
BOOKING_SLOTS = {"A": (20, 2), "B": (30, 1), "C": (30, 2), "D": (30, 1)}
"""Demo appointment slots per service letter: (minutes, capacity)."""


def _booking_settings(center_id: str) -> list[dict[str, Any]]:
    return [
        {
            "service_id": f"{center_id}-{prefix}",
            "slot_minutes": BOOKING_SLOTS[prefix][0],
            "capacity": BOOKING_SLOTS[prefix][1],
            "buffer_minutes": 0,
            "min_notice_min": 60,
            "horizon_days": 30,
            "holiday_country": "RU",
        }
        for prefix in SERVICES_BY_CENTER[center_id]
    ]


def _booking_week(center_id: str, start: str, end: str) -> list[dict[str, Any]]:
    """Monday to Friday, one stretch a day: the booking windows (09-18) or the lunch break (13-14)."""
    return [
        {
            "center_id": center_id,
            "service_id": f"{center_id}-{prefix}",
            "weekday": d,
            "start": start,
            "end": end,
        }
        for prefix in SERVICES_BY_CENTER[center_id]
        for d in WEEKDAYS
    ]


def _upsert(conn: Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert or update by primary key with plain Core statements, the same on SQLite and PostgreSQL."""
    keys = [col.name for col in table.primary_key.columns]
    for row in rows:
        where = sa.and_(*(table.c[k] == row[k] for k in keys))
        if conn.execute(sa.update(table).where(where).values(**row)).rowcount == 0:
            conn.execute(sa.insert(table).values(**row))


def demo_rows(clock: Clock) -> dict[str, list[dict[str, Any]]]:
    """Every demo row by table name, for the seed and for tests that compare against it."""
    now = clock.now()
    midnight = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo)

    def day(offset: int | None) -> datetime | None:
        return None if offset is None else midnight + timedelta(days=offset)

    for rate in INTEREST_RATES:
        Decimal(rate["rate_percent"])  # a typo here should fail the seed, not the kiosk
    return {
        "centers": CENTERS,
        "opening_hours": [row for c in CENTERS for row in _hours(c["id"])],
        "services": [row for c in CENTERS for row in _services(c["id"])],
        "counters": [row for c in CENTERS for row in _counters(c["id"])],
        "counter_services": [row for c in CENTERS for row in _counter_services(c["id"])],
        "booking_settings": [row for c in CENTERS for row in _booking_settings(c["id"])],
        "booking_schedules": [row for c in CENTERS for row in _booking_week(c["id"], *BOOKING_WINDOW)],
        "booking_breaks": [row for c in CENTERS for row in _booking_week(c["id"], *BOOKING_BREAK)],
        "announcements": [
            {
                "id": a.id,
                "center_id": a.center_id,
                "title": a.title,
                "body": a.body,
                "published_at": day(a.published_days),
                "expires_at": day(a.expires_days),
            }
            for a in ANNOUNCEMENTS
        ],
        "interest_rates": INTEREST_RATES,
        "exchange_rates": [
            {"currency": cur, "buy": str(Decimal(buy)), "sell": str(Decimal(sell)), "as_of": midnight}
            for cur, buy, sell in EXCHANGE_RATES
        ],
    }


def seed_demo(engine: Engine, clock: Clock) -> dict[str, int]:
    """Write the demo data in one transaction; returns how many demo rows each table holds.

    Counters keep their open/closed state (only their configuration is written), and the demo
    staff account is (re)set to :data:`DEMO_PASSWORD` only when its password differs, so a
    second run writes identical rows and signs nobody out.
    """
    rows = demo_rows(clock)
    with db.write_transaction(engine) as conn:
        for name in (
            "centers",
            "opening_hours",
            "services",
            "announcements",
            "interest_rates",
            "exchange_rates",
            "counters",
            "counter_services",
            "booking_settings",
            "booking_schedules",
            "booking_breaks",
        ):
            _upsert(conn, db.metadata.tables[name], rows[name])
        # A demo center's closed days must stay closed: drop hours rows the demo does not list.
        for center in CENTERS:
            listed = [r["weekday"] for r in rows["opening_hours"] if r["center_id"] == center["id"]]
            h = db.opening_hours
            conn.execute(sa.delete(h).where(h.c.center_id == center["id"], h.c.weekday.not_in(listed)))
        cs = db.counter_services
        for counter in rows["counters"]:
            listed = [r["service_id"] for r in rows["counter_services"] if r["counter_id"] == counter["id"]]
            conn.execute(
                sa.delete(cs).where(cs.c.counter_id == counter["id"], cs.c.service_id.not_in(listed))
            )
    if not staff.password_matches(engine, DEMO_STAFF, DEMO_PASSWORD):
        staff.set_account(
            engine, DEMO_STAFF, "supervisor", None, DEMO_PASSWORD, must_change=False, clock=clock
        )
    return {name: len(table_rows) for name, table_rows in rows.items()}


# ----- the knowledge base -----

KB_DEMO_STAFF = (("kb-editor", "maintainer"), ("kb-reviewer", "reviewer"))
"""Demo accounts of the knowledge page (password :data:`DEMO_PASSWORD`, no forced change): maker and checker."""
KB_SEED_USER = "seed"
"""Named as author and reviewer of the demo articles in their history (not a staff account)."""


def knowledge_records(kb_dir: Path | None = None) -> list[dict[str, Any]]:
    """The demo corpus, ``assets/kb/*.jsonl``: the same file ``kiosk kb import`` reads."""
    records = []
    for path in sorted((kb_dir or ASSETS / "kb").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def seed_knowledge(engine: Engine, clock: Clock, kb_dir: Path | None = None) -> int:
    """Publish the demo corpus as written and approved by :data:`KB_SEED_USER`; unchanged articles are
    left as they are, so a second run publishes nothing. Returns how many articles the corpus has."""
    from central.knowledge.workflow import publish_directly

    records = knowledge_records(kb_dir)
    publish_directly(engine, clock.now(), KB_SEED_USER, records)
    for username, role in KB_DEMO_STAFF:
        if not staff.password_matches(engine, username, DEMO_PASSWORD):
            staff.set_account(engine, username, role, None, DEMO_PASSWORD, must_change=False, clock=clock)
    return len(records)
