"""``kiosk-central`` in-process: what operators see on stdout and stderr, and the exit codes."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from central import cli, db, kiosks
from central.db import create_engine

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CENTRAL_CONFIG", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "migrate", "kiosks", "seed-demo", "openapi"):
        assert re.search(rf"^\s+{command}\s+\S", out, re.MULTILINE), command


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys)[0] == 2


@pytest.mark.parametrize(
    "group", ["kiosks", "staff", "counters", "reminders", "tickets", "kb", "appeals", "fleet"]
)
def test_a_command_group_without_its_action_prints_its_help(
    group: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, group)
    assert code == 2
    assert f"kiosk-central {group}" in err
    assert "Traceback" not in err


def test_kiosk_lifecycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "c.db")
    code, out, err = run(capsys, "seed-demo", "--db", db)
    assert code == 0
    assert out == ""
    assert "demo data in place" in err

    code, out, err = run(capsys, "kiosks", "add", "KIOSK-01", "--center", "C02", "--db", db)
    assert code == 0
    assert TOKEN.match(out.strip()), out
    assert out.count("\n") == 1
    assert err == ""
    first = out.strip()

    code, out, _ = run(capsys, "kiosks", "add", "KIOSK-01", "--center", "C02", "--db", db)
    assert code == 0
    assert out.strip() != first  # rotated

    code, out, _ = run(capsys, "kiosks", "list", "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["KIOSK", "CENTER", "STATE", "CREATED", "LAST", "SEEN"]
    assert lines[1].split()[:3] == ["KIOSK-01", "C02", "active"]
    assert lines[1].endswith("never")

    code, _, err = run(capsys, "kiosks", "revoke", "KIOSK-01", "--db", db)
    assert (code, err) == (0, "KIOSK-01: revoked\n")
    code, out, _ = run(capsys, "kiosks", "list", "--db", db)
    assert out.splitlines()[1].split()[2] == "revoked"

    assert len(kiosks.list_all(create_engine(db))) == 1


def test_refusals_are_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "c.db")
    code, out, err = run(capsys, "kiosks", "add", "KIOSK-01", "--center", "C01", "--db", db)
    assert (code, out) == (1, "")
    assert err == "kiosk-central: unknown center 'C01' (seed-demo or add the center first)\n"

    code, out, err = run(capsys, "kiosks", "revoke", "NOPE", "--db", db)
    assert (code, out, err) == (1, "", "kiosk-central: unknown kiosk 'NOPE'\n")

    missing = tmp_path / "missing.db"
    code, _, err = run(capsys, "kiosks", "list", "--db", str(missing))
    assert code == 1
    assert err.count("\n") == 1
    assert "no database at" in err
    assert not missing.exists()  # listing does not create databases

    code, _, err = run(capsys, "migrate", "--db", str(tmp_path / "no" / "such" / "dir.db"))
    assert code == 1
    assert "does not exist" in err


def test_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "migrate", "--db", str(tmp_path / "m.db"))
    assert (code, out) == (0, "")
    assert err.endswith("schema at revision 0013\n")


def test_seed_demo_twice_via_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "s.db")
    first = run(capsys, "seed-demo", "--db", db)
    second = run(capsys, "seed-demo", "--db", db)
    assert first == second
    assert first[0] == 0


def test_seed_demo_clock_dates_the_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "c.db")
    assert run(capsys, "seed-demo", "--db", path, "--clock", "2026-01-10T12:00")[0] == 0
    with create_engine(path).connect() as conn:
        published = conn.execute(
            sa.select(db.announcements.c.published_at).where(db.announcements.c.id == "ANN-HOLIDAYS")
        ).scalar_one()
    assert published == datetime(2026, 1, 8, tzinfo=ZoneInfo("Europe/Moscow"))
    code, out, err = run(capsys, "seed-demo", "--db", path, "--clock", "yesterday")
    assert (code, out) == (1, "")
    assert err == "kiosk-central: --clock 'yesterday': expected a local time such as 2026-12-01T09:55\n"


def test_tickets_list_shows_the_days_tickets_with_their_request_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json as _json
    import uuid

    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.db import create_engine, database_url
    from service_common.clock import SystemClock

    db_file = tmp_path / "c.db"
    assert cli.main(["seed-demo", "--db", str(db_file)]) == 0
    assert cli.main(["kiosks", "add", "KIOSK-LIST", "--center", "C01", "--db", str(db_file)]) == 0
    token = capsys.readouterr().out.strip()
    clock = SystemClock("Europe/Moscow")
    with TestClient(create_app(create_engine(database_url(db_file)), clock)) as client:
        request_id = str(uuid.uuid4())
        made = client.post("/api/v1/tickets", json={"request_id": request_id, "service_id": "C01-A"},
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert made.status_code == 201, made.text
    day = made.json()["ticket"]["business_date"]
    assert cli.main(["tickets", "list", "--center", "C01", "--day", day, "--json", "--db", str(db_file)]) == 0
    rows = _json.loads(capsys.readouterr().out)
    assert rows == [
        {**rows[0], "number": made.json()["ticket"]["display"], "request_id": request_id, "status": "waiting",
         "kiosk_id": "KIOSK-LIST"}
    ]  # fmt: skip
    assert cli.main(["tickets", "list", "--center", "C01", "--day", day, "--db", str(db_file)]) == 0
    assert request_id in capsys.readouterr().out


def test_central_log_lines_mask_card_numbers() -> None:
    import logging

    record = logging.LogRecord(
        "central", logging.INFO, __file__, 1, "lookup %s", ("4111 1111 1111 1111",), None
    )
    assert cli.ScrubbingFilter().filter(record)
    assert "4111 1111 1111 1111" not in record.getMessage()
    assert record.getMessage() == "lookup **** 1111"
