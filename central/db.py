"""Table metadata (SQLAlchemy Core, no ORM) and engine creation.

The schema must run unchanged on PostgreSQL later, so it uses only portable types:
``sa.JSON`` for multilingual text, decimal amounts as strings (no float rounding, no
SQLite ``NUMERIC`` affinity), and :class:`UTCDateTime` for every timestamp.

The migrations in ``central/migrations/versions`` are the source of truth for the
database; this module mirrors them for queries, and a test checks they agree.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import IntegrityError

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

# ----- the electronic queue (revision 0002) -----

TICKET_STATUSES = ("waiting", "called", "serving", "done", "no_show", "parked", "void")
PRIORITIES = ("none", "disability", "pregnancy", "veteran", "appointment")
STAFF_ROLES = ("agent", "supervisor", "maintainer", "reviewer", "admin", "technician")
"""One role per account: counter (agent, supervisor), knowledge (maintainer, reviewer), admin, technician."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


counters = sa.Table(
    "counters",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(16), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("opened_session", sa.String(64), nullable=True),
    sa.Column("opened_by", sa.String(64), nullable=True),
    sa.Column("opened_at", UTCDateTime, nullable=True),
    sa.Column("serving", sa.JSON, nullable=True),
    sa.UniqueConstraint("center_id", "name", name="uq_counters_center_id_name"),
)
"""Service windows. ``opened_session`` is the staff session working it (hash), ``serving`` the
service ids chosen at opening; the counter counts as open while that session is alive."""

counter_services = sa.Table(
    "counter_services",
    metadata,
    sa.Column(
        "counter_id", sa.String(32), sa.ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    ),
)
"""The services a counter may serve (configured data); staff pick a subset when opening it."""

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="SET NULL"), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("must_change", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(_in("role", STAFF_ROLES), name="role"),
)
"""Counter staff; ``center_id`` NULL may work at any center. Passwords: scrypt, see central.staff."""

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "username",
        sa.String(64),
        sa.ForeignKey("staff.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

ticket_sequences = sa.Table(
    "ticket_sequences",
    metadata,
    sa.Column(
        "service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("next_number", sa.Integer, nullable=False),
    sa.Column("lease_floor", sa.Integer, nullable=True),
)
"""The one daily number sequence per service: online tickets take the next number upward from 1,
leases take blocks downward from the ceiling (``lease_floor`` is the lowest number leased so far),
so the day's first visitor gets 001 however many numbers the kiosks hold for an outage."""

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False, unique=True),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("first", sa.Integer, nullable=False),
    sa.Column("last", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)
"""Blocks of numbers a kiosk may issue offline; disjoint by construction (see central.queue.store)."""

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False, unique=True),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="SET NULL"), nullable=True),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "queue_service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("prefix", sa.String(1), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("issued_by", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("lease_id", sa.String(32), sa.ForeignKey("leases.id", ondelete="SET NULL"), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("queued_at", UTCDateTime, nullable=False),
    sa.Column("rank_at", UTCDateTime, nullable=False),
    sa.Column("called_at", UTCDateTime, nullable=True),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("counter_id", sa.String(32), sa.ForeignKey("counters.id", ondelete="SET NULL"), nullable=True),
    sa.Column("call_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("void_reason", sa.String(200), nullable=True),
    sa.Column("response", sa.Text, nullable=False),
    sa.UniqueConstraint("service_id", "business_date", "number", name="uq_tickets_service_id"),
    sa.CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
    sa.CheckConstraint(_in("priority", PRIORITIES), name="priority"),
    sa.Index("ix_tickets_line", "queue_service_id", "business_date", "status", "rank_at", "number"),
    sa.Index("ix_tickets_calls", "center_id", "business_date", "called_at"),
    sa.Index("ix_tickets_done", "queue_service_id", "business_date", "finished_at"),
    sa.Index("ix_tickets_counter", "counter_id", "status"),
)
"""Queue tickets. ``service_id`` issued the number (prefix, uniqueness) and never changes;
``queue_service_id`` is the line it waits in now (differs after a transfer). ``rank_at`` is
``queued_at`` minus the priority bonus: the call order (central.queue.engine). ``response`` is
the exact creation body, replayed byte for byte when the kiosk retries its request_id."""

