"""After the card tests: every profile read through pcscd by the kiosk's own command, with DEBUG logs; then no
file the kiosk wrote (data dir, logs, print previews) nor pcscd's log holds a full test card number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.card.virtual.profiles import PROFILES, profile
from devices.card.virtual.vpcd import VpcdCard
from kiosk.cli import main
from tests.cards.conftest import Events
from tests.cards.pcscd import VPCD_READER, Pcscd, reader_names, wait_for
from tests.cards.test_cli_card import write_config

TEST_PANS = {app.pan for p in PROFILES.values() for app in p.apps}


def _slot_empty() -> bool:
    from devices.card.pcsc import Context

    with Context() as ctx:
        ((_, state, _),) = ctx.states([VPCD_READER])
    return not state & 0x20  # SCARD_STATE_PRESENT


def test_no_full_card_number_in_any_file(
    pcscd: Pcscd, tmp_path: Path, events: Events, capsys: pytest.CaptureFixture[str]
) -> None:
    assert VPCD_READER in (reader_names() or [])
    config = str(write_config(tmp_path, f"pcsc:{VPCD_READER}"))
    outputs = []
    for name in PROFILES:
        card = VpcdCard(profile(name))
        card.insert()
        wait_for(lambda: not _slot_empty(), 5, "pcscd to see the card")
        main(["devices", "card-read", "--json", "--config", config])
        main(["devices", "list", "--json", "--config", config])
        card.remove()
        wait_for(_slot_empty, 5, "pcscd to see the slot empty")
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    assert '"pan_masked": "555555******4444"' in "".join(outputs)
    listing = json.loads(outputs[0].splitlines()[1])  # visa: card-read's line, then list's
    (slot,) = listing["card_reader"]["readers"]
    assert (slot["name"], slot["state"], slot["atr"]) == (VPCD_READER, "card", profile("visa").atr)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    written += [p for p in pcscd.log_path.parent.rglob("*") if p.is_file()]
    assert any(p.name == "kiosk.log" for p in written)
    for path in written:
        text = path.read_bytes().decode("latin-1")
        leaks = [pan[:6] for pan in TEST_PANS if pan in text or pan in text.replace(" ", "")]
        assert not leaks, f"{path} holds full test card numbers starting {leaks}"
    for out in outputs:
        assert not [pan for pan in TEST_PANS if pan in out]
