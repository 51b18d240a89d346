"""``kiosk-central staff ...``, ``counters ...`` and the demo account printed by ``seed-demo``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from central import cli, db, staff
from central.queue import admin

from .test_cli import run


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CENTRAL_CONFIG", raising=False)


def test_help_lists_the_queue_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("staff", "counters"):
        assert re.search(rf"^\s+{command}\s+\S", out, re.MULTILINE), command
    assert run(capsys, "staff")[0] == 2
    assert run(capsys, "counters")[0] == 2


def test_seed_demo_prints_the_demo_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "seed-demo", "--db", str(tmp_path / "c.db"))
    assert (code, out) == (0, "")
    assert "demo counter staff: demo / demo-password (demo only: no forced password change" in err
    assert "10 counters" in err
    engine = db.create_engine(tmp_path / "c.db")
    assert staff.password_matches(engine, "demo", "demo-password")
    # demo accounts (counter, knowledge base) have fixed passwords: no forced change
    assert {s.must_change for s in staff.list_all(engine)} == {False}


def test_staff_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "c.db")
    run(capsys, "seed-demo", "--db", path)
    code, out, err = run(
        capsys, "staff", "add", "petrova", "--role", "agent", "--center", "C02", "--db", path
    )
    assert (code, err) == (0, "")
    password = out.strip()
    assert out.count("\n") == 1
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", password)
    engine = db.create_engine(path)
    assert staff.password_matches(engine, "petrova", password)
    code, again, _ = run(capsys, "staff", "add", "petrova", "--role", "supervisor", "--db", path)
    assert code == 0
    assert again.strip() != password  # a reset gives a new initial password
    assert not staff.password_matches(engine, "petrova", password)
    code, out, _ = run(capsys, "staff", "list", "--db", path)
    lines = out.splitlines()
    assert lines[0].split() == ["USERNAME", "ROLE", "CENTER", "PASSWORD", "CREATED"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["demo"][:3] == ["demo", "supervisor", "any"]
    assert rows["petrova"][:5] == ["petrova", "supervisor", "any", "must", "change"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["staff", "add", "Bad Name"], "bad username 'Bad Name'"),
        (["staff", "add", "x", "--center", "C99"], "unknown center 'C99'"),
        (["counters", "add", "C99", "5", "--services", "C01-A"], "unknown center 'C99'"),
        (["counters", "add", "C01", "5", "--services", "C02-A"], "not a service of C01: C02-A"),
        (["counters", "add", "C01", "5", "--services", ""], "at least one service"),
        (["counters", "add", "C01", "a b", "--services", "C01-A"], "bad counter name 'a b'"),
    ],
)
def test_refusals_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    path = str(tmp_path / "c.db")
    run(capsys, "seed-demo", "--db", path)
    code, out, err = run(capsys, *argv, "--db", path)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert message in err


def test_counters_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "c.db")
    run(capsys, "seed-demo", "--db", path)
    code, out, err = run(capsys, "counters", "add", "C01", "5", "--services", "C01-A,C01-B", "--db", path)
    assert (code, out, err) == (0, "", "counter C01-5: serves C01-A, C01-B\n")
    code, _, _ = run(capsys, "counters", "add", "C01", "5", "--services", "C01-D", "--db", path)
    assert code == 0
    info = {c.id: c for c in admin.list_counters(db.create_engine(path))}
    assert info["C01-5"].services == ("C01-D",)
    assert info["C01-2"].services == ("C01-A", "C01-B")
    code, out, _ = run(capsys, "counters", "list", "--db", path)
    assert out.splitlines()[0].split() == ["COUNTER", "CENTER", "NAME", "SERVICES"]
    assert any(line.split() == ["C01-5", "C01", "5", "C01-D"] for line in out.splitlines())
    assert len(out.splitlines()) == 12


def test_listing_needs_an_existing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for group in ("staff", "counters"):
        code, _, err = run(capsys, group, "list", "--db", str(tmp_path / "none.db"))
        assert code == 1
        assert "no database at" in err
