"""Fixtures for the central: a migrated database per test, a manual clock, an in-process client.

The database is a SQLite file, or with ``CENTRAL_TEST_DB=postgresql`` a database of its own on a
throwaway PostgreSQL cluster (``tests/pgcluster.py``): ``bash run.sh test`` runs the central's tests
both ways, so code written against one database cannot drift from the other unseen.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, kiosks, migrate, seed
from central.app import create_app
from service_common.clock import ManualClock
from tests import pgcluster

BACKEND = os.environ.get("CENTRAL_TEST_DB", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"CENTRAL_TEST_DB={BACKEND!r}: sqlite or postgresql")

MOSCOW = "Europe/Moscow"
START = datetime(2026, 11, 23, 10, 0)  # a Monday, 10:00 in Moscow


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a central on PostgreSQL writes its reference mail: the test's own folder, never the checkout."""
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START, MOSCOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "central.db"


sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="about SQLite itself")
"""For the few tests of SQLite's own behaviour (pragmas, file paths)."""


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    with pgcluster.running() as cluster:
        cluster.create_template()
        yield cluster


@pytest.fixture
def engine(db_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    if BACKEND == "postgresql":
        cluster: pgcluster.Cluster = request.getfixturevalue("pg_cluster")
        url = cluster.database()  # a clone of the template, already at the head revision
        eng = db.create_engine(url)
        yield eng
        eng.dispose()
        cluster.drop(url)
        return
    eng = db.create_engine(db_path)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db_arg(engine: Engine) -> str:
    """What a command line's ``--db`` takes for the test's database: a file path or a URL."""
    return engine.url.render_as_string(hide_password=False)


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
