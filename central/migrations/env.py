"""Alembic environment, driven from code by :mod:`central.migrate` (there is no alembic.ini).

The caller hands over an open connection in ``config.attributes["connection"]`` so the
migration runs in the caller's transaction with the caller's SQLite pragmas. Offline
(``--sql``) mode renders the DDL for a URL such as ``postgresql://`` without connecting.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from central.db import metadata

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # ALTER TABLE on SQLite needs batch mode in later revisions
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    conn = config.attributes.get("connection")
    if conn is None:
        raise RuntimeError("central migrations run through central.migrate, which passes a connection")
    run_online(conn)
