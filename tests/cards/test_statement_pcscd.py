"""End to end through the real reader path: a virtual card in vpcd, pcscd, the kiosk's pcsc: driver, the PIN on
the chip, a statement from a real central, its printed bytes; then no card number in any file written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from devices.card import CardInserted, CardRemoved
from devices.card.virtual.profiles import DEMO_PIN, PROFILES, profile
from devices.card.virtual.vpcd import VpcdCard
from devices.escpos_render import decode, plain_text
from kiosk.config import load
from kiosk.context import build
from kiosk.services.statements import StatementQuery
from service_common.clock import ManualClock
from tests.cards.conftest import Events
from tests.cards.pcscd import VPCD_READER, Pcscd
from tests.conftest import free_port, start_central

pytestmark = pytest.mark.e2e

START = "2026-12-04T11:00"


def test_virtual_card_pin_statement_and_paper(pcscd: Pcscd, events: Events, tmp_path: Path) -> None:
    central = start_central(tmp_path / "central.db", port=free_port(), clock=START)
    config = load(None, {"KIOSK_DATA_DIR": str(tmp_path / "kiosk")})
    config.central.url = central.url
    config.central.token = central.enrol("KIOSK-VPCD")
    config.devices.card_reader = f"pcsc:{VPCD_READER}?retry=0.2"
    ctx = build(config, ManualClock(datetime.fromisoformat(START), "Europe/Moscow"))
    ctx.card_reader.start(events)
    card = VpcdCard(profile("mastercard"))
    try:
        card.insert()
        events.next(CardInserted)
        session = ctx.statements.begin(ctx.card_reader.read_card())
        assert session.masked == "555555******4444"
        assert session.language == "en"  # 5F2D "enru"
        wrong = ctx.statements.verify_pin(ctx.card_reader, "9999")
        assert not wrong.ok
        assert wrong.tries_left == 2
        assert ctx.statements.verify_pin(ctx.card_reader, DEMO_PIN).ok
        view = ctx.statements.statement(StatementQuery("last10"))
        assert len(view.operations) == 10
        ctx.statements.print_statement(view, "en")
        printed = plain_text(decode(ctx.printer.simulator.jobs[-1].data))  # type: ignore[union-attr]
        assert "Card statement" in printed
        assert "555555******4444" in printed
        assert all(op.voucher in printed for op in view.operations)
        card.remove()
        ctx.statements.card_event(events.next(CardRemoved))
        assert ctx.statements.card is None
    finally:
        if not card.gone.is_set():
            card.remove()
            events.next(CardRemoved)
        ctx.close()
        central.stop()
    pans = {app.pan.encode() for p in PROFILES.values() for app in p.apps}
    written = [p for p in tmp_path.rglob("*") if p.is_file() and any(pan in p.read_bytes() for pan in pans)]
    assert not written
