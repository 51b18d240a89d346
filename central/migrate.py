"""Schema migrations with Alembic, run from code so an installed package needs no alembic.ini.

A new revision goes in ``central/migrations/versions/`` as ``NNNN_what.py`` with
``down_revision`` set to the previous one; write it out by hand like 0001 (or start one with
``alembic.command.revision(alembic_config(), "what", autogenerate=True)`` against a migrated
database) and update :mod:`central.db` to match: ``tests/central/test_migrations.py`` fails
until the two agree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

_MIGRATION_LOCK = 0x6B696F736B  # any fixed bigint: the advisory lock centrals migrating together share

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations; ``connection`` is used as is."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` in one transaction (SQLite DDL is transactional here).

    Centrals starting together on one database (workers on several hosts) take turns: the first
    migrates, the others then find the schema at head. PostgreSQL: a transaction-scoped advisory
    lock; SQLite: the write lock taken at BEGIN IMMEDIATE.
    """
    with engine.connect() as conn:
        conn.execution_options(central_sqlite_begin="IMMEDIATE")  # see central.db.write_transaction
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def offline_sql(url: str, revision: str = "head") -> str:
    """The DDL for ``url``'s dialect without connecting, e.g. to review PostgreSQL output."""
    import io

    buffer = io.StringIO()
    cfg = Config(output_buffer=buffer)
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, revision, sql=True)
    return buffer.getvalue()