central_secrets = sa.Table(
    "central_secrets",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)
"""Server-side keys made on first use, e.g. the HMAC key of the public ticket links."""


# ----- appointments (revision 0003) -----

APPOINTMENT_STATUSES = ("held", "confirmed", "cancelled", "checked_in", "missed")

booking_settings = sa.Table(
    "booking_settings",
    metadata,
    sa.Column(
        "service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("slot_minutes", sa.Integer, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("min_notice_min", sa.Integer, nullable=False, server_default="60"),
    sa.Column("horizon_days", sa.Integer, nullable=False, server_default="30"),
    sa.Column("holiday_country", sa.String(16), nullable=True, server_default="RU"),
)
"""Per-service slot rules; a service without a row cannot be booked. NULL country: no holidays."""


def _weekly_spans(name: str) -> sa.Table:
    """Per service and weekday, wall-clock spans ("09:00"-"13:00"): booking windows and breaks alike."""
    return sa.Table(
        name,
        metadata,
        sa.Column(
            "center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("weekday", sa.SmallInteger, primary_key=True),
        sa.Column("start", sa.String(5), primary_key=True),
        sa.Column("end", sa.String(5), nullable=False),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
    )


booking_schedules = _weekly_spans("booking_schedules")
"""Booking windows per weekday in the center's wall-clock time; separate from walk-in hours."""

booking_breaks = _weekly_spans("booking_breaks")

schedule_exceptions = sa.Table(
    "schedule_exceptions",
    metadata,
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("windows", sa.JSON, nullable=True),
)
"""One date of a center: closed, or ``windows`` ([["10:00", "14:00"], ...]) replacing the weekday's."""

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("code", sa.String(16), nullable=True, unique=True),
    sa.Column("request_id", sa.String(64), nullable=False, unique=True),
    sa.Column("confirm_request_id", sa.String(64), nullable=True, unique=True),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    sa.Column("slot_start_utc", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("hold_expires_at", UTCDateTime, nullable=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("phone_hash", sa.String(64), nullable=True, index=True),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("ticket_id", sa.String(32), sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("cancelled_by", sa.String(80), nullable=True),
    sa.Column("cancelled_at", UTCDateTime, nullable=True),
    sa.CheckConstraint(_in("status", APPOINTMENT_STATUSES), name="status"),
    sa.Index("ix_appointments_slot", "service_id", "slot_start_utc", "status"),
    # Only bookings still holding a phone: what the retention sweep looks for (revision 0005).
    sa.Index(
        "ix_appointments_personal",
        "slot_start_utc",
        sqlite_where=sa.text("phone IS NOT NULL"),
        postgresql_where=sa.text("phone IS NOT NULL"),
    ),
)
"""Holds and bookings. ``code`` (digits with a check digit) is given at confirmation;
``phone_hash`` is an HMAC of the normalised phone, kept for the fair-use limits; ``name``, ``phone``
and ``email`` are kept only for reminders and erased ``personal_data_days`` after the slot;
``response`` is the confirmation body, replayed for a retried ``confirm_request_id``."""

appointment_cancellations = sa.Table(
    "appointment_cancellations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phone_hash", sa.String(64), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
)
"""Who cancelled when, for the cool-down after repeated cancellations."""


# ----- reminders and the visitor's manage page (revision 0004) -----

REMINDER_CHANNELS = ("sms", "email")
REMINDER_STATUSES = ("pending", "sent", "failed", "cancelled")

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "appointment_id", sa.String(32), sa.ForeignKey("appointments.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_try_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("appointment_id", "channel", name="uq_reminders_appointment_id"),
    sa.CheckConstraint(_in("channel", REMINDER_CHANNELS), name="channel"),
    sa.CheckConstraint(_in("status", REMINDER_STATUSES), name="status"),
    sa.Index("ix_reminders_due", "status", "next_try_at"),
)
"""The reminder outbox: written with the booking, sent by the sweep (central.appointments.reminders).
``next_try_at`` is when a sweep may (re)try it; a sweep pushes it on while sending, as a lease."""

manage_attempts = sa.Table(
    "manage_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_manage_attempts_code", "code", "at"),
)
"""Wrong last-four-digits tries on the public manage page (/a/CODE), for its lock-out."""


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


def load_or_create_secret(engine: Engine, name: str) -> bytes:
    """A 32-byte server secret, made once; if two processes race, both use the first one stored."""
    s = central_secrets
    with engine.connect() as conn:
        value = conn.execute(sa.select(s.c.value).where(s.c.name == name)).scalar_one_or_none()
    if value is None:
        try:
            with write_transaction(engine) as conn:
                conn.execute(sa.insert(s).values(name=name, value=secrets.token_hex(32)))
        except IntegrityError:  # another process made it first: use theirs
            pass
        with engine.connect() as conn:
            value = conn.execute(sa.select(s.c.value).where(s.c.name == name)).scalar_one()
    return bytes.fromhex(value)


# ----- knowledge base (revision 0008) -----

KB_SECTIONS = (
    "answers", "regulations", "guides", "faq", "contacts", "tariffs", "benefits", "templates", "promotions",
)  # fmt: skip
KB_CHANGE_KINDS = ("edit", "remove")
KB_CHANGE_STATES = ("draft", "in_review", "rejected", "published", "withdrawn")

kb_articles = sa.Table(
    "kb_articles",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("section", sa.String(16), nullable=False),
    sa.Column("content", sa.JSON, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("removed", sa.Boolean, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.Column("published_by", sa.String(64), nullable=False),
)
"""What kiosks get: the published revision of each article (``removed``: a tombstone). ``seq`` is
the position in the one change feed, taken anew at each publication: the kiosks' cursor."""

kb_changes = sa.Table(
    "kb_changes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("article_id", sa.String(100), nullable=False, index=True),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("content", sa.JSON, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("base_revision", sa.Integer, nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("editors", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("reviewer", sa.String(64), nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("comment", sa.String(1000), nullable=True),
    sa.CheckConstraint(_in("kind", KB_CHANGE_KINDS), name="kind"),
    sa.CheckConstraint(_in("state", KB_CHANGE_STATES), name="state"),
)
"""Proposed changes (maker/checker): an edit (new text) or a removal, with who wrote and who
reviewed it. ``editors`` lists everyone who wrote into it: none of them may approve it."""

kb_history = sa.Table(
    "kb_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.String(100), nullable=False, index=True),
    sa.Column("change_id", sa.String(32), nullable=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("revision", sa.Integer, nullable=True),
    sa.Column("comment", sa.String(1000), nullable=True),
    sa.Column("content", sa.JSON, nullable=True),
    sa.Column("previous", sa.JSON, nullable=True),
)
"""Every step of every change, append-only: who, when, what (``content``) and the text it replaced."""

kb_ratings = sa.Table(
    "kb_ratings",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), nullable=False),
    sa.Column("article_id", sa.String(100), nullable=False, index=True),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)
""""Was this helpful?" answers; the id is the kiosk's, so a resent rating counts once."""

kb_misses = sa.Table(
    "kb_misses",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("week", sa.String(8), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Index("ix_kb_misses_week", "week", "lang"),
)
"""Searches that found nothing; ``week`` is the ISO week of ``at`` (2026-W49) for the report."""

kb_leads = sa.Table(
    "kb_leads",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), nullable=False),
    sa.Column("article_id", sa.String(100), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)
""""I'm interested" on a promotion, given with the visitor's consent (refused without it)."""


# ----- the appeal registry (revision 0009) -----

APPEAL_KINDS = ("question", "application", "complaint", "feedback")
APPEAL_SOURCES = ("kiosk", "letter", "staff")
APPEAL_REPLY_BY = ("sms", "email", "letter", "center")
APPEAL_STATUSES = (
    "registered", "needs_info", "in_progress", "extended", "answered", "closed", "rejected", "overdue",
)  # fmt: skip
APPEAL_REJECT_REASONS = ("abusive", "unreadable", "commercial_secret", "repeat", "not_competent")
APPEAL_SATISFACTION = ("satisfied", "not_satisfied", "no_answer")

# Added by 0009 to tables defined above: the center's holiday calendar, the kiosk's serial.
centers.append_column(sa.Column("holiday_country", sa.String(16), nullable=True, server_default="RU"))
centers.append_column(sa.Column("holiday_subdiv", sa.String(16), nullable=True))
kiosks.append_column(sa.Column("serial", sa.Integer, nullable=True))
sa.Index("ix_kiosks_serial", kiosks.c.serial, unique=True)
"""NULL only in a row written by hand: central.kiosks.add always gives the next serial."""

appeal_departments = sa.Table(
    "appeal_departments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.JSON, nullable=False),
    sa.Column("contact", sa.String(254), nullable=False, server_default=""),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
)
"""Where appeals are handled; the ``is_default`` one takes what no route matches."""

appeal_handlers = sa.Table(
    "appeal_handlers",
    metadata,
    sa.Column(
        "username", sa.String(64), sa.ForeignKey("staff.username", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "department_id",
        sa.String(32),
        sa.ForeignKey("appeal_departments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("contact", sa.String(254), nullable=False),
)
"""Staff who answer appeals: the name and contact that go with their answers to the visitor."""

appeal_routes = sa.Table(
    "appeal_routes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id", ondelete="CASCADE"), nullable=True),
    sa.Column("region", sa.String(16), nullable=True),
    sa.Column("topic", sa.String(64), nullable=True),
    sa.Column(
        "department_id",
        sa.String(32),
        sa.ForeignKey("appeal_departments.id", ondelete="CASCADE"),
        nullable=False,
    ),
)
"""Territory (center, or region = the center's holiday subdivision) and topic to a department;
NULL matches anything, the most specific match wins (central.appeals.routing)."""

appeals = sa.Table(
    "appeals",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source", sa.String(8), nullable=False),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="SET NULL"), nullable=True),
    sa.Column("center_id", sa.String(16), sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("filed_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("phone_last4", sa.String(4), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("reply_by", sa.String(8), nullable=False),
    sa.Column("topic", sa.String(64), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("concerns", sa.String(500), nullable=True),
    sa.Column("happened_on", sa.Date, nullable=True),
    sa.Column("kb_query", sa.String(500), nullable=True),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reject_reason", sa.String(20), nullable=True),
    sa.Column(
        "department_id",
        sa.String(32),
        sa.ForeignKey("appeal_departments.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("handler", sa.String(64), nullable=True),
    sa.Column("paused_on", sa.Date, nullable=True),
    sa.Column("info_request", sa.Text, nullable=True),
    sa.Column("satisfaction", sa.String(16), nullable=True),
    sa.Column("no_answer_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reminded_on", sa.Date, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(_in("kind", APPEAL_KINDS), name="kind"),
    sa.CheckConstraint(_in("source", APPEAL_SOURCES), name="source"),
    sa.CheckConstraint(_in("reply_by", APPEAL_REPLY_BY), name="reply_by"),
    sa.CheckConstraint(_in("status", APPEAL_STATUSES), name="status"),
    sa.CheckConstraint(
        "reject_reason IS NULL OR " + _in("reject_reason", APPEAL_REJECT_REASONS), name="reject_reason"
    ),
    sa.CheckConstraint(
        "satisfaction IS NULL OR " + _in("satisfaction", APPEAL_SATISFACTION), name="satisfaction"
    ),
    sa.Index("ix_appeals_due", "status", "due_on"),
    sa.Index("ix_appeals_handler", "handler", "status"),
    sa.Index("ix_appeals_filed", "filed_at"),
)
"""One row per appeal. ``id`` is the kiosk-made idempotency key; ``number`` and ``deadline`` are
what the visitor holds on paper, never changed; ``due_on`` is the working deadline (paused while
``needs_info`` since ``paused_on``, moved by an extension). ``text`` is the visitor's own words
(card numbers masked on arrival), never edited: staff write events and answers."""

appeal_events = sa.Table(
    "appeal_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("appeal_id", sa.String(36), sa.ForeignKey("appeals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=True, unique=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("by", sa.String(80), nullable=False),
    sa.Column("note", sa.JSON, nullable=True),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Index("ix_appeal_events_appeal", "appeal_id", "id"),
)
"""The history and the audit trail: every change with who (``by``) and when; ``status`` is the
status after it. ``request_id`` makes a visitor's retried satisfaction answer count once."""

appeal_answers = sa.Table(
    "appeal_answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("appeal_id", sa.String(36), sa.ForeignKey("appeals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("by_username", sa.String(64), nullable=False),
    sa.Column("by_name", sa.String(200), nullable=False),
    sa.Column("by_contact", sa.String(254), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_appeal_answers_appeal", "appeal_id", "id"),
)
"""Answers given (a reopened appeal gets a second one); the latest is what the visitor sees."""

appeal_attempts = sa.Table(
    "appeal_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(24), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_appeal_attempts_number", "number", "at"),
)
"""Wrong phone digits / e-mail tries on a status lookup, for its lock-out."""

appeal_notices = sa.Table(
    "appeal_notices",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("appeal_id", sa.String(36), sa.ForeignKey("appeals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("to", sa.String(254), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.CheckConstraint("channel IN ('sms', 'email')", name="channel"),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    sa.Index("ix_appeal_notices_pending", "status", "created_at"),
)
"""Messages about appeals (the visitor's e-mail acknowledgement, the handler's overdue reminder),
written in the transaction that causes them and sent by the sweeper through the reminder channels."""


# ----- card statements (revision 0011) -----

card_blocks = sa.Table(
    "card_blocks",
    metadata,
    sa.Column("card_token", sa.String(64), primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False),
    sa.Column("blocked_at", UTCDateTime, nullable=False),
    sa.Column("kiosk_id", sa.String(64), nullable=False),
)
"""Temporary blocks held by the demo core bank (a real bank keeps them in its own system)."""

card_audit = sa.Table(
    "card_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("card_token", sa.String(64), nullable=False),
    sa.Column("kiosk_id", sa.String(64), nullable=False),
    sa.Column("center_id", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(16), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=True),  # revision 0012: the kiosk's idempotency key
    sa.CheckConstraint("action IN ('block', 'unblock')", name="action"),
    sa.Index("ix_card_audit_card_token", "card_token", "at"),
    sa.Index("uq_card_audit_request_id", "request_id", unique=True),
)
"""Every block and unblock: which card (by token), from which kiosk and center, when, the reference."""

card_nonces = sa.Table(
    "card_nonces",
    metadata,
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Index("ix_card_nonces_seen_at", "seen_at"),
)
"""Nonces of PIN attestations still inside their freshness window: a second use is a replay."""

card_rate = sa.Table(
    "card_rate",
    metadata,
    sa.Column("card_token", sa.String(64), primary_key=True),
    sa.Column("slot", sa.BigInteger, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Index("ix_card_rate_slot", "slot"),
)
"""Card requests per card token and fixed window (``slot`` = epoch seconds // window), revision 0012:
the rate limit shared by every worker and central process."""


# ----- the fleet: heartbeats and kiosk health (revision 0010) -----

FLEET_COLOURS = ("green", "yellow", "red")

fleet_state = sa.Table(
    "fleet_state",
    metadata,
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_heartbeat_at", UTCDateTime, nullable=False),
    sa.Column("last_heartbeat_id", sa.String(64), nullable=False),
    sa.Column("interval_s", sa.Integer, nullable=False),
    sa.Column("online", sa.Boolean, nullable=False),
    sa.Column("streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("offline_since", UTCDateTime, nullable=True),
    sa.Column("colour", sa.String(8), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("app_version", sa.String(32), nullable=False),
    sa.Column("config_version", sa.String(64), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.CheckConstraint(_in("colour", FLEET_COLOURS), name="colour"),
)
"""A kiosk's latest heartbeat; no row means "never seen". ``online`` is False from a detected
outage until ``streak`` heartbeats in a row have come back (the hysteresis of central.fleet.state)."""

fleet_heartbeats = sa.Table(
    "fleet_heartbeats",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("heartbeat_id", sa.String(64), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("colour", sa.String(8), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.UniqueConstraint("kiosk_id", "heartbeat_id", name="uq_fleet_heartbeats_kiosk_id"),
)
"""A short history per kiosk (the last ``HISTORY`` heartbeats); the kiosk-made id makes a resend a no-op."""

fleet_audit = sa.Table(
    "fleet_audit",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False, server_default=""),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Index("ix_fleet_audit_kiosk", "kiosk_id", "at"),
)
"""What technicians did at a kiosk (who, when, what, result), sent through the kiosk's outbox."""

FLEET_COMMAND_KINDS = ("restart_app", "reboot", "test_print", "screenshot", "upload_logs", "apply_config")
FLEET_COMMAND_STATUSES = ("queued", "sent", "acknowledged", "done", "failed", "expired")

fleet_commands = sa.Table(
    "fleet_commands",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("acked_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("result", sa.JSON, nullable=True),
    sa.CheckConstraint(_in("kind", FLEET_COMMAND_KINDS), name="kind"),
    sa.CheckConstraint(_in("status", FLEET_COMMAND_STATUSES), name="status"),
    sa.Index("ix_fleet_commands_kiosk", "kiosk_id", "status"),
)
"""Commands central queues for a kiosk, pulled with its heartbeat; each expires, is acknowledged and
reports a result."""

fleet_uploads = sa.Table(
    "fleet_uploads",
    metadata,
    sa.Column(
        "command_id", sa.String(32), sa.ForeignKey("fleet_commands.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""What a command brought back: a screenshot (inputs masked) or the last log lines."""

FLEET_ROLLOUT_STATUSES = ("pending", "offered", "applied", "healthy", "rolled_back")

fleet_configs = sa.Table(
    "fleet_configs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("scope", "version", name="uq_fleet_configs_scope"),
)
"""Signed configuration documents (Ed25519 over ``document``); ``scope`` is ``kiosk:ID``, ``center:ID`` or ``all``."""

fleet_rollouts = sa.Table(
    "fleet_rollouts",
    metadata,
    sa.Column(
        "config_id", sa.Integer, sa.ForeignKey("fleet_configs.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("stage", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(_in("status", FLEET_ROLLOUT_STATUSES), name="status"),
)
"""Where each kiosk stands in a configuration's staged rollout."""

FLEET_ALERT_STATUSES = ("pending", "sent", "cleared")

fleet_alerts = sa.Table(
    "fleet_alerts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("level", sa.String(8), nullable=False),
    sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("cleared_at", UTCDateTime, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.CheckConstraint(_in("status", FLEET_ALERT_STATUSES), name="status"),
    sa.Index("ix_fleet_alerts_kiosk", "kiosk_id", "status"),
)
"""One alert per kiosk and kind while its condition lasts: pending until the center is open, then
sent once through the reminder channels; cleared when the condition ends (never sent: no alarm)."""

# ----- queue at scale: waiting tickets per line -----

line_counts = sa.Table(
    "line_counts",
    metadata,
    sa.Column(
        "service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("waiting", sa.Integer, nullable=False),
)
"""Waiting tickets of each line (``tickets.queue_service_id`` and day), kept by database triggers
(migration 0013) in the same transaction as every ticket change, so a new ticket's place in line
costs the same with 10 or 5,000 waiting (see central.queue.estimates.new_ticket_line)."""
