"""A throwaway PostgreSQL cluster for the central's tests, from the distribution's binaries.

``bash run.sh test`` installs Debian's ``postgresql`` package; this starts a private cluster of it in a
temporary folder (no systemd, no system cluster touched), tuned for tests (no fsync), on a free port
of 127.0.0.1, and stops it at the end of the session. Each test gets its own database, cloned from a
template migrated once, so tests stay as isolated as with a SQLite file each.

initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` account the
package creates.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMPLATE = "central_template"


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def available() -> bool:
    return _bindir() is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """One running cluster; :meth:`database` hands out fresh databases cloned from the template."""

    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (bash run.sh test installs it)")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="central-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._user = "postgres" if os.geteuid() == 0 else None
        self._counter = itertools.count(1)
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = list(args)
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "central", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            "-c shared_buffers=64MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://central@127.0.0.1:{self.port}"

    def url(self, database: str) -> str:
        return f"{self.server_url}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=central dbname=postgres", autocommit=True
        ) as c:
            c.execute(sql)

    def create_template(self) -> str:
        """An empty database migrated to head, for :meth:`database` to clone."""
        from central import db, migrate

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        engine = db.create_engine(self.url(TEMPLATE))
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        return TEMPLATE

    def database(self, template: str | None = TEMPLATE) -> str:
        """A new database's URL (cloned from ``template``, or empty)."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        clone = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin(f"CREATE DATABASE {name}{clone}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with contextlib.suppress(Exception):
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running() -> Iterator[Cluster]:
    cluster = Cluster()
    cluster.start()
    try:
        deadline = time.monotonic() + 30
        while True:  # pg_ctl -w waits for start-up; a first connection confirms it takes clients
            try:
                cluster.admin("SELECT 1")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield cluster
    finally:
        cluster.stop()
