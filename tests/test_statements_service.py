"""The kiosk's card session without a window or a central: what each answer becomes, and what is forgotten."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from devices.card import DEMO_TOKEN_KEY, CardData, CardRemoved, PinResult
from kiosk.services.statements import CardServiceError, StatementQuery, StatementsService
from kiosk.session import Session
from server_sync.errors import CentralBusy, CentralNoAnswer, CentralRejected, CentralUnreachable
from service_common.clock import ManualClock

PAN = "4111111111111111"


class FakeGateway:
    def __init__(self) -> None:
        self.error: Exception | None = None
        self.calls: list[tuple[str, str, datetime]] = []

    def card_balance(self, token: str, verified: datetime, now: Any) -> dict[str, Any]:
        self.calls.append(("balance", token, verified))
        if self.error is not None:
            raise self.error
        return {"account": "4081****", "currency": "RUB", "available": "10.50", "blocked": False,
                "block_reference": None}  # fmt: skip

    def card_unblock(self, token: str, verified: datetime, now: Any) -> dict[str, Any]:
        return {"reference": "BL1"}


class FakeReader:
    def __init__(self, results: list[PinResult]) -> None:
        self.results = results
        self.pins: list[str] = []

    def verify_pin(self, pin: str) -> PinResult:
        self.pins.append(pin)
        return self.results.pop(0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 12, 4, 11, 0), "Europe/Moscow")


RELEASED: list[bool] = []


def service(clock: ManualClock) -> tuple[StatementsService, FakeGateway, Session]:
    gateway = FakeGateway()
    session = Session(default_language="ru")
    svc = StatementsService(gateway, clock, session, DEMO_TOKEN_KEY, release=lambda: RELEASED.append(True))  # type: ignore[arg-type]
    return svc, gateway, session


def card(**changes: Any) -> CardData:
    fields: dict[str, Any] = {"expiry": "2028-12", "label": "VISA", "aid": "A0000000031010", "lang_pref": ["zh", "en"],
                              "pin_cvm": True, **changes}  # fmt: skip
    return CardData.from_pan(PAN, **fields)


def test_begin_makes_the_token_wipes_the_number_and_picks_the_language(clock: ManualClock) -> None:
    svc, _gateway, session = service(clock)
    data = card()
    expected = data.token(DEMO_TOKEN_KEY)
    session_card = svc.begin(data)
    assert data.wiped
    assert session_card.token == expected
    assert session_card.language == "zh-Hant"
    assert session.card is not None
    assert session.card.masked_pan == "411111******1111"
    assert PAN not in repr(session_card) + repr(session.card)


def test_pin_then_balance_then_the_answers_become_reasons(clock: ManualClock) -> None:
    svc, gateway, _session = service(clock)
    svc.begin(card())
    with pytest.raises(CardServiceError) as before_pin:
        svc.balance()
    assert before_pin.value.reason == "pin_needed"
    reader = FakeReader([PinResult(False, 2, False), PinResult(True, 3, False)])
    assert svc.verify_pin(reader, "0000").tries_left == 2
    assert svc.card is not None
    assert not svc.card.identified
    assert svc.verify_pin(reader, "1234").ok
    assert svc.balance().available == Decimal("10.50")
    assert gateway.calls[-1][2] == clock.now()
    for error, reason in (
        (CentralUnreachable("down"), "offline"),
        (CentralNoAnswer("timeout"), "offline"),
        (CentralBusy("429", 30), "busy"),
        (CentralRejected(403, "pin_expired", "old"), "pin_needed"),
        (CentralRejected(404, "card_unknown", "?"), "unknown_card"),
        (CentralRejected(403, "attestation_replayed", "again"), "refused"),
    ):
        gateway.error = error
        with pytest.raises(CardServiceError) as caught:
            svc.balance()
        assert caught.value.reason == reason
    assert caught.value.retry_after is None
    gateway.error = CentralBusy("429", 30)
    with pytest.raises(CardServiceError) as busy:
        svc.balance()
    assert busy.value.retry_after == 30


def test_no_pin_cvm_and_blocked_pin_stop_before_the_chip(clock: ManualClock) -> None:
    svc, _gateway, _session = service(clock)
    svc.begin(card(pin_cvm=False))
    reader = FakeReader([])
    with pytest.raises(CardServiceError) as no_pin:
        svc.verify_pin(reader, "1234")
    assert no_pin.value.reason == "no_pin"
    svc.begin(card())
    reader = FakeReader([PinResult(False, 0, True)])
    assert svc.verify_pin(reader, "1234").blocked
    with pytest.raises(CardServiceError) as blocked:
        svc.verify_pin(reader, "1234")
    assert blocked.value.reason == "pin_blocked"
    assert reader.pins == ["1234"]


def test_unblock_needs_a_fresh_pin(clock: ManualClock) -> None:
    svc, _gateway, _session = service(clock)
    svc.begin(card())
    reader = FakeReader([PinResult(True, 3, False), PinResult(True, 3, False)])
    svc.verify_pin(reader, "1234")
    clock.advance(timedelta(minutes=3))
    with pytest.raises(CardServiceError) as stale:
        svc.unblock()
    assert stale.value.reason == "pin_needed"
    svc.verify_pin(reader, "1234")
    assert svc.unblock() == "BL1"


def test_removal_and_wipe_forget_the_card(clock: ManualClock) -> None:
    svc, _gateway, session = service(clock)
    svc.begin(card())
    assert svc.card_event(CardRemoved("sim"))
    assert svc.card is None
    assert session.card is None
    svc.begin(card())
    RELEASED.clear()
    session.wipe("idle")
    assert svc.card is None
    assert not svc.card_event(CardRemoved("sim"))
    deadline = time.monotonic() + 5
    while not RELEASED and time.monotonic() < deadline:  # the reader is released on its own thread
        time.sleep(0.01)
    assert RELEASED == [True]


def test_query_json() -> None:
    from datetime import date

    q = StatementQuery("range", date(2026, 9, 1), date(2026, 11, 30), Decimal("100"), None, "123456")
    assert q.as_json() == {"period": "range", "date_from": "2026-09-01", "date_to": "2026-11-30",
                           "amount_min": "100", "voucher": "123456"}  # fmt: skip
    assert StatementQuery().as_json() == {"period": "last10"}


def test_dates_of_the_visitors_choice() -> None:
    from datetime import date

    from kiosk.services.statements import RangeProblem, date_range, day_digits

    today = date(2026, 12, 4)
    assert day_digits("0109202") == "01.09.202"
    assert day_digits("01.09.2026x") == "01.09.2026"
    assert date_range("04.09.2026", "04122026", today) == (date(2026, 9, 4), date(2026, 12, 4))  # 92 days
    cases = {
        ("31.02.2026", "01.03.2026"): "format",
        ("0109", "01.10.2026"): "format",
        ("01.11.2026", "01.10.2026"): "order",
        ("01.11.2026", "05.12.2026"): "future",
        ("01.11.2025", "01.12.2025"): "too_old",
        ("01.08.2026", "30.11.2026"): "too_long",
    }
    for (first, last), reason in cases.items():
        with pytest.raises(RangeProblem) as refused:
            date_range(first, last, today)
        assert refused.value.reason == reason, (first, last)
