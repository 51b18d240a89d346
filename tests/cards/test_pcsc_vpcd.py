"""The pcsc: driver end to end: pcscd with vpcd, and virtual cards written in the project inserted over TCP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.card import (
    CardInserted,
    CardReader,
    CardRemoved,
    CardRemovedError,
    MagStripeOnlyError,
    NoCardError,
    NoReaderError,
    ReaderBack,
    ReaderLost,
    open_card_reader,
)
from devices.card.pcsc import PcscCardReader
from devices.card.virtual.profiles import profile
from devices.card.virtual.vpcd import VpcdCard
from devices.uri import CARD_READER_SCHEMES, DeviceURI
from devices.uri import parse as _parse
from tests.cards.conftest import Events
from tests.cards.pcscd import VPCD_READER, Pcscd
from tests.cards.test_emv import EXPECTED


@pytest.fixture
def reader(pcscd: Pcscd, events: Events) -> Iterator[CardReader]:
    r = open_card_reader(f"pcsc:{VPCD_READER}?retry=0.2")
    r.start(events)
    yield r
    r.stop()


@pytest.fixture
def slot(events: Events) -> Iterator[list[VpcdCard]]:
    """Cards inserted by a test; removed at its end, waiting until pcscd sees the slot empty."""
    cards: list[VpcdCard] = []
    yield cards
    for card in cards:
        if not card.gone.is_set():
            card.remove()
            events.next(CardRemoved)


def insert(slot: list[VpcdCard], events: Events, name: str) -> CardInserted:
    card = VpcdCard(profile(name))
    card.insert()
    slot.append(card)
    event = events.next(CardInserted)
    assert isinstance(event, CardInserted)
    return event


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_profile_end_to_end(
    reader: CardReader, events: Events, slot: list[VpcdCard], name: str
) -> None:
    event = insert(slot, events, name)
    assert event.reader == VPCD_READER
    assert event.atr == profile(name).atr.upper()
    data = reader.read_card()
    pan_masked, label, aid, holder, langs, pin_cvm = EXPECTED[name]
    assert (data.pan_masked, data.expiry, data.label, data.aid, data.name, data.lang_pref, data.pin_cvm) == (
        pan_masked, "2028-12", label, aid, holder, langs, pin_cvm,
    )  # fmt: skip
    if pin_cvm:
        result = reader.verify_pin("1234")
        assert result.ok is (name != "blocked")
        assert result.blocked is (name == "blocked")
    data.wipe()


def test_wrong_pin_counts_down(reader: CardReader, events: Events, slot: list[VpcdCard]) -> None:
    insert(slot, events, "mastercard")
    reader.read_card()
    assert reader.pin_tries_left() == 3
    result = reader.verify_pin("0000")
    assert (result.ok, result.tries_left, result.blocked) == (False, 2, False)


def test_states_and_no_card(reader: CardReader, events: Events, slot: list[VpcdCard]) -> None:
    (info,) = reader.readers()
    assert (info.name, info.state, info.atr) == (VPCD_READER, "empty", "")
    with pytest.raises(NoCardError):
        reader.read_card()
    with pytest.raises(NoReaderError):
        reader.read_card("no such reader")
    insert(slot, events, "visa")
    (info,) = reader.readers()
    assert (info.state, info.atr) == ("card", profile("visa").atr)
    status = reader.status()
    assert status.ok
    assert status.to_dict()["readers"][0]["state"] == "card"


def test_magstripe_only(reader: CardReader, events: Events, slot: list[VpcdCard]) -> None:
    insert(slot, events, "magstripe")
    with pytest.raises(MagStripeOnlyError):
        reader.read_card()


def test_card_pulled_mid_read(reader: CardReader, events: Events, slot: list[VpcdCard]) -> None:
    insert(slot, events, "pulled")
    with pytest.raises(CardRemovedError) as info:
        reader.read_card()
    assert "4111111111111111" not in str(info.value)
    events.next(CardRemoved)
    insert(slot, events, "visa")  # the reader carries on with the next card
    assert reader.read_card().pan_masked == "411111******1111"


def test_pcscd_restart_while_the_loop_runs(
    pcscd: Pcscd, reader: CardReader, events: Events, slot: list[VpcdCard]
) -> None:
    if not pcscd.owned:
        pytest.skip("pcscd was started by someone else: not ours to restart")
    insert(slot, events, "visa")
    assert reader.read_card().label == "VISA CLASSIC"
    slot.pop().remove()
    events.next(CardRemoved)
    pcscd.restart()
    assert isinstance(events.next(ReaderLost, timeout=10), ReaderLost)
    assert isinstance(events.next(ReaderBack, timeout=15), ReaderBack)
    assert isinstance(reader, PcscCardReader)
    assert reader.restarts >= 1
    insert(slot, events, "mastercard")
    assert reader.read_card().label == "MASTERCARD"


def test_a_reader_unplugged_and_plugged_back_is_reported(events: Events) -> None:
    """The loop's bookkeeping when the PnP notification or a relisting shows readers come and go."""
    r = PcscCardReader(parse_uri("pcsc:"))
    r._on_event = events  # no loop thread: only the bookkeeping is under test
    r._sync_readers(["USB Reader 00 00"], announce=False)  # at start: no news
    r._sync_readers([], announce=True)
    assert events.next(ReaderLost, timeout=1) == ReaderLost("USB Reader 00 00")
    r._sync_readers(["USB Reader 00 00"], announce=True)
    assert events.next(ReaderBack, timeout=1) == ReaderBack("USB Reader 00 00")


def parse_uri(text: str) -> DeviceURI:
    return _parse(text, CARD_READER_SCHEMES)
