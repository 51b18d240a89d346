"""Signed configuration, rolled out in stages and rolled back when a kiosk on it turns red: three
real kiosk contexts against a real central, central's sweep step run by hand between heartbeats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from central import db
from central.fleet import rollout
from central.fleet.state import FleetSettings
from kiosk import config as kiosk_config
from kiosk.context import KioskContext, build
from kiosk.services.fleet_config import ConfigRefused
from tests.conftest import CentralServer

NAMES = ("KIOSK-RO-A", "KIOSK-RO-B", "KIOSK-RO-C")


@pytest.fixture
def fleet(tmp_path: Path, central: CentralServer) -> Iterator[dict[str, KioskContext]]:
    out: dict[str, KioskContext] = {}
    for name in NAMES:
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'[kiosk]\nid = "{name}"\ncenter_id = "C03"\ndata_dir = "{tmp_path / name}"\n'
            f'[central]\nurl = "{central.url}"\ntoken = "{central.enrol(name, "C03")}"\nconnect_timeout_s = 0.3\n',
            encoding="utf-8",
        )
        out[name] = build(kiosk_config.load(path), central.clock())
    yield out
    for ctx in out.values():
        ctx.close()


@pytest.fixture
def engine(central: CentralServer) -> Iterator[Engine]:
    eng = db.create_engine(central.db)
    yield eng
    eng.dispose()


def beat_all(fleet: dict[str, KioskContext], engine: Engine, central: CentralServer, rounds: int = 1) -> None:
    for _ in range(rounds):
        for ctx in fleet.values():
            assert ctx.health.send()
        rollout.advance(engine, central.clock().now(), FleetSettings())


def test_stages_then_rollback_when_a_kiosk_turns_red(
    fleet: dict[str, KioskContext], engine: Engine, central: CentralServer
) -> None:
    for ctx in fleet.values():  # C03 has only these three kiosks in this session
        assert ctx.health.send()
    config_id = rollout.publish(
        engine, "kiosk:KIOSK-RO-A", {"sync_interval_s": 60}, "test", central.clock().now()
    )
    assert rollout.status(engine, config_id) == {"KIOSK-RO-A": "pending"}
    beat_all(fleet, engine, central, rounds=5)  # offered, applied, reported, two healthy beats
    a = fleet["KIOSK-RO-A"]
    assert a.sync.interval_s == 60
    assert a.health.store.get("config_version") == "kiosk:KIOSK-RO-A@1"
    assert rollout.status(engine, config_id) == {"KIOSK-RO-A": "healthy"}

    # The whole center, in stages: one kiosk first, then the others once it stayed healthy.
    center = rollout.publish(
        engine, "center:C03", {"idle_warning_after_s": 90}, "test", central.clock().now()
    )
    rollout.advance(engine, central.clock().now(), FleetSettings())
    offered = [k for k, s in rollout.status(engine, center).items() if s == "offered"]
    assert len(offered) == 1
    beat_all(fleet, engine, central, rounds=14)  # three stages of one kiosk each
    ours = {k: s for k, s in rollout.status(engine, center).items() if k in NAMES}
    assert set(ours.values()) == {"healthy"}
    assert all(ctx.idle.warning_after_s == 90 for ctx in fleet.values())

    # Version 2 reaches the canary, whose printer then stops: everyone on it goes back to version 1.
    second = rollout.publish(
        engine, "center:C03", {"idle_warning_after_s": 30}, "test", central.clock().now()
    )
    rollout.advance(engine, central.clock().now(), FleetSettings())
    [canary] = [k for k, s in rollout.status(engine, second).items() if s == "offered"]
    beat_all(fleet, engine, central)  # the canary applies version 2
    assert fleet[canary].idle.warning_after_s == 30
    sim = fleet[canary].printer.simulator
    assert sim is not None
    sim.set(paper="out")
    beat_all(fleet, engine, central)  # red on version 2: rolled back
    assert set(rollout.status(engine, second).values()) == {"rolled_back"}
    beat_all(fleet, engine, central)  # the revert command runs
    assert fleet[canary].idle.warning_after_s == 90
    assert fleet[canary].health.store.get("config_version") == "center:C03@1"
    others = [ctx for name, ctx in fleet.items() if name != canary]
    assert all(ctx.idle.warning_after_s == 90 for ctx in others)  # never got version 2


def test_documents_not_signed_by_central_are_refused(
    fleet: dict[str, KioskContext], engine: Engine, central: CentralServer
) -> None:
    ctx = fleet["KIOSK-RO-B"]
    config_id = rollout.publish(
        engine, "kiosk:KIOSK-RO-B", {"sync_interval_s": 45}, "test", central.clock().now()
    )
    with engine.connect() as conn:
        row = conn.execute(db.fleet_configs.select().where(db.fleet_configs.c.id == config_id)).one()
    forged = json.dumps({"scope": "kiosk:KIOSK-RO-B", "version": 9, "settings": {"sync_interval_s": 5}})
    with pytest.raises(ConfigRefused):
        ctx.commands.apply_config({"document": forged, "signature": row.signature})  # type: ignore[misc]
    with pytest.raises(ConfigRefused):  # signed, but for another kiosk
        fleet["KIOSK-RO-C"].commands.apply_config({"document": row.document, "signature": row.signature})  # type: ignore[misc]
    assert ctx.commands.apply_config({"document": row.document, "signature": row.signature}) == {  # type: ignore[misc]
        "config_version": "kiosk:KIOSK-RO-B@1"
    }
    with pytest.raises(ConfigRefused):  # not newer
        ctx.commands.apply_config({"document": row.document, "signature": row.signature})  # type: ignore[misc]
