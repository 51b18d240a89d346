"""Signed booking tokens and offline check-in: the keys, the upcoming list, syncing a kiosk's check-ins."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, kiosks
from central.appointments import token as signing
from central.appointments.sweeper import sweep
from service_common.clock import ManualClock
from tests.central.conftest import bearer
from tests.central.test_appointments import API, TUESDAY_9, book, rid

SEED = bytes(range(32))
SLOT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday 09:00 in Moscow


def _keys(client: TestClient, headers: dict[str, str]) -> dict[str, bytes]:
    r = client.get(f"{API}/verification", headers=headers)
    assert r.status_code == 200, r.text
    keys = r.json()["keys"]
    return {
        k["id"]: base64.urlsafe_b64decode(k["public_key"] + "=" * (-len(k["public_key"]) % 4)) for k in keys
    }


def _lease(client: TestClient, headers: dict[str, str], service: str = "C01-B") -> dict[str, Any]:
    r = client.post(
        "/api/v1/leases", json={"request_id": rid(), "service_id": service, "size": 5}, headers=headers
    )
    assert r.status_code == 201, r.text
    lease: dict[str, Any] = r.json()["lease"]
    return lease


def _offline_ticket(
    client: TestClient,
    headers: dict[str, str],
    lease: dict[str, Any],
    number: int,
    issued_at: datetime,
    request_id: str | None = None,
    service: str = "C01-B",
) -> dict[str, Any]:
    body = {
        "request_id": request_id or rid(),
        "service_id": service,
        "priority": "appointment",
        "lease_id": lease["id"],
        "number": number,
        "issued_at": issued_at.isoformat(),
    }
    r = client.post("/api/v1/tickets", json=body, headers=headers)
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    return ticket


def _check_in(
    client: TestClient, headers: dict[str, str], code: str, expect: int = 200, **extra: Any
) -> dict[str, Any]:
    body = {
        "request_id": rid(),
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()},
    }
    r = client.post(f"{API}/{code}/check-in", json=body, headers=headers)
    assert r.status_code == expect, r.text
    out: dict[str, Any] = r.json()
    return out


def _moscow(hour: int, minute: int, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


# ----- the token -----


def test_token_round_trip_and_exact_format() -> None:
    public = signing.public_key(SEED)
    kid = signing.key_id(public)
    end = SLOT + timedelta(minutes=30)
    tok = signing.sign(
        SEED, code="12345674", center_id="C01", service_id="C01-B", slot_start=SLOT, slot_end=end
    )
    version, payload, signature = tok.split(".")
    assert version == "A1"
    assert "=" not in payload + signature
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    st, en = int(SLOT.timestamp()), int(end.timestamp())
    assert raw == f'{{"c":"12345674","ce":"C01","en":{en},"k":"{kid}","st":{st},"sv":"C01-B"}}'.encode()
    assert len(base64.urlsafe_b64decode(signature + "==")) == 64
    assert signing.verify(tok, {kid: public}) == json.loads(raw)
    assert len(public) == 32
    assert kid == hashlib.sha256(public).hexdigest()[:8]


def test_tampered_or_unknown_tokens_are_refused() -> None:
    public = signing.public_key(SEED)
    keys = {signing.key_id(public): public}
    tok = signing.sign(
        SEED, code="12345674", center_id="C01", service_id="C01-B", slot_start=SLOT, slot_end=SLOT
    )
    version, payload, signature = tok.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["c"] = "99999997"
    forged_payload = signing.b64url(json.dumps(forged, separators=(",", ":"), sort_keys=True).encode())
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    other = bytes(32)
    other_token = signing.sign(
        other, code="12345674", center_id="C01", service_id="C01-B", slot_start=SLOT, slot_end=SLOT
    )
    for bad in (
        f"{version}.{forged_payload}.{signature}",
        f"{version}.{payload}.{flipped}",
        other_token,  # a key central does not publish
        f"A2.{payload}.{signature}",
        f"{version}.{payload}",
        f"{version}.!!!.{signature}",
        f"{version}.{payload}.{signature}é",
        "",
    ):
        with pytest.raises(signing.TokenError):
            signing.verify(bad, keys)
    other_public = signing.public_key(other)
    assert signing.verify(other_token, {signing.key_id(other_public): other_public})["c"] == "12345674"


# ----- the endpoints for the kiosk's cache -----


def test_verification_and_upcoming(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    r = client.get(f"{API}/verification", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert (body["checkin_early_min"], body["checkin_late_min"]) == (15, 10)
    (key,) = body["keys"]
    assert key["algorithm"] == "Ed25519"
    keys = _keys(client, headers)
    assert signing.key_id(keys[key["id"]]) == key["id"]

    nine = book(client, headers)  # Tuesday 09:00
    ten = book(client, headers, "2026-11-24T10:00:00+03:00", phone="+79990000001")
    later = book(client, headers, "2026-11-25T09:00:00+03:00", phone="+79990000002")  # beyond 36 hours
    c02 = bearer(kiosks.add(seeded, "KIOSK-C02", "C02", clock))  # a kiosk books only at its own center
    elsewhere = book(client, c02, TUESDAY_9, service="C02-B", phone="+79990000003")
    gone = book(client, headers, "2026-11-24T11:00:00+03:00", phone="+79990000004")
    client.post(f"{API}/{gone['code']}/cancel", json={"phone_last4": "0004"}, headers=headers)
    for appt in (nine, ten, later, elsewhere):
        assert signing.verify(appt["token"], keys)["c"] == appt["code"]

    up = client.get(f"{API}/upcoming", headers=headers).json()
    assert up == {
        "center_id": "C01",
        "appointments": [
            {"code": nine["code"], "token": nine["token"], "status": "confirmed"},
            {"code": ten["code"], "token": ten["token"], "status": "confirmed"},
        ],
    }
    payload = signing.verify(up["appointments"][0]["token"], keys)
    assert payload | {"k": "x"} == {
        "k": "x",
        "c": nine["code"],
        "ce": "C01",
        "sv": "C01-B",
        "st": int(SLOT.timestamp()),
        "en": int((SLOT + timedelta(minutes=30)).timestamp()),
    }
    other = bearer(kiosks.add(seeded, "KIOSK-C02", "C02", clock))
    up2 = client.get(f"{API}/upcoming", headers=other).json()
    assert (up2["center_id"], [a["code"] for a in up2["appointments"]]) == ("C02", [elsewhere["code"]])

    clock.set(datetime(2026, 11, 24, 9, 5))
    checked = _check_in(client, headers, nine["code"])
    assert checked["appointment"]["token"] == nine["token"]
    clock.set(datetime(2026, 11, 24, 9, 10))
    up = client.get(f"{API}/upcoming", headers=headers).json()["appointments"]
    assert [(a["code"], a["status"]) for a in up] == [
        (nine["code"], "checked_in"),  # still inside its late window
        (ten["code"], "confirmed"),
        (later["code"], "confirmed"),  # now within 36 hours
    ]
    clock.set(datetime(2026, 11, 24, 9, 11))
    up = client.get(f"{API}/upcoming", headers=headers).json()["appointments"]
    assert nine["code"] not in [a["code"] for a in up]
    assert client.get(f"{API}/upcoming").status_code == 401


def test_reschedule_and_cancel_tokens(client: TestClient, headers: dict[str, str]) -> None:
    appt = book(client, headers)
    body = {"phone_last4": "6789", "request_id": rid(), "slot_start": "2026-11-24T10:00:00+03:00"}
    moved = client.post(f"{API}/{appt['code']}/reschedule", json=body, headers=headers).json()["appointment"]
    assert signing.verify(moved["token"], _keys(client, headers))["c"] == moved["code"]
    cancelled = client.post(f"{API}/{moved['code']}/cancel", json={"phone_last4": "6789"}, headers=headers)
    assert cancelled.json()["appointment"]["token"] is None


# ----- syncing offline check-ins -----


def _ticket_row(engine: Engine, ticket_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(db.tickets).where(db.tickets.c.id == ticket_id)).one()


def test_offline_check_in_syncs_after_its_ticket(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    appt = book(client, headers)
    clock.set(datetime(2026, 11, 24, 8, 40))
    lease = _lease(client, headers)
    at = _moscow(8, 50)
    clock.set(datetime(2026, 11, 24, 8, 55))  # the kiosk was offline from 08:40 to 08:55
    ticket_request = rid()
    early = _check_in(client, headers, appt["code"], 409, ticket_request_id=ticket_request, checked_in_at=at)
    assert early["error"] == "ticket_not_synced"
    ticket = _offline_ticket(client, headers, lease, lease["first"], at, ticket_request)
    first = _check_in(client, headers, appt["code"], ticket_request_id=ticket_request, checked_in_at=at)
    assert first["ticket"]["id"] == ticket["id"]
    assert first["ticket"]["number"] == lease["first"]
    assert first["appointment"]["status"] == "checked_in"
    assert first["appointment"]["token"] == appt["token"]
    row = _ticket_row(seeded, ticket["id"])
    assert (row.queued_at, row.rank_at) == (SLOT, SLOT - timedelta(minutes=20))
    again = _check_in(client, headers, appt["code"], ticket_request_id=ticket_request, checked_in_at=at)
    assert again["ticket"]["id"] == ticket["id"]
    with seeded.connect() as conn:
        stored = conn.execute(sa.select(db.appointments.c.status, db.appointments.c.ticket_id)).one()
    assert tuple(stored) == ("checked_in", ticket["id"])

    # The same visitor checked in again at a kiosk that was also offline: its ticket is voided.
    duplicate = _offline_ticket(client, headers, lease, lease["first"] + 1, _moscow(8, 52))
    dup = _check_in(client, headers, appt["code"], ticket_request_id=duplicate["request_id"])
    assert dup["ticket"]["id"] == ticket["id"]
    assert _ticket_row(seeded, duplicate["id"]).status == "void"
    assert _ticket_row(seeded, ticket["id"]).status == "waiting"


def test_offline_check_in_without_checked_in_at_uses_the_ticket_time(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    appt = book(client, headers)
    clock.set(datetime(2026, 11, 24, 8, 50))
    lease = _lease(client, headers)
    clock.set(datetime(2026, 11, 24, 9, 40))  # synced long after the window closed
    ticket = _offline_ticket(client, headers, lease, lease["first"], _moscow(9, 2))
    done = _check_in(client, headers, appt["code"], ticket_request_id=ticket["request_id"])
    assert done["ticket"]["id"] == ticket["id"]


def test_missed_then_synced_is_accepted_inside_the_window_only(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    came = book(client, headers)
    late = book(client, headers, "2026-11-24T09:30:00+03:00", phone="+79990000001")
    clock.set(datetime(2026, 11, 24, 8, 58))
    lease = _lease(client, headers)
    clock.set(datetime(2026, 11, 24, 9, 50))
    assert sweep(client.app.state.appointments).missed == 2  # type: ignore[attr-defined]
    ticket = _offline_ticket(client, headers, lease, lease["first"], _moscow(9, 5))
    ok = _check_in(
        client, headers, came["code"], ticket_request_id=ticket["request_id"], checked_in_at=_moscow(9, 5)
    )
    assert (ok["appointment"]["status"], ok["ticket"]["id"]) == ("checked_in", ticket["id"])
    assert _ticket_row(seeded, ticket["id"]).queued_at == SLOT
    outside = _offline_ticket(client, headers, lease, lease["first"] + 1, _moscow(9, 45))
    refused = _check_in(
        client,
        headers,
        late["code"],
        409,
        ticket_request_id=outside["request_id"],
        checked_in_at=_moscow(9, 45),
    )
    assert refused["error"] == "too_late"


def test_online_then_offline_duplicate_keeps_the_first_ticket(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    appt = book(client, headers)
    clock.set(datetime(2026, 11, 24, 8, 50))
    lease = _lease(client, headers)
    online = _check_in(client, headers, appt["code"])["ticket"]
    offline = _offline_ticket(client, headers, lease, lease["first"], _moscow(8, 49))
    answer = _check_in(client, headers, appt["code"], ticket_request_id=offline["request_id"])
    assert answer["ticket"]["id"] == online["id"]
    assert _ticket_row(seeded, offline["id"]).void_reason.startswith("duplicate check-in")


def test_offline_ticket_must_be_this_kiosks_for_this_service(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    appt = book(client, headers)
    clock.set(datetime(2026, 11, 24, 8, 50))
    a_lease = _lease(client, headers, "C01-A")
    wrong_service = _offline_ticket(
        client, headers, a_lease, a_lease["first"], _moscow(8, 50), service="C01-A"
    )
    r = _check_in(client, headers, appt["code"], 409, ticket_request_id=wrong_service["request_id"])
    assert r["error"] == "ticket_conflict"
    other = bearer(kiosks.add(seeded, "KIOSK-T2", "C01", clock))
    lease = _lease(client, other)
    theirs = _offline_ticket(client, other, lease, lease["first"], _moscow(8, 50))
    r = _check_in(client, headers, appt["code"], 409, ticket_request_id=theirs["request_id"])
    assert r["error"] == "ticket_conflict"
    mine = _check_in(client, other, appt["code"], ticket_request_id=theirs["request_id"])
    assert mine["ticket"]["id"] == theirs["id"]


def test_checked_in_at_may_not_be_in_the_future(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    appt = book(client, headers)
    clock.set(datetime(2026, 11, 24, 9, 0))
    r = _check_in(client, headers, appt["code"], 422, checked_in_at=_moscow(9, 3))
    assert r["error"] == "invalid_request"
    assert _check_in(client, headers, appt["code"], checked_in_at=_moscow(9, 1))["ticket"]["priority"] == (
        "appointment"
    )
