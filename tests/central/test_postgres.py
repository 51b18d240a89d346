"""PostgreSQL's own checks: migrations up from nothing and down again, the schema the models expect.

They run in the suite's PostgreSQL pass (``CENTRAL_TEST_DB=postgresql``, which also runs every other
central test there), or against a server of your own with ``CENTRAL_TEST_POSTGRES_URL`` (e.g.
``postgresql+psycopg://central@127.0.0.1:5439/central``; its tables are dropped and recreated).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, kiosks, migrate, seed
from central.app import create_app
from service_common.clock import ManualClock

from .conftest import BACKEND, bearer

URL = os.environ.get("CENTRAL_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(
    not URL and BACKEND != "postgresql", reason="the PostgreSQL pass (CENTRAL_TEST_DB=postgresql) runs these"
)


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = URL or request.getfixturevalue("pg_cluster").database(template=None)
    engine = db.create_engine(url)
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    yield engine
    migrate.downgrade(engine, "base")
    engine.dispose()


def test_schema_seed_and_api_on_postgresql(pg: Engine, clock: ManualClock) -> None:
    with pg.connect() as conn:
        assert (
            compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata) == []
        )
    counts = seed.seed_demo(pg, clock)
    assert seed.seed_demo(pg, clock) == counts
    headers = bearer(kiosks.add(pg, "KIOSK-PG", "C01", clock))
    with TestClient(create_app(pg, clock)) as client:
        assert client.get("/health").json()["db"] == "ok"
        centers = client.get("/api/v1/centers", headers=headers).json()["centers"]
        assert [c["id"] for c in centers] == ["C01", "C02", "C03"]
        assert centers[1]["hours"][0]["break_start"] == "13:00"
        announcements = client.get("/api/v1/announcements", headers=headers).json()["announcements"]
        assert [a["id"] for a in announcements] == ["ANN-HOLIDAYS", "ANN-C01-MORTGAGE", "ANN-FRAUD"]
        assert announcements[0]["published_at"] == "2026-11-20T21:00:00Z"
        clock.set(datetime(2026, 11, 16, 12, 0))
        later = client.get("/api/v1/announcements", headers=headers).json()["announcements"]
        assert [a["id"] for a in later] == ["ANN-MAINTENANCE", "ANN-FRAUD"]
        rates = client.get("/api/v1/rates", headers=headers).json()
        assert rates["exchange"][2]["as_of"] == "2026-11-22T21:00:00Z"
    assert kiosks.list_all(pg)[0].last_seen_at is not None
    assert kiosks.revoke(pg, "KIOSK-PG", clock)


def test_appointments_on_postgresql(pg: Engine, clock: ManualClock) -> None:
    from .test_appointments import API, TUESDAY_9, book, hold, rid

    seed.seed_demo(pg, clock)
    headers = bearer(kiosks.add(pg, "KIOSK-PG", "C01", clock))
    with TestClient(create_app(pg, clock)) as client:
        days = client.get(f"{API}/days", params={"service_id": "C01-B", "to": "2026-11-25"}, headers=headers)
        assert days.json()["days"] == ["2026-11-23", "2026-11-24", "2026-11-25"]
        appt = book(client, headers)
        assert hold(client, headers, TUESDAY_9, expect=409)["error"] == "slot_full"
        clock.set(datetime(2026, 11, 24, 9, 0))
        r = client.post(f"{API}/{appt['code']}/check-in", json={"request_id": rid()}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["ticket"]["priority"] == "appointment"


def test_concurrent_holds_on_postgresql(pg: Engine, clock: ManualClock) -> None:
    from .test_appointments_race import CLIENTS, race_desk

    seed.seed_demo(pg, clock)
    assert race_desk(pg, clock) == {"held": 1, "slot_full": CLIENTS - 1}
