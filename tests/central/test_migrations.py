"""The schema comes from the migrations, matches central.db, and stays portable to PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from central import db, migrate

from .conftest import sqlite_only

TABLES = {
    "centers",
    "opening_hours",
    "services",
    "announcements",
    "interest_rates",
    "exchange_rates",
    "kiosks",
    "alembic_version",
    # 0002, the electronic queue
    "counters",
    "counter_services",
    "staff",
    "staff_sessions",
    "ticket_sequences",
    "leases",
    "tickets",
    "central_secrets",
    # 0003, appointments
    "booking_settings",
    "booking_schedules",
    "booking_breaks",
    "schedule_exceptions",
    "appointments",
    "appointment_cancellations",
    # 0004, reminders
    "reminders",
    "manage_attempts",
    # 0008, knowledge base
    "kb_articles",
    "kb_changes",
    "kb_history",
    "kb_ratings",
    "kb_misses",
    "kb_leads",
    # 0009, appeals
    "appeal_departments",
    "appeal_handlers",
    "appeal_routes",
    "appeals",
    "appeal_events",
    "appeal_answers",
    "appeal_attempts",
    "appeal_notices",
    # 0011, card statements
    "card_blocks",
    "card_audit",
    "card_nonces",
    # 0012, the card rate limit shared by every worker
    "card_rate",
    # 0013, waiting tickets per line
    "line_counts",
    # 0010, the fleet
    "fleet_state",
    "fleet_heartbeats",
    "fleet_audit",
    "fleet_commands",
    "fleet_uploads",
    "fleet_configs",
    "fleet_rollouts",
    "fleet_alerts",
}


def test_fresh_database_migrates_to_head(db_path: Path) -> None:
    engine = db.create_engine(db_path)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision() == "0013"
    assert set(sa.inspect(engine).get_table_names()) == TABLES
    migrate.upgrade(engine)  # a second run is a no-op
    assert migrate.current_revision(engine) == "0013"
    engine.dispose()


def test_metadata_matches_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) == TABLES


@sqlite_only
def test_sqlite_pragmas_on_every_connection(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    now = datetime.now(UTC)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.insert(db.kiosks).values(id="K", center_id="NOPE", token_hash="x" * 64, created_at=now)
        )


def test_postgresql_ddl_renders_without_sqlite_specifics() -> None:
    sql = migrate.offline_sql("postgresql://")
    assert "CREATE TABLE centers" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "name JSON NOT NULL" in sql
    assert "AUTOINCREMENT" not in sql.upper()
    assert "PRAGMA" not in sql.upper()


def test_timestamps_round_trip_as_utc(engine: Engine) -> None:
    moscow = timezone(timedelta(hours=3))
    written = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=moscow)
    with engine.begin() as conn:
        conn.execute(sa.insert(db.exchange_rates).values(currency="USD", buy="1", sell="2", as_of=written))
        back = conn.execute(sa.select(db.exchange_rates.c.as_of)).scalar_one()
        later = conn.execute(
            sa.select(sa.func.count()).where(db.exchange_rates.c.as_of > written - timedelta(microseconds=1))
        ).scalar_one()
    assert back == written
    assert back.tzinfo == UTC
    assert later == 1


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive"), engine.begin() as conn:
        conn.execute(
            sa.insert(db.exchange_rates).values(currency="USD", buy="1", sell="2", as_of=datetime(2026, 1, 1))
        )


def test_db_argument_is_a_path_or_a_url(tmp_path: Path) -> None:
    url = db.database_url(tmp_path / "x.db")
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "x.db")
    pg = db.database_url("postgresql+psycopg://central:secret@db.example/central")
    assert pg.get_backend_name() == "postgresql"
    assert "secret" not in db.describe(pg)


def test_0005_masks_card_numbers_already_stored_in_free_text(seeded: Engine) -> None:
    engine = seeded
    migrate.downgrade(engine, "0004")
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(db.appointments),
            [
                {
                    "id": f"a{i}",
                    "request_id": f"r{i}",
                    "center_id": "C01",
                    "service_id": "C01-B",
                    "slot_start_utc": now,
                    "status": "confirmed",
                    "name": name,
                    "created_at": now,
                }
                for i, name in enumerate(["Anna 4111 1111 1111 1111", "Boris", None])
            ],
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        a = db.appointments
        names = conn.execute(
            sa.select(a.c.name).where(a.c.id.in_(["a0", "a1", "a2"])).order_by(a.c.id)
        ).scalars()
        assert list(names) == ["Anna 411111******1111", "Boris", None]
