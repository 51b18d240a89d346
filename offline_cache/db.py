"""The kiosk's one SQLite file: opening it safely from several threads, transactions, migrations.

Each thread gets its own connection (sqlite3 objects must not cross threads); WAL lets the
sync worker write while the UI's workers read. ``synchronous=FULL``: the outbox is the only
record of a ticket issued offline, so a commit must survive a power cut, not only a crash.
Writes that belong together (an offline check-in's number, ticket, outbox records) go through
:meth:`CacheDB.transaction`, so a ``kill -9`` between them leaves all of it or none.

Only the modules of this package run SQL; the rest of the kiosk calls them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

log = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.table("documents").create(
        {"key": str, "body": str, "fetched_at": str},
        pk="key",
    )
    db.table("outbox").create(
        {
            "id": str,  # kiosk-generated: the same id on every retry, so central never duplicates
            "kind": str,
            "payload": str,
            "created_at": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"kind", "payload", "created_at", "attempts"},
        defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["sent_at", "next_attempt_at"])


def _m002_queue(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'")
    db.table("leases").create(
        {
            "id": str,
            "service_id": str,
            "prefix": str,
            "business_date": str,
            "first": int,
            "last": int,
            "next": int,  # the next number this kiosk may issue offline
            "expires_at": str,
        },
        pk="id",
        not_null={"service_id", "business_date", "first", "last", "next"},
    )
    db.table("leases").create_index(["service_id", "business_date"])
    db.table("tickets").create(
        {
            "request_id": str,  # kiosk-generated, the idempotency key at central
            "central_id": str,
            "service_id": str,
            "display": str,
            "priority": str,
            "issued_by": str,
            "issued_at": str,
            "offline": int,
            "status": str,  # issued | void
            "body": str,  # what was printed, for a reprint
        },
        pk="request_id",
    )
    db.table("tickets").create_index(["issued_at"])
    db.table("staff").create(
        {"name": str, "pin_hash": str, "salt": str, "created_at": str},
        pk="name",
        not_null={"pin_hash", "salt"},
    )


def _m003_checkins(db: sqlite_utils.Database) -> None:
    """Appointment check-ins made here: a second scan of the same code reprints, never a new number."""
    db.table("checkins").create(
        {
            "code": str,
            "ticket_request_id": str,  # the ticket in the tickets table
            "checked_in_at": str,
            "offline": int,
        },
        pk="code",
        not_null={"ticket_request_id", "checked_in_at"},
    )


def _m004_sync(db: sqlite_utils.Database) -> None:
    """Lease requests kept until answered (a retry reuses the id), and what each sync job did last."""
    db.table("lease_requests").create(
        {"service_id": str, "business_date": str, "request_id": str, "size": int},
        pk=("service_id", "business_date"),
        not_null={"request_id", "size"},
    )
    db.table("sync_state").create(
        {"job": str, "last_success_at": str, "last_error_at": str, "last_error": str},
        pk="job",
    )


def _m005_knowledge(db: sqlite_utils.Database) -> None:
    """Knowledge articles with tombstones, and one FTS5 index of analyzed terms per language."""
    from offline_cache.knowledge import create_tables

    create_tables(db)


def _m006_knowledge_fields(db: sqlite_utils.Database) -> None:
    """Articles gain a section (the information sections), an order, steps, related articles."""
    from offline_cache.knowledge import add_fields

    add_fields(db)


def _m007_kb_sync(db: sqlite_utils.Database) -> None:
    """The cursor of the knowledge base's last complete sync with central."""
    from offline_cache.kb_sync import create_tables

    create_tables(db)


def _m008_fleet(db: sqlite_utils.Database) -> None:
    """The fleet: the paper meter, technicians and their audit, commands from central, settings kept here."""
    from offline_cache.fleet import create_tables

    create_tables(db)


def _m009_appeals(db: sqlite_utils.Database) -> None:
    """Appeals filed here (kept for the local status until central has them) and their per-day counter."""
    from offline_cache.appeals import create_tables

    create_tables(db)


MIGRATIONS: list[Migration] = [
    _m001_initial, _m002_queue, _m003_checkins, _m004_sync, _m005_knowledge, _m006_knowledge_fields,
    _m007_kb_sync, _m008_fleet, _m009_appeals,
]  # fmt: skip


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations in order; ``PRAGMA user_version`` records how far we are."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        log.info("cache database migrated to version %d", number)
    return len(MIGRATIONS)


class CacheDB:
    """Thread-local connections to the kiosk database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        migrate(self.db)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        current = getattr(self._local, "db", None)
        if current is None:
            current = sqlite_utils.Database(self._connect())
            self._local.db = current
        return current

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT`` on this thread's connection; nested calls join the outer one."""
        db = self.db
        conn = db.conn
        if conn.in_transaction:
            yield db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        current = getattr(self._local, "db", None)
        if current is not None:
            current.close()
            self._local.db = None
