"""``kiosk-central serve --workers 2`` as real processes: both answer, the jobs run once, nothing is left.

Runs on the test's database (PostgreSQL with ``CENTRAL_TEST_DB=postgresql``, the production set-up).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from central.leader import LeaderLock
from tests.central.test_serve import central_cmd, env, free_port, wait_healthy

pytestmark = pytest.mark.e2e

RUNS_THEM = re.compile(r"periodic jobs: this process runs them \(pid (\d+)\)")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): count it as gone.
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def wait_for(what: str, check: object, log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: " + log.read_text())


class Served:
    def __init__(self, tmp_path: Path, db_arg: str, workers: int) -> None:
        self.log = tmp_path / "serve.log"
        config = tmp_path / "central.toml"
        config.write_text("[appointments]\nsweep_seconds = 1\n")
        port = free_port()
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                central_cmd(
                    "serve",
                    "--config",
                    str(config),
                    "--db",
                    db_arg,
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ),
                cwd=tmp_path,
                env=env(),
                stdout=out,
                stderr=out,
            )
        self.url = f"http://127.0.0.1:{port}"
        wait_healthy(self.url, self.process, self.log)

    def text(self) -> str:
        return self.log.read_text()

    def workers(self) -> list[int]:
        found = re.search(r"central: \d+ workers \(pids ([\d ]+)\)", self.text())
        assert found, self.text()
        return [int(p) for p in found.group(1).split()]

    def leaders(self) -> list[int]:
        return [int(p) for p in RUNS_THEM.findall(self.text())]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def served(tmp_path: Path, db_arg: str, seeded: Engine) -> Iterator[Served]:
    server = Served(tmp_path, db_arg, workers=2)
    yield server
    server.stop()


def test_two_workers_answer_run_the_jobs_once_and_leave_nothing_on_sigterm(
    served: Served, token: str
) -> None:
    pids = served.workers()
    assert len(pids) == 2
    assert all(alive(p) for p in pids)

    def ask(_i: int) -> str:
        with httpx.Client() as fresh:  # a new connection each: the kernel spreads them over the workers
            answer = fresh.get(served.url + "/api/v1/centers", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        return answer.headers["x-central-worker"]

    seen: set[str] = set()
    deadline = time.monotonic() + 20
    with ThreadPoolExecutor(8) as pool:
        while seen != {"1", "2"} and time.monotonic() < deadline:
            seen |= set(pool.map(ask, range(32)))
    assert seen == {"1", "2"}

    wait_for("a worker takes the periodic jobs", lambda: served.leaders(), served.log)
    time.sleep(2.5)  # two more sweep passes: the other worker must still not take them
    assert len(served.leaders()) == 1
    assert served.leaders()[0] in pids

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    assert not [p for p in pids if alive(p)]
    assert "central stopped (SIGTERM)" in served.text()
    assert "Traceback" not in served.text()


def test_a_killed_worker_is_replaced_and_its_jobs_handed_on(served: Served) -> None:
    wait_for("a worker takes the periodic jobs", lambda: served.leaders(), served.log)
    leader = served.leaders()[0]
    os.kill(leader, signal.SIGKILL)
    wait_for("the other worker takes the jobs", lambda: len(served.leaders()) == 2, served.log)
    assert served.leaders()[1] != leader
    wait_for("the worker is started again", lambda: "starting it again" in served.text(), served.log)
    assert httpx.get(served.url + "/health").status_code == 200


def test_workers_end_with_their_supervisor_even_on_kill_9(served: Served) -> None:
    pids = served.workers()
    served.process.kill()
    served.process.wait()
    wait_for("the workers end (PR_SET_PDEATHSIG)", lambda: not [p for p in pids if alive(p)], served.log)


def test_leader_lock_is_held_by_one_holder_and_freed_by_release(engine: Engine) -> None:
    first, second = LeaderLock(engine), LeaderLock(engine.execution_options())
    # A second process is modelled by a second lock object: its own connection or open file.
    try:
        assert first.try_acquire()
        assert first.try_acquire()  # still held: a pass later
        if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
            return
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_worker_count_from_flag_env_config_and_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from argparse import Namespace

    from central import cli, config
    from central.db import database_url

    sqlite, pg = database_url("/tmp/c.db"), database_url("postgresql+psycopg://u@h/db")
    cfg = config.load(env={})
    monkeypatch.delenv(cli.WORKERS_ENV, raising=False)
    assert cli._workers(Namespace(), cfg, sqlite, demo_clock=False) == 1
    assert cli._workers(Namespace(), cfg, pg, demo_clock=False) == (os.cpu_count() or 1)
    monkeypatch.setenv(cli.WORKERS_ENV, "3")
    assert cli._workers(Namespace(), cfg, pg, demo_clock=False) == 3
    assert cli._workers(Namespace(workers=2), cfg, pg, demo_clock=False) == 2  # the flag wins
    assert cli._workers(Namespace(workers=2), cfg, sqlite, demo_clock=False) == 2
    assert "only wait on its write lock" in capsys.readouterr().err
    assert cli._workers(Namespace(workers=4), cfg, pg, demo_clock=True) == 1
    assert "--clock runs one worker" in capsys.readouterr().err
