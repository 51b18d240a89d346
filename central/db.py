"""Table metadata (SQLAlchemy Core, no ORM) and engine creation.

The schema must run unchanged on PostgreSQL later, so it uses only portable types:
``sa.JSON`` for multilingual text, decimal amounts as strings (no float rounding, no
SQLite ``NUMERIC`` affinity), and :class:`UTCDateTime` for every timestamp.

The migrations in ``central/migrations/versions`` are the source of truth for the
database; this module mirrors them for queries, and a test checks they agree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.engine.interfaces import Dialect

LANGUAGES = ("ru", "zh-Hant", "en")
"""Keys of every multilingual text object stored in a JSON column."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Named constraints, so later migrations (batch mode on SQLite) can refer to them by name."""


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp, always stored in UTC.

    SQLite has no time zone type and SQLAlchemy drops the offset there, so values are
    normalised to UTC on the way in (naive values are refused: they are bugs) and
    marked UTC on the way out. Stored SQLite text is fixed-width, so comparisons in
    SQL order correctly; on PostgreSQL this is ``timestamp with time zone``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the central stores only aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

centers = sa.Table(
    "centers",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("name", sa.JSON, nullable=False),
    sa.Column("address", sa.JSON, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("phone", sa.String(32), nullable=False, server_default=""),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
)

opening_hours = sa.Table(
    "opening_hours",
    metadata,
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("weekday", sa.SmallInteger, primary_key=True),
    sa.Column("opens", sa.String(5), nullable=False),
    sa.Column("closes", sa.String(5), nullable=False),
    sa.Column("break_start", sa.String(5), nullable=True),
    sa.Column("break_end", sa.String(5), nullable=True),
    sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
)
"""One row per open weekday (0 = Monday); a weekday without a row is closed."""

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "center_id",
        sa.String(16),
        sa.ForeignKey("centers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("prefix", sa.String(1), nullable=False),
    sa.Column("name", sa.JSON, nullable=False),
    sa.Column("description", sa.JSON, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("center_id", "prefix", name="uq_services_center_id_prefix"),
)
"""Queue services; the prefix letter starts ticket numbers (A001), so it is unique per center."""

announcements = sa.Table(
    "announcements",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=True, index=True
    ),
    sa.Column("title", sa.JSON, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
)
"""``center_id`` NULL means every center."""

interest_rates = sa.Table(
    "interest_rates",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("product", sa.JSON, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("term_months", sa.Integer, nullable=False),
    sa.Column("rate_percent", sa.String(16), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("kind IN ('deposit', 'loan')", name="kind"),
)

exchange_rates = sa.Table(
    "exchange_rates",
    metadata,
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("buy", sa.String(16), nullable=False),
    sa.Column("sell", sa.String(16), nullable=False),
    sa.Column("as_of", UTCDateTime, nullable=False),
)
"""Current rates only, one row per currency; history can come with its own table."""

kiosks = sa.Table(
    "kiosks",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("last_seen_at", UTCDateTime, nullable=True),
)
"""Only the SHA-256 of a kiosk's token is kept: a copied database does not hand out tokens."""


def database_url(db: str | Path) -> URL:
    """``--db`` takes a file path (SQLite) or a SQLAlchemy URL such as ``postgresql+psycopg://...``."""
    text = str(db)
    if "://" in text:
        return make_url(text)
    return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser().resolve()))


_SQLITE_BEGIN = "central_sqlite_begin"


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module (it skips it before SELECT and DDL), see _sqlite_on_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # A real BEGIN for every transaction: repeatable reads and transactional DDL for migrations.
    mode = conn.get_execution_options().get(_SQLITE_BEGIN, "")
    conn.exec_driver_sql(f"BEGIN {mode}" if mode else "BEGIN")


def create_engine(db: str | Path | URL) -> Engine:
    """The one engine of the process; SQLite gets its pragmas on every new connection."""
    url = db if isinstance(db, URL) else database_url(db)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that means to write: on SQLite it takes the write lock at BEGIN (IMMEDIATE).

    A plain BEGIN that reads first and writes later fails at once with "database is locked"
    when another process wrote in between; IMMEDIATE waits up to busy_timeout instead.
    Other databases ignore the option.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            yield conn


def describe(url: URL) -> str:
    """The database for messages, without a password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)
