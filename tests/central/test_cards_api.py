"""Card statements over the API: attestation (stale, replayed, forged), rate limit, periods, block audit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from central.statements.demo_bank import DEMO_CARDS
from service_common import card_attestation
from service_common.card_token import DEMO_TOKEN_KEY, card_token
from service_common.clock import ManualClock

VISA = card_token(DEMO_TOKEN_KEY, DEMO_CARDS[0].pan)


def card(
    token: str, clock: ManualClock, operation: str, *, card_tok: str = VISA, verified_ago: float = 30
) -> dict[str, str]:
    att = card_attestation.sign(
        card_attestation.attestation_key(token),
        operation=operation,
        card_token=card_tok,
        pin_verified_at=clock.now() - timedelta(seconds=verified_ago),
        now=clock.now(),
    )
    return {"token": card_tok, **att.as_json()}


def post(client: TestClient, headers: dict[str, str], op: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/cards/{op}", headers=headers, json=body)


def test_statement_this_month_adds_up(
    client: TestClient, headers: dict[str, str], token: str, clock: ManualClock
) -> None:
    r = post(client, headers, "statement", {"card": card(token, clock, "statement"), "period": "this_month"})
    assert r.status_code == 200, r.text
    st = r.json()
    ops = st["operations"]
    assert ops
    assert all(isinstance(o["amount"], str) for o in ops)
    total = sum(Decimal(o["amount"]) for o in ops)
    assert Decimal(st["opening_balance"]) + total == Decimal(st["closing_balance"])
    assert Decimal(st["total_in"]) - Decimal(st["total_out"]) == total
    # Deterministic: the same period again gives the same operations.
    again = post(
        client, headers, "statement", {"card": card(token, clock, "statement"), "period": "this_month"}
    )
    assert again.json()["operations"] == ops
    # The balance is the statement's closing balance.
    bal = post(client, headers, "balance", {"card": card(token, clock, "balance")}).json()
    assert bal["available"] == st["closing_balance"]
    assert bal["blocked"] is False


def test_last10_range_and_filters(
    client: TestClient, headers: dict[str, str], token: str, clock: ManualClock
) -> None:
    last = post(
        client, headers, "statement", {"card": card(token, clock, "statement"), "period": "last10"}
    ).json()
    assert len(last["operations"]) == 10
    body = {
        "card": card(token, clock, "statement"),
        "period": "range",
        "date_from": "2026-08-24",
        "date_to": "2026-11-22",
    }
    full = post(client, headers, "statement", body).json()
    assert len(full["operations"]) > 100
    voucher = full["operations"][3]["voucher"]
    one = post(
        client, headers, "statement", {**body, "card": card(token, clock, "statement"), "voucher": voucher}
    ).json()
    assert [o["voucher"] for o in one["operations"]] == [voucher]
    assert one["opening_balance"] == full["opening_balance"]
    big = post(
        client, headers, "statement", {**body, "card": card(token, clock, "statement"), "amount_min": "5000"}
    ).json()
    assert big["operations"]
    assert all(abs(Decimal(o["amount"])) >= 5000 for o in big["operations"])
    too_long = {**body, "card": card(token, clock, "statement"), "date_from": "2026-08-01"}
    r = post(client, headers, "statement", too_long)
    assert r.status_code == 422
    assert r.json()["error"] == "bad_period"


def test_attestation_refused_when_forged_stale_replayed_or_for_another_operation(
    client: TestClient, headers: dict[str, str], token: str, clock: ManualClock
) -> None:
    good = card(token, clock, "balance")
    assert post(client, headers, "balance", {"card": good}).status_code == 200
    replay = post(client, headers, "balance", {"card": good})
    assert replay.status_code == 403
    assert replay.json()["error"] == "attestation_replayed"
    other = post(client, headers, "block", {"card": card(token, clock, "balance")})
    assert other.json()["error"] == "attestation_invalid"
    forged = card("not-this-kiosk's-token", clock, "balance")
    assert post(client, headers, "balance", {"card": forged}).json()["error"] == "attestation_invalid"
    stale = card(token, clock, "balance")
    clock.advance(timedelta(minutes=5))
    assert post(client, headers, "balance", {"card": stale}).json()["error"] == "attestation_stale"
    old_pin = card(token, clock, "balance", verified_ago=20 * 60)
    assert post(client, headers, "balance", {"card": old_pin}).json()["error"] == "pin_expired"


def test_unknown_card(client: TestClient, headers: dict[str, str], token: str, clock: ManualClock) -> None:
    r = post(client, headers, "balance", {"card": card(token, clock, "balance", card_tok="ab" * 32)})
    assert r.status_code == 404
    assert r.json()["error"] == "card_unknown"


def test_rate_limited_per_card_with_retry_after(
    client: TestClient, headers: dict[str, str], token: str, clock: ManualClock
) -> None:
    for _ in range(20):
        assert post(client, headers, "balance", {"card": card(token, clock, "balance")}).status_code == 200
    r = post(client, headers, "balance", {"card": card(token, clock, "balance")})
    assert r.status_code == 429
    assert r.json()["error"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    other = card(token, clock, "balance", card_tok=card_token(DEMO_TOKEN_KEY, DEMO_CARDS[1].pan))
    assert post(client, headers, "balance", {"card": other}).status_code == 200
    clock.advance(61)
    assert post(client, headers, "balance", {"card": card(token, clock, "balance")}).status_code == 200


def test_block_and_unblock_are_audited(
    client: TestClient, headers: dict[str, str], token: str, clock: ManualClock, seeded: Engine
) -> None:
    before = post(client, headers, "balance", {"card": card(token, clock, "balance")}).json()
    r = post(client, headers, "block", {"card": card(token, clock, "block")})
    assert r.status_code == 200
    block = r.json()
    assert block["balance_before"]["available"] == before["available"]
    assert not block["already_blocked"]
    again = post(client, headers, "block", {"card": card(token, clock, "block")}).json()
    assert again["reference"] == block["reference"]
    assert again["already_blocked"]
    assert post(client, headers, "balance", {"card": card(token, clock, "balance")}).json()["blocked"] is True
    # Unblocking needs a PIN verified just now, not earlier in the session.
    late = post(client, headers, "unblock", {"card": card(token, clock, "unblock", verified_ago=300)})
    assert late.json()["error"] == "pin_expired"
    un = post(client, headers, "unblock", {"card": card(token, clock, "unblock", verified_ago=5)})
    assert un.json() == {"reference": block["reference"]}
    assert (
        post(client, headers, "unblock", {"card": card(token, clock, "unblock")}).json()["error"]
        == "not_blocked"
    )
    a = db.card_audit
    with seeded.connect() as conn:
        rows = conn.execute(sa.select(a).order_by(a.c.id)).all()
    assert [(r.action, r.kiosk_id, r.center_id, r.reference) for r in rows] == [
        ("block", "KIOSK-T1", "C01", block["reference"]),
        ("unblock", "KIOSK-T1", "C01", block["reference"]),
    ]
    assert all(r.card_token == VISA for r in rows)


def test_no_attestation_no_statement(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/api/v1/cards/balance", headers=headers, json={"card": {"token": VISA}})
    assert r.status_code == 422
    assert client.post("/api/v1/cards/balance", json={}).status_code == 401


def test_demo_bank_knows_every_simulator_card_by_the_contract_token() -> None:
    """The kiosk's CardData.token(DEMO_TOKEN_KEY) of each demo card is a card of the demo core bank."""
    from devices.card import DEMO_TOKEN_KEY as KIOSK_KEY
    from devices.card.base import CardData
    from devices.card.virtual.profiles import PROFILES

    assert KIOSK_KEY == DEMO_TOKEN_KEY
    known = {card_token(DEMO_TOKEN_KEY, c.pan) for c in DEMO_CARDS}
    for profile in PROFILES.values():
        for app in profile.apps:
            data = CardData.from_pan(app.pan, expiry="2028-12", label=app.label, aid=app.aid)
            assert data.token(KIOSK_KEY) in known, profile.name


