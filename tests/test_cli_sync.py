"""`kiosk queue take` and `kiosk sync now|status` through `main()`, as a technician's shell runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import CentralServer, free_port, start_central


def _config(tmp_path: Path, url: str, token: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "KIOSK-CLI-SYNC"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[central]\nurl = "{url}"\ntoken = "{token}"\nconnect_timeout_s = 0.3\npatience_s = 1.0\n',
        encoding="utf-8",
    )
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out: dict[str, object] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return out


def test_queue_take_prints_the_ticket_central_made(
    tmp_path: Path, central: CentralServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, central.url, central.enrol("KIOSK-CLI-SYNC"))
    assert main(["queue", "take", "C01-A", "--json", "--config", str(config)]) == 0
    ticket = _json(capsys)
    assert ticket["offline"] is False
    assert ticket["status"] == "issued"
    assert str(ticket["number"]).startswith("A")
    assert (tmp_path / "data" / "print").exists()  # the configured (simulated) printer printed it


@pytest.fixture
def live_central(tmp_path: Path) -> Iterator[CentralServer]:
    """Central on the real clock, as the CLI's kiosk runs on it: leases are for the same day."""
    server = start_central(tmp_path / "central.db")
    yield server
    server.stop()


def test_offline_take_then_sync_now_and_status(
    tmp_path: Path, live_central: CentralServer, capsys: pytest.CaptureFixture[str]
) -> None:
    central = live_central
    token = central.enrol("KIOSK-CLI-SYNC")
    online = _config(tmp_path, central.url, token)
    assert main(["sync", "now", "--config", str(online)]) == 0  # centers, leases
    capsys.readouterr()
    offline = _config(tmp_path, f"http://127.0.0.1:{free_port()}", token)
    assert main(["queue", "take", "C01-B", "--priority", "veteran", "--json", "--config", str(offline)]) == 0
    ticket = _json(capsys)
    assert ticket["offline"] is True
    assert main(["sync", "status", "--json", "--config", str(offline)]) == 0
    status = _json(capsys)
    assert status["outbox"] == {"ticket": 1}
    assert status["refused"] == []
    assert main(["sync", "now", "--json", "--config", str(offline)]) == 1  # central unreachable
    failed = _json(capsys)
    assert failed["online"] is False
    assert "unreachable" in str(failed["last_error"])
    _config(tmp_path, central.url, token)
    assert main(["sync", "now", "--json", "--config", str(online)]) == 0
    done = _json(capsys)
    assert done["sent"] == 1
    assert main(["sync", "status", "--json", "--config", str(online)]) == 0
    after = _json(capsys)
    assert after["outbox"] == {}
    assert after["last_success_at"]
