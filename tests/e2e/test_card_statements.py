"""A card session end to end: the simulator's card, its PIN on the chip, a statement from a real central, paper.

Then the loss report (block, confirmation on paper, unblock with the PIN asked again), the offline
answer, the wipe when the card is pulled, and a scan: no full card number in any file either side wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from devices.card import CardRemoved, SimulatorCardReader
from devices.card.virtual.profiles import DEMO_PIN, PROFILES
from devices.escpos_render import decode, plain_text
from kiosk.services.statements import CardServiceError, StatementQuery
from tests.e2e.rig import KioskRig, kiosk_rig

pytestmark = pytest.mark.e2e

START = "2026-12-04T11:00"
PANS = {app.pan for p in PROFILES.values() for app in p.apps}


class Rig(KioskRig):
    @property
    def reader(self) -> SimulatorCardReader:
        reader = self.ctx.card_reader
        assert isinstance(reader, SimulatorCardReader)
        return reader


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with kiosk_rig(tmp_path, "KIOSK-CARD", START, patience_s=1.0) as r:
        yield Rig(r.central, r.ctx, r.clock, r.port, r.db)
    scan_for_card_numbers(tmp_path)


def scan_for_card_numbers(root: Path) -> None:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {pan[:6]}..." for pan in PANS if pan.encode() in data]
    assert not found, found


def insert(rig: Rig, profile: str = "visa") -> None:
    rig.reader.insert(profile)
    rig.ctx.statements.begin(rig.reader.read_card())


def test_pin_statement_and_paper(rig: Rig) -> None:
    svc = rig.ctx.statements
    insert(rig)
    card = svc.card
    assert card is not None
    assert card.language == "ru"  # the card's 5F2D says "ruen"
    assert rig.ctx.session.card is not None
    assert rig.ctx.session.card.masked_pan == "411111******1111"
    with pytest.raises(CardServiceError) as no_pin:
        svc.balance()
    assert no_pin.value.reason == "pin_needed"
    wrong = svc.verify_pin(rig.reader, "0000")
    assert not wrong.ok
    assert wrong.tries_left == 2
    assert svc.verify_pin(rig.reader, DEMO_PIN).ok
    view = svc.statement(StatementQuery("this_month"))
    assert view.operations
    assert view.opening + sum(o.amount for o in view.operations) == view.closing
    assert svc.balance().available == view.closing
    result = svc.print_statement(view, "ru")
    assert result.bytes_sent > 0
    printed = plain_text(decode(rig.ctx.printer.simulator.jobs[-1].data))  # type: ignore[union-attr]
    assert "Выписка по карте" in printed
    assert "411111******1111" in printed
    assert view.operations[-1].voucher in printed
    # The filters and the last 10.
    last = svc.statement(StatementQuery("last10"))
    assert len(last.operations) == 10
    one = svc.statement(StatementQuery("last10", voucher=last.operations[0].voucher))
    assert [o.voucher for o in one.operations] == [last.operations[0].voucher]
    big = svc.statement(StatementQuery("this_month", amount_min=Decimal(3000)))
    assert all(abs(o.amount) >= 3000 for o in big.operations)
    assert svc.services()


def test_loss_report_block_print_unblock_with_pin_again(rig: Rig) -> None:
    svc = rig.ctx.statements
    insert(rig, "mastercard")
    assert svc.verify_pin(rig.reader, DEMO_PIN).ok
    before = svc.balance()
    block = svc.block()
    assert block.balance_before == before.available
    assert not block.already
    svc.print_block(block, "en")
    printed = plain_text(decode(rig.ctx.printer.simulator.jobs[-1].data))  # type: ignore[union-attr]
    assert block.reference in printed
    assert "visit a counter" in printed.replace("\n", " ")
    assert svc.balance().blocked
    rig.move(timedelta(minutes=2))
    with pytest.raises(CardServiceError) as again:
        svc.unblock()
    assert again.value.reason == "pin_needed"
    assert svc.verify_pin(rig.reader, DEMO_PIN).ok
    assert svc.unblock() == block.reference
    assert not svc.balance().blocked


def test_card_removed_wipes_the_session(rig: Rig) -> None:
    svc = rig.ctx.statements
    insert(rig)
    assert svc.verify_pin(rig.reader, DEMO_PIN).ok
    assert svc.card_event(CardRemoved("sim"))
    assert svc.card is None
    assert rig.ctx.session.card is None
    with pytest.raises(CardServiceError) as gone:
        svc.balance()
    assert gone.value.reason == "no_session"


def test_blocked_pin_and_offline(rig: Rig) -> None:
    svc = rig.ctx.statements
    insert(rig, "blocked")
    result = svc.verify_pin(rig.reader, DEMO_PIN)
    assert result.blocked
    assert not result.ok
    with pytest.raises(CardServiceError) as blocked:
        svc.verify_pin(rig.reader, DEMO_PIN)
    assert blocked.value.reason == "pin_blocked"
    insert(rig)
    assert svc.verify_pin(rig.reader, DEMO_PIN).ok
    rig.central.stop()
    with pytest.raises(CardServiceError) as offline:
        svc.statement(StatementQuery("last10"))
    assert offline.value.reason == "offline"


def test_log_lines_carry_no_card_number(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    insert(rig)
    rig.ctx.statements.verify_pin(rig.reader, DEMO_PIN)
    rig.ctx.statements.statement(StatementQuery("last10"))
    text = caplog.text
    assert not any(pan in text for pan in PANS)
    assert DEMO_PIN not in re.sub(r"\d{5,}", "", text)