def test_the_rate_limit_is_shared_by_every_worker(seeded: Engine, clock: ManualClock) -> None:
    """Two limiters on one database (two worker processes) count one card together."""
    from central.statements.guard import RateLimiter

    a, b = RateLimiter(seeded, clock, limit=4), RateLimiter(seeded, clock, limit=4)
    assert [a.retry_after("t1"), b.retry_after("t1"), a.retry_after("t1"), b.retry_after("t1")] == [None] * 4
    assert b.retry_after("t1") is not None
    assert a.retry_after("t2") is None  # another card
    clock.advance(60)  # a whole window later the previous one still weighs almost fully
    assert a.retry_after("t1") is not None
    clock.advance(45)  # three quarters into the next window: 4 x 0.25 = 1 counted, room for 3
    assert [b.retry_after("t1") for _ in range(3)] == [None] * 3
    assert a.retry_after("t1") is not None


def test_a_repeated_block_or_unblock_gets_its_first_answer(
    client: TestClient, headers: dict[str, str], token: str, clock: ManualClock, seeded: Engine
) -> None:
    """The kiosk lost the answer and asks again with the same request id (and a fresh attestation)."""
    block = {"card": card(token, clock, "block"), "request_id": "b-1"}
    first = post(client, headers, "block", block).json()
    again = post(client, headers, "block", {**block, "card": card(token, clock, "block")}).json()
    assert (first["already_blocked"], again["already_blocked"]) == (False, False)
    assert again["reference"] == first["reference"]
    other = post(client, headers, "block", {"card": card(token, clock, "block"), "request_id": "b-2"}).json()
    assert other["already_blocked"] is True  # another visitor action: told it was blocked before

    unblock = {"card": card(token, clock, "unblock", verified_ago=5), "request_id": "u-1"}
    lifted = post(client, headers, "unblock", unblock)
    repeat = post(
        client, headers, "unblock", {**unblock, "card": card(token, clock, "unblock", verified_ago=5)}
    )
    assert (lifted.status_code, repeat.status_code) == (200, 200), repeat.text
    assert repeat.json()["reference"] == lifted.json()["reference"]
    fresh = post(client, headers, "unblock", {"card": card(token, clock, "unblock", verified_ago=5)})
    assert fresh.json()["error"] == "not_blocked"  # without the request id: a new request

    reused = post(
        client,
        headers,
        "unblock",
        {"card": card(token, clock, "unblock", verified_ago=5), "request_id": "b-1"},
    )
    assert reused.json()["error"] == "request_id_reused"
    with seeded.connect() as conn:
        actions = conn.execute(sa.select(db.card_audit.c.action, db.card_audit.c.request_id)).all()
    assert sorted(actions) == [("block", "b-1"), ("unblock", "u-1")]
