"""The appointments API on a seeded database with a manual clock (Monday 2026-11-23 10:00 Moscow)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import config as central_config
from central import db
from central.app import create_app
from central.appointments.records import code_ok, luhn_digit, normalise_phone
from central.appointments.settings import AppointmentSettings
from service_common.clock import ManualClock

API = "/api/v1/appointments"
TUESDAY_9 = "2026-11-24T09:00:00+03:00"
PHONE = "+7 (912) 345-67-89"


def rid() -> str:
    return str(uuid.uuid4())


def hold(
    client: TestClient,
    headers: dict[str, str],
    start: str = TUESDAY_9,
    service: str = "C01-B",
    expect: int = 201,
) -> dict[str, Any]:
    body = {"request_id": rid(), "service_id": service, "slot_start": start}
    r = client.post(f"{API}/holds", json=body, headers=headers)
    assert r.status_code == expect, r.text
    out: dict[str, Any] = r.json()
    return out


def book(
    client: TestClient,
    headers: dict[str, str],
    start: str = TUESDAY_9,
    service: str = "C01-B",
    phone: str = PHONE,
    expect: int = 201,
) -> dict[str, Any]:
    h = hold(client, headers, start, service)["hold"]
    body = {"request_id": rid(), "name": "Anna", "phone": phone, "language": "en"}
    r = client.post(f"{API}/holds/{h['id']}/confirm", json=body, headers=headers)
    assert r.status_code == expect, r.text
    out: dict[str, Any] = r.json()
    appt: dict[str, Any] = out.get("appointment", out)
    return appt


def test_codes_and_phones() -> None:
    assert luhn_digit("7992739871") == "3"
    assert normalise_phone("8 912 345 67 89") == normalise_phone(PHONE) == normalise_phone("9123456789")
    assert normalise_phone("123") is None
    assert normalise_phone("+81 3 1234 5678") == "+81312345678"  # "+" keeps it international
    assert normalise_phone("00886 912 345 678") == "+886912345678"
    assert normalise_phone("0912 345 678") is None  # a national number of some country: which?
    assert normalise_phone("+0912345678") is None
    assert not code_ok("12345678") or luhn_digit("1234567") == "8"


def test_days_and_slots(client: TestClient, headers: dict[str, str]) -> None:
    r = client.get(
        f"{API}/days",
        params={"service_id": "C01-B", "from": "2026-11-23", "to": "2026-11-30"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["days"] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
    ]
    r = client.get(f"{API}/slots", params={"service_id": "C01-B", "date": "2026-11-24"}, headers=headers)
    slots = r.json()["slots"]
    assert len(slots) == 16  # 09-13 and 14-18 in 30 minutes
    assert slots[0] == {"start": "2026-11-24T09:00:00+03:00", "end": "2026-11-24T09:30:00+03:00", "free": 1}
    assert "2026-11-24T13:00:00+03:00" not in [s["start"] for s in slots]
    today = client.get(f"{API}/slots", params={"service_id": "C01-B", "date": "2026-11-23"}, headers=headers)
    assert today.json()["slots"][0]["start"] == "2026-11-23T11:00:00+03:00"  # 60 minutes' notice
    assert (
        client.get(
            f"{API}/slots", params={"service_id": "nope", "date": "2026-11-24"}, headers=headers
        ).status_code
        == 404
    )


def test_hold_takes_the_place_until_it_expires(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    h = hold(client, headers)["hold"]
    assert h["expires_at"] == "2026-11-23T07:05:00Z"
    assert hold(client, headers, expect=409) == {
        "error": "slot_full",
        "message": "the slot cannot be booked: full",
    }
    slots = client.get(
        f"{API}/slots", params={"service_id": "C01-B", "date": "2026-11-24"}, headers=headers
    ).json()
    assert slots["slots"][0]["start"] == "2026-11-24T09:30:00+03:00"
    clock.advance(timedelta(minutes=5, seconds=1))
    hold(client, headers)
    body = {"request_id": rid(), "name": "Anna", "phone": PHONE}
    r = client.post(f"{API}/holds/{h['id']}/confirm", json=body, headers=headers)
    assert r.status_code == 409
    assert r.json()["error"] == "hold_expired"


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2026-11-23T10:30:00+03:00", "too_soon"),
        ("2026-11-24T13:00:00+03:00", "in_break"),
        ("2026-11-24T09:10:00+03:00", "outside_schedule"),
        ("2026-11-28T10:00:00+03:00", "outside_schedule"),
        ("2027-01-11T10:00:00+03:00", "beyond_horizon"),
        ("2026-11-04T10:00:00+03:00", "holiday"),
    ],
)
def test_hold_refusals_use_the_engine_reason(
    client: TestClient, headers: dict[str, str], start: str, reason: str
) -> None:
    assert hold(client, headers, start, expect=409)["error"] == reason


def test_hold_is_idempotent(client: TestClient, headers: dict[str, str]) -> None:
    body = {"request_id": rid(), "service_id": "C01-B", "slot_start": TUESDAY_9}
    first = client.post(f"{API}/holds", json=body, headers=headers)
    again = client.post(f"{API}/holds", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


def test_confirm_is_idempotent_and_hashes_the_phone(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    h = hold(client, headers)["hold"]
    body = {"request_id": rid(), "name": "Anna", "phone": PHONE, "language": "en"}
    first = client.post(f"{API}/holds/{h['id']}/confirm", json=body, headers=headers)
    again = client.post(f"{API}/holds/{h['id']}/confirm", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.content == again.content
    appt = first.json()["appointment"]
    assert code_ok(appt["code"])
    assert appt["token"].startswith("A1.")
    assert appt | {"id": "x", "code": "x", "token": "x"} == {
        "id": "x",
        "code": "x",
        "token": "x",
        "center_id": "C01",
        "service_id": "C01-B",
        "slot_start": "2026-11-24T09:00:00+03:00",
        "slot_end": "2026-11-24T09:30:00+03:00",
        "status": "confirmed",
    }
    with seeded.connect() as conn:
        row = conn.execute(db.appointments.select()).one()
    assert row.phone == "+79123456789"
    assert len(row.phone_hash) == 64
    assert "9123" not in row.phone_hash


def test_person_limit(client: TestClient, headers: dict[str, str]) -> None:
    book(client, headers, "2026-11-24T09:00:00+03:00")
    book(client, headers, "2026-11-24T09:30:00+03:00", phone="89123456789")
    refused = book(client, headers, "2026-11-24T10:00:00+03:00", expect=409)
    assert refused["error"] == "person_limit"
    book(client, headers, "2026-11-24T10:30:00+03:00", phone="+79990000000")  # 10:00 is still held


def test_cancel_then_cooldown(client: TestClient, headers: dict[str, str]) -> None:
    for i in range(3):
        appt = book(client, headers, f"2026-11-24T1{i}:00:00+03:00")
        r = client.post(f"{API}/{appt['code']}/cancel", json={"phone_last4": "6789"}, headers=headers)
        assert r.status_code == 200
        assert r.json()["appointment"]["status"] == "cancelled"
    refused = book(client, headers, "2026-11-25T10:00:00+03:00", expect=409)
    assert refused["error"] == "cooldown"
    assert refused["until"] == "2026-11-30T07:00:00Z"


def test_cancel_needs_the_phone(client: TestClient, headers: dict[str, str]) -> None:
    appt = book(client, headers)
    r = client.post(f"{API}/{appt['code']}/cancel", json={"phone_last4": "0000"}, headers=headers)
    assert r.status_code == 404
    again = client.post(f"{API}/{appt['code']}/cancel", json={"phone_last4": "6789"}, headers=headers)
    twice = client.post(f"{API}/{appt['code']}/cancel", json={"phone_last4": "6789"}, headers=headers)
    assert again.json() == twice.json()
    hold(client, headers)  # the place is free again


def test_reschedule_books_new_then_frees_old(client: TestClient, headers: dict[str, str]) -> None:
    appt = book(client, headers)
    body = {"phone_last4": "6789", "request_id": rid(), "slot_start": "2026-11-24T10:00:00+03:00"}
    r = client.post(f"{API}/{appt['code']}/reschedule", json=body, headers=headers)
    assert r.status_code == 201, r.text
    again = client.post(f"{API}/{appt['code']}/reschedule", json=body, headers=headers)
    assert again.status_code == 200
    assert again.content == r.content
    moved = r.json()["appointment"]
    assert moved["slot_start"] == "2026-11-24T10:00:00+03:00"
    assert moved["code"] != appt["code"]
    hold(client, headers, TUESDAY_9)  # old place released
    hold(client, headers, "2026-11-24T10:00:00+03:00", expect=409)
    blocked = {"phone_last4": "6789", "request_id": rid(), "slot_start": TUESDAY_9}
    r = client.post(f"{API}/{moved['code']}/reschedule", json=blocked, headers=headers)
    assert r.status_code == 409
    assert r.json()["error"] == "slot_full"


def test_check_in_window_and_ticket(client: TestClient, headers: dict[str, str], clock: ManualClock) -> None:
    appt = book(client, headers)
    url = f"{API}/{appt['code']}/check-in"
    clock.set(datetime(2026, 11, 24, 8, 44))
    r = client.post(url, json={"request_id": rid()}, headers=headers)
    assert r.status_code == 409
    assert r.json()["error"] == "too_early"
    assert r.json()["opens_at"] == "2026-11-24T05:45:00Z"
    clock.set(datetime(2026, 11, 24, 9, 5))
    first = client.post(url, json={"request_id": rid()}, headers=headers)
    assert first.status_code == 200, first.text
    ticket = first.json()["ticket"]
    assert ticket["priority"] == "appointment"
    assert ticket["service_id"] == "C01-B"
    assert first.json()["appointment"]["status"] == "checked_in"
    again = client.post(url, json={"request_id": rid()}, headers=headers)
    assert again.json()["ticket"]["id"] == ticket["id"]


def test_check_in_too_late(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    appt = book(client, headers)
    clock.set(datetime(2026, 11, 24, 9, 11))
    r = client.post(f"{API}/{appt['code']}/check-in", json={"request_id": rid()}, headers=headers)
    assert r.status_code == 409
    assert r.json()["error"] == "too_late"
    with seeded.connect() as conn:
        assert conn.execute(sa.select(db.appointments.c.status)).scalar_one() == "missed"
    assert r.json()["service_id"] == appt["service_id"]  # the kiosk offers a walk-in ticket for it
    again = client.post(f"{API}/{appt['code']}/check-in", json={"request_id": rid()}, headers=headers)
    assert again.json()["error"] == "too_late"  # marked missed, still told plainly


def test_sweep_marks_only_past_bookings_missed(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    book(client, headers, TUESDAY_9)
    book(client, headers, "2026-11-24T10:00:00+03:00")
    desk = client.app.state.appointments  # type: ignore[attr-defined]
    clock.set(datetime(2026, 11, 24, 9, 30))
    assert desk.mark_missed() == 1
    assert desk.mark_missed() == 0


def test_hold_length_is_configurable(seeded: Engine, clock: ManualClock, headers: dict[str, str]) -> None:
    app = create_app(seeded, clock, appointment_settings=AppointmentSettings(hold_minutes=2))
    with TestClient(app) as other:
        assert hold(other, headers)["hold"]["expires_at"] == "2026-11-23T07:02:00Z"


def test_config_file_section(tmp_path: Path) -> None:
    path = tmp_path / "central.toml"
    path.write_text("[appointments]\nhold_minutes = 3\nmax_active_per_person = 0\n")
    settings = central_config.load(path, env={}).appointments.settings()
    assert settings.hold_minutes == 3
    assert settings.max_active_per_person == 0
