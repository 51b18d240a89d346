"""Revision 0009: kiosks registered before it get serials in the order they were registered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db, kiosks, migrate
from service_common.clock import ManualClock


def test_existing_kiosks_get_serials_and_keep_their_rows(seeded: Engine, clock: ManualClock) -> None:
    migrate.downgrade(seeded, "0007")
    k = sa.table(
        "kiosks",
        *(
            sa.column(c)
            for c in ("id", "center_id", "token_hash", "created_at", "revoked_at", "last_seen_at")
        ),
    )
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with seeded.begin() as conn:
        conn.execute(
            sa.insert(k),
            [
                {
                    "id": "B-LATER",
                    "center_id": "C01",
                    "token_hash": "b" * 64,
                    "created_at": now + timedelta(days=1),
                },
                {"id": "A-FIRST", "center_id": "C02", "token_hash": "a" * 64, "created_at": now},
            ],
        )
    migrate.upgrade(seeded)
    with seeded.connect() as conn:
        rows = conn.execute(sa.select(db.kiosks.c.id, db.kiosks.c.serial).order_by(db.kiosks.c.serial)).all()
        centers = conn.execute(sa.select(db.centers.c.holiday_country)).scalars().all()
    assert [tuple(r) for r in rows] == [("A-FIRST", 1), ("B-LATER", 2)]
    assert set(centers) == {"RU"}
    kiosks.add(seeded, "C-NEW", "C01", clock)
    with seeded.connect() as conn:
        assert conn.execute(sa.select(db.kiosks.c.serial).where(db.kiosks.c.id == "C-NEW")).scalar() == 3
