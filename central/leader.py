"""Who runs the periodic jobs when several central processes share one database.

The sweep (no-shows, expired holds, reminders, erasures, appeal deadlines, the fleet's rollout and
alerts) must run once per central, not once per worker or per host behind the proxy. Each process
asks for this lock before a pass; one holds it, the others skip and ask again next pass.

The lock dies with its holder, so a ``kill -9`` hands the jobs on at the next pass without a
lease to expire: on PostgreSQL a session advisory lock on a connection kept open for it (the
server drops it when the connection closes), on SQLite an ``flock`` on a file beside the database
(the kernel drops it when the process ends). An in-memory SQLite database has one process: always held.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


class LeaderLock:
    """Held by at most one process per database at a time; :meth:`try_acquire` before each pass."""

    def __init__(self, engine: Engine, name: str = "central-periodic-jobs") -> None:
        self.engine = engine
        self.name = name
        self._key = zlib.crc32(name.encode()) & 0x7FFFFFFF  # advisory locks take a bigint
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self) -> bool:
        """True when this process holds the lock now (checks a held one is still alive)."""
        was = self._held
        if self.engine.dialect.name == "sqlite":
            self._held = self._try_file()
        else:
            self._held = self._try_advisory()
        if self._held != was:
            log.info(
                "periodic jobs: %s (pid %d)",
                "this process runs them" if self._held else "handed on",
                os.getpid(),
            )
        return self._held

    def release(self) -> None:
        if self._conn is not None:
            try:
                # Closed, not returned to the pool: the session ends, and the advisory lock with it.
                self._conn.invalidate()
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None
        self._held = False

    def _try_advisory(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(sa.select(sa.literal(1)))
                return True
            except SQLAlchemyError:  # the server or the connection went away: so did the lock
                self.release()
        try:
            conn = self.engine.connect()
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
        except SQLAlchemyError:
            log.warning("periodic jobs: cannot ask the database for the lock", exc_info=True)
            return False
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def _try_file(self) -> bool:
        if self._file is not None:
            return True
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True
        path = Path(database).with_name(Path(database).name + ".jobs.lock")
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True
