"""Fifty simulated kiosks (asyncio, httpx) against the real central on loopback: heartbeats, the
command queue and alerts, checked as the fleet page and the alert files show them."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import db, kiosks
from central.fleet import commands, state
from service_common.clock import SystemClock
from tests.central.test_serve import central_cmd, cli, env, free_port, stop_cleanly, wait_healthy

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
SILENT = {"SIM-07", "SIM-17", "SIM-27"}  # go quiet after the first round: offline later
NEVER = {"SIM-47", "SIM-48"}  # enrolled, never switched on


class Central:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.db, self.port = tmp, tmp / "central.db", free_port()
        self.spool = tmp / "spool"
        self.log = tmp / "serve.log"
        config = tmp / "central.toml"
        config.write_text(
            f'[appointments]\nsweep_seconds = 1\n[reminders]\nsms = "file:{self.spool}/sms"\n',
            encoding="utf-8",
        )
        cli(tmp, "seed-demo", "--db", str(self.db))
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                central_cmd(
                    "serve", "--config", str(config), "--db", str(self.db), "--port", str(self.port),
                    "--clock", "2026-12-01T10:00",
                ),
                cwd=tmp, env=env(), stdout=log_file, stderr=log_file,
            )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        wait_healthy(self.url, self.process, self.log)

    def now(self) -> datetime:
        return datetime.fromisoformat(httpx.get(f"{self.url}/demo/clock").json()["now"])

    def alerts(self) -> list[dict[str, str]]:
        return [json.loads(p.read_text()) for p in sorted((self.spool / "sms").glob("*.json"))]


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    server = Central(tmp_path)
    yield server
    stop_cleanly(server.process, server.log, signal.SIGINT)


def profile(name: str, center: str) -> dict[str, Any]:
    if center == "C03":  # the center's only kiosk, with its printer out of paper
        return {"reasons": ["media-empty"], "raw": "EOT2=0x32 EOT4=0x7E"}
    if int(name[-2:]) % 10 == 5:
        paper = {"near_end": True, "printed_mm": 78500.0, "roll_mm": 80000.0, "tickets_left": 18}
        return {"reasons": ["media-low"], "raw": "EOT4=0x1E", "paper": paper}
    return {"reasons": [], "raw": "EOT1=0x16 EOT2=0x12 EOT4=0x12"}


async def kiosk(
    client: httpx.AsyncClient, name: str, token: str, center: str, now: datetime
) -> dict[str, int]:
    """One heartbeat and whatever commands it brings back; returns what this kiosk did."""
    auth = {"Authorization": f"Bearer {token}"}
    body = {
        "heartbeat_id": uuid.uuid4().hex, "sent_at": now.isoformat(), "interval_s": 30, "app_version": "0.1.0",
        "config_version": "local", "uptime_s": 600, "printer": profile(name, center),
        "card_reader": {"configured": True, "present": True, "raw": "sim"},
        "scanner": {"configured": True, "present": True, "raw": "sim"},
        "outbox_depth": 0, "outbox_refused": 0, "last_sync_at": now.isoformat(),
        "disk_free_mb": 9000, "memory_mb": 300,
    }  # fmt: skip
    answer = await client.post("/api/v1/fleet/heartbeat", json=body, headers=auth)
    answer.raise_for_status()
    done = {"commands": 0}
    for command in answer.json()["commands"]:
        base = f"/api/v1/fleet/commands/{command['id']}"
        (await client.post(f"{base}/ack", headers=auth)).raise_for_status()
        result: dict[str, Any] = {"printer": "EOT1=0x16"}
        if command["kind"] == "screenshot":
            up = await client.post(
                f"{base}/upload", content=PNG, headers={**auth, "Content-Type": "image/png"}
            )
            assert up.status_code == 204, up.text
            result = {"bytes": len(PNG)}
        ok = center != "C03"  # the kiosk without paper cannot print its test
        (
            await client.post(f"{base}/result", json={"ok": ok, "result": result}, headers=auth)
        ).raise_for_status()
        done["commands"] += 1
    return done


async def round_of(central: Central, fleet: dict[str, tuple[str, str]], skip: set[str]) -> int:
    now = central.now()
    async with httpx.AsyncClient(base_url=central.url, timeout=10) as client:
        results = await asyncio.gather(
            *(
                kiosk(client, name, token, center, now)
                for name, (token, center) in fleet.items()
                if name not in skip
            )
        )
    return sum(r["commands"] for r in results)


def wait_for(what: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_fifty_kiosks(central: Central) -> None:
    engine = db.create_engine(central.db)
    try:
        clock = SystemClock("Europe/Moscow")
        layout = [(f"SIM-{i:02d}", "C01" if i < 24 else "C02") for i in range(49)] + [("SIM-C03", "C03")]
        fleet = {name: (kiosks.add(engine, name, center, clock), center) for name, center in layout}
        queued = {
            commands.queue(engine, name, "screenshot" if i < 2 else "test_print", {}, "test", central.now())
            for i, name in enumerate(["SIM-01", "SIM-02", "SIM-03", "SIM-04", "SIM-C03"])
        }

        assert asyncio.run(round_of(central, fleet, NEVER)) == 5  # every command pulled once
        assert asyncio.run(round_of(central, fleet, NEVER)) == 0  # ... and not again
        results = {c: commands.get(engine, c) for c in queued}
        assert sorted(r["status"] for r in results.values() if r) == [
            "done",
            "done",
            "done",
            "done",
            "failed",
        ]
        assert sum(1 for c in queued if commands.upload_of(engine, c) == ("image/png", PNG)) == 2

        view = {k.kiosk_id: k for k in state.view(engine, central.now(), state.FleetSettings()).kiosks}
        assert len(view) == 50
        assert {k for k, v in view.items() if v.connection == "never_seen"} == NEVER
        assert view["SIM-C03"].colour == "red"
        yellow = {k for k, v in view.items() if v.colour == "yellow"}
        assert yellow == {"SIM-05", "SIM-15", "SIM-25", "SIM-35", "SIM-45"}
        assert sum(1 for v in view.values() if v.colour == "green") == 50 - 2 - 1 - 5

        # The server's own sweep (every second here) sends the alerts: the center is open.
        wait_for(lambda: len(central.alerts()) == 5 + 2)
        alerts = central.alerts()
        urgent = [a for a in alerts if a["text"].startswith("URGENT")]
        assert {a["to"] for a in urgent} == {"duty-technician", "duty-supervisor"}
        assert all("SIM-C03" in a["text"] for a in urgent)

        # Two minutes on: the silent ones are offline, the rest still beat; never-seen stays quiet.
        for _ in range(4):  # every 30 s, as their sync cycles would
            later = (central.now() + timedelta(seconds=30)).isoformat()
            assert httpx.post(f"{central.url}/demo/clock", json={"now": later}).status_code == 200
            asyncio.run(round_of(central, fleet, NEVER | SILENT))
        view = {k.kiosk_id: k for k in state.view(engine, central.now(), state.FleetSettings()).kiosks}
        assert {k for k, v in view.items() if v.connection == "offline"} == SILENT
        assert {k for k, v in view.items() if v.connection == "never_seen"} == NEVER
        wait_for(lambda: len(central.alerts()) == 7 + len(SILENT))
        offline = [a for a in central.alerts() if "no heartbeat since" in a["text"]]
        assert {a["text"].split()[1] for a in offline} == SILENT
        assert not any(a["text"].startswith("URGENT") for a in offline)  # other kiosks print there
    finally:
        engine.dispose()
