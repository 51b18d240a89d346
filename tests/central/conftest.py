"""Fixtures for the central: a migrated SQLite file per test, a manual clock, an in-process client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, kiosks, migrate, seed
from central.app import create_app
from service_common.clock import ManualClock

MOSCOW = "Europe/Moscow"
START = datetime(2026, 11, 23, 10, 0)  # a Monday, 10:00 in Moscow


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START, MOSCOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "central.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    eng = db.create_engine(db_path)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def seeded(engine: Engine, clock: ManualClock) -> Engine:
    seed.seed_demo(engine, clock)
    return engine


@pytest.fixture
def client(seeded: Engine, clock: ManualClock) -> Iterator[TestClient]:
    with TestClient(create_app(seeded, clock)) as test_client:
        yield test_client


@pytest.fixture
def token(seeded: Engine, clock: ManualClock) -> str:
    """A kiosk at C01."""
    return kiosks.add(seeded, "KIOSK-T1", "C01", clock)


@pytest.fixture
def headers(token: str) -> dict[str, str]:
    return bearer(token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
