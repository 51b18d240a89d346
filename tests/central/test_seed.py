"""Demo data: repeatable, complete in three languages, Traditional (not Simplified) Chinese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db, kiosks, seed
from service_common.clock import ManualClock

# Characters that exist only in Simplified Chinese; none may appear in zh-Hant text.
SIMPLIFIED_ONLY = set("务贷时间汇兑费账户开还营业银门诈骗码请为与们这个")
SIMPLIFIED_ONLY |= set("来电话号国节关钞换额办纳罚单预约询处专员")
SEEDED_TABLES = (
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
)


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for name in (*SEEDED_TABLES, "kiosks"):
            table = db.metadata.tables[name]
            pk = list(table.primary_key.columns)
            out[name] = [tuple(row) for row in conn.execute(sa.select(table).order_by(*pk))]
    return out


def test_seed_twice_leaves_the_same_data(engine: Engine, clock: ManualClock) -> None:
    first_counts = seed.seed_demo(engine, clock)
    kiosks.add(engine, "K1", "C01", clock)
    first = dump(engine)
    clock.advance(timedelta(hours=3))  # same day: identical rows
    assert seed.seed_demo(engine, clock) == first_counts
    assert dump(engine) == first
    assert {name: len(rows) for name, rows in first.items() if name != "kiosks"} == first_counts
    assert first_counts == {
        "centers": 3,
        "opening_hours": 18,
        "services": 10,
        "counters": 10,
        "counter_services": 22,
        "announcements": 4,
        "interest_rates": 6,
        "exchange_rates": 3,
        "booking_settings": 10,
        "booking_schedules": 50,
        "booking_breaks": 50,
    }


def test_seed_on_a_later_day_updates_in_place(engine: Engine, clock: ManualClock) -> None:
    counts = seed.seed_demo(engine, clock)
    clock.advance(timedelta(days=40))
    assert seed.seed_demo(engine, clock) == counts
    assert {name: len(rows) for name, rows in dump(engine).items() if name != "kiosks"} == counts


def _texts(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict) and "ru" in value:
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def test_every_text_has_three_languages_in_traditional_chinese(clock: ManualClock) -> None:
    texts = _texts(seed.demo_rows(clock))
    assert len(texts) > 30
    for text in texts:
        assert set(text) == {"ru", "zh-Hant", "en"}
        assert all(v.strip() for v in text.values())
        assert not SIMPLIFIED_ONLY & set(text["zh-Hant"]), text["zh-Hant"]
        assert any("\u0400" <= ch <= "\u04ff" for ch in text["ru"]), text["ru"]


def test_demo_shape(clock: ManualClock) -> None:
    rows = seed.demo_rows(clock)
    assert [c["id"] for c in rows["centers"]] == ["C01", "C02", "C03"]
    assert all(c["timezone"] == "Europe/Moscow" for c in rows["centers"])
    for center in ("C01", "C02", "C03"):
        services = [s for s in rows["services"] if s["center_id"] == center]
        assert 3 <= len(services) <= 4
        hours = {h["weekday"]: h for h in rows["opening_hours"] if h["center_id"] == center}
        assert sorted(hours) == [0, 1, 2, 3, 4, 5]  # Sunday closed
        assert (hours[0]["opens"], hours[0]["closes"]) == ("09:00", "19:00")
        assert (hours[5]["opens"], hours[5]["closes"]) == ("10:00", "16:00")
    breaks = {h["center_id"] for h in rows["opening_hours"] if h["break_start"]}
    assert breaks == {"C02"}
    now = clock.now()
    expired = [a for a in rows["announcements"] if a["expires_at"] and a["expires_at"] <= now]
    current_global = [
        a
        for a in rows["announcements"]
        if a["center_id"] is None and a["expires_at"] and a["expires_at"] > now
    ]
    assert len(expired) == 1
    assert len(current_global) == 1
    assert {r["term_months"] for r in rows["interest_rates"]} == {3, 6, 12}
    assert {r["kind"] for r in rows["interest_rates"]} == {"deposit", "loan"}
    assert [r["currency"] for r in rows["exchange_rates"]] == ["USD", "EUR", "CNY"]
    assert all(float(r["buy"]) < float(r["sell"]) for r in rows["exchange_rates"])
