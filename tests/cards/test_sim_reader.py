"""The sim: reader the demo drives: events on its own thread, demo cards, unplugging; and the kiosk wiring."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from devices.card import (
    CardEvent,
    CardInserted,
    CardRemoved,
    CardRemovedError,
    NoCardError,
    NoReaderError,
    ReaderBack,
    ReaderLost,
    SimulatorCardReader,
    open_card_reader,
)
from devices.card.virtual.profiles import DEMO_PIN
from kiosk.config import card_token_key, load
from kiosk.context import build
from service_common.tomlconfig import ConfigError
from tests.cards.conftest import Events


def test_events_arrive_on_the_readers_thread(events: Events) -> None:
    reader = open_card_reader("sim:")
    assert isinstance(reader, SimulatorCardReader)
    threads: list[str] = []

    def listener(event: CardEvent) -> None:
        threads.append(threading.current_thread().name)
        events(event)

    reader.start(listener)
    try:
        reader.insert("visa")
        inserted = events.next(CardInserted)
        assert isinstance(inserted, CardInserted)
        assert inserted.atr.startswith("3B")
        card = reader.read_card()
        assert card.pan_masked == "411111******1111"
        assert reader.verify_pin(DEMO_PIN).ok
        reader.remove()
        events.next(CardRemoved)
        with pytest.raises(NoCardError):
            reader.read_card()
        with pytest.raises(CardRemovedError):
            reader.verify_pin(DEMO_PIN)
        reader.unplug()
        events.next(ReaderLost)
        assert not reader.status().ok
        with pytest.raises(NoReaderError):
            reader.read_card()
        reader.insert("mastercard")
        reader.plug()
        events.next(ReaderBack)
        events.next(CardInserted)
        assert reader.read_card().label == "MASTERCARD"
    finally:
        reader.stop()
    assert set(threads) == {"card-sim"}


def test_a_card_pulled_mid_read_empties_the_slot(events: Events) -> None:
    reader = open_card_reader("sim:?card=pulled")
    reader.start(events)
    try:
        events.next(CardInserted)
        with pytest.raises(CardRemovedError):
            reader.read_card()
        events.next(CardRemoved)
        assert reader.readers()[0].state == "empty"
    finally:
        reader.stop()


def test_blocked_demo_card() -> None:
    reader = open_card_reader("sim:?card=blocked")
    reader.read_card()
    assert reader.pin_tries_left() == 0
    assert reader.verify_pin(DEMO_PIN).blocked


def test_the_kiosk_builds_and_closes_its_reader(tmp_path: Path) -> None:
    config = load(None, {"KIOSK_DATA_DIR": str(tmp_path)})
    ctx = build(config)
    try:
        assert isinstance(ctx.card_reader, SimulatorCardReader)
        ctx.card_reader.start(lambda _ev: None)
        assert ctx.card_reader.running
    finally:
        ctx.close()
    assert not ctx.card_reader.running


def test_token_key_file(tmp_path: Path) -> None:
    key = tmp_path / "card.key"
    key.write_bytes(b"0123456789abcdef0123456789abcdef\n")
    conf = tmp_path / "kiosk.toml"
    conf.write_text(f'[card]\ntoken_key_file = "{key}"\n', encoding="utf-8")
    assert card_token_key(load(conf, {})) == b"0123456789abcdef0123456789abcdef"
    key.write_bytes(b"short")
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        card_token_key(load(conf, {}))
    conf.write_text('[card]\ntoken_key_file = "relative.key"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="absolute path"):
        load(conf, {})


def test_every_error_key_has_words_in_every_language() -> None:
    from typing import get_args

    from devices.card.base import ErrorKey
    from devices.card.errors import TECHNICIAN_HINTS, VISITOR_MESSAGES, visitor_message

    keys = set(get_args(ErrorKey))
    assert keys == set(VISITOR_MESSAGES) == set(TECHNICIAN_HINTS)
    for key in keys:
        english = visitor_message(key, "en")
        assert visitor_message(key, "ru") != english
        assert visitor_message(key, "zh-Hant") != english


def test_the_cards_language_preference_picks_the_kiosks_language() -> None:
    from devices.card import preferred_language

    kiosk = ("ru", "zh-Hant", "en")
    assert preferred_language(["zh"], kiosk) == "zh-Hant"
    assert preferred_language(["de", "en", "ru"], kiosk) == "en"
    assert preferred_language(["fr"], kiosk) is None
    assert preferred_language([], kiosk) is None


def test_the_demo_pans_central_knows_are_the_profiles_pans() -> None:
    from devices.card.virtual.profiles import PROFILES
    from service_common.card_token import DEMO_CARD_PANS
    from service_common.redact import luhn_ok

    assert {name: tuple(app.pan for app in p.apps) for name, p in PROFILES.items()} == DEMO_CARD_PANS
    assert all(luhn_ok(pan) for pans in DEMO_CARD_PANS.values() for pan in pans)


def test_a_pulled_card_wipes_the_card_session_in_the_app() -> None:
    from types import SimpleNamespace

    from kiosk.session import CardIdentity, Session
    from screens.app import KioskApp

    session = Session(default_language="ru")
    wiped: list[str] = []
    session.on_wipe(wiped.append)
    app = SimpleNamespace(ctx=SimpleNamespace(session=session))
    KioskApp._on_card_event(app, CardInserted("r", "3B00"))  # type: ignore[arg-type]
    KioskApp._on_card_event(app, CardRemoved("r"))  # type: ignore[arg-type]
    assert wiped == []  # no card session yet: nothing to wipe
    session.card = CardIdentity(masked_pan="411111******1111")
    KioskApp._on_card_event(app, ReaderLost("r"))  # type: ignore[arg-type]
    assert wiped == ["card removed"]
    assert session.card is None


def test_the_card_is_told_the_kiosks_date_not_the_machines() -> None:
    """The terminal date in the PDOL (9A) comes from the clock the kiosk runs on (demo and tests move it)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    asked: list[datetime] = []

    def kiosk_now() -> datetime:
        asked.append(datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("Europe/Moscow")))
        return asked[-1]

    reader = open_card_reader("sim:?card=visa", now=kiosk_now)
    assert reader.read_card().pan_masked.endswith("1111")
    assert asked  # the GET PROCESSING OPTIONS data was filled from it
