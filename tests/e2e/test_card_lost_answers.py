"""Card requests through a proxy that loses central's answer after central acted on the request.

A block or an unblock whose answer was lost is asked again with the same request id: the visitor is
told what happened the first time, and central recorded each action once. Reads are simply asked again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from central import db as central_db
from devices.card import SimulatorCardReader
from devices.card.virtual.profiles import DEMO_PIN
from kiosk.config import load
from kiosk.context import KioskContext, build
from tests.e2e.chaos_helpers import ChaosCentral, start_chaos_central
from tests.faultproxy import Mode

pytestmark = pytest.mark.e2e

START = "2026-12-04T11:00"
CARDS = "/api/v1/cards"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[ChaosCentral, KioskContext]]:
    chaos = start_chaos_central(tmp_path, kiosk_id="KIOSK-CARD-CHAOS", clock=START)
    try:
        path = chaos.write_kiosk_config(
            tmp_path / "kiosk.toml", tmp_path / "kiosk", read_timeout_s=1.0,
            extra={"central": {"patience_s": 6.0}},
        )  # fmt: skip
        ctx = build(load(path), chaos.central.clock())
        yield chaos, ctx
        ctx.close()
    finally:
        chaos.stop()


def test_block_and_unblock_answers_lost_once_each(kiosk: tuple[ChaosCentral, KioskContext]) -> None:
    chaos, ctx = kiosk
    reader = ctx.card_reader
    assert isinstance(reader, SimulatorCardReader)
    reader.insert("mastercard")
    svc = ctx.statements
    svc.begin(reader.read_card())
    assert svc.verify_pin(reader, DEMO_PIN).ok
    for operation in ("balance", "block", "unblock"):
        chaos.proxy.add_rule(Mode.RESET_AFTER_REQUEST, method="POST", path=f"{CARDS}/{operation}", times=1)
    before = svc.balance()
    block = svc.block()
    assert not block.already  # the repeat is answered as the first attempt was, not "already blocked"
    assert block.balance_before == before.available
    assert svc.unblock() == block.reference  # not "the card is not blocked"
    for operation in ("block", "unblock"):
        assert chaos.proxy.forwarded("POST", f"{CARDS}/{operation}") == 2  # the lost one and its repeat
    engine = central_db.create_engine(chaos.db)
    with engine.connect() as conn:
        actions = sorted(r.action for r in conn.execute(sa.select(central_db.card_audit.c.action)))
    engine.dispose()
    assert actions == ["block", "unblock"]  # each acted on once
    print(f"lost answers: 3, repeats answered from the first attempt: 2, audit rows: {len(actions)}")
