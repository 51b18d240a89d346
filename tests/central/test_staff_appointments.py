"""The staff appointments API (/api/v1/staff/appointments) on a seeded database with a manual clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, seed, staff
from central.appointments.staffdesk import mask_phone
from service_common.clock import ManualClock

from .test_reminders import book

STAFF = "/api/v1/staff/appointments"


def sign_in(client: TestClient, username: str = seed.DEMO_STAFF, password: str = seed.DEMO_PASSWORD) -> None:
    r = client.post("/api/v1/staff/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text


@pytest.fixture
def bookings(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Tuesday 09:00 and 09:30 at C01-B, Tuesday 10:00 at C01-A (Monday 10:00 now)."""
    return [
        book(client, headers, "2026-11-24T09:00:00+03:00", phone="+7 912 345-67-89"),
        book(client, headers, "2026-11-24T09:30:00+03:00", phone="+7 912 000-11-22", email_to=None),
        book(client, headers, "2026-11-24T10:00:00+03:00", phone="+7 912 000-33-44", service="C01-A"),
    ]


def test_mask_phone() -> None:
    assert mask_phone("+79123456789") == "+7 *** ***-67-89"
    assert mask_phone("+886912345678") == "+*** ***-56-78"
    assert mask_phone(None) == ""


def test_needs_a_staff_session(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get(STAFF, headers=headers).status_code == 401  # a kiosk token is not enough
    assert client.get("/staff/appointments").status_code == 200  # the page itself is public


def test_the_days_list(client: TestClient, bookings: list[dict[str, Any]]) -> None:
    sign_in(client)
    today = client.get(STAFF).json()
    assert (today["center_id"], today["date"], today["today"]) == ("C01", "2026-11-23", "2026-11-23")
    assert [c["id"] for c in today["centers"]] == ["C01", "C02", "C03"]
    assert all(not s["appointments"] for s in today["services"])
    day = client.get(STAFF, params={"date": "2026-11-24"}).json()
    by_service = {s["service_id"]: s["appointments"] for s in day["services"]}
    assert [a["code"] for a in by_service["C01-B"]] == [bookings[0]["code"], bookings[1]["code"]]
    first = by_service["C01-B"][0]
    assert first == {
        "id": bookings[0]["id"],
        "code": bookings[0]["code"],
        "service_id": "C01-B",
        "slot_start": "2026-11-24T09:00:00+03:00",
        "slot_end": "2026-11-24T09:30:00+03:00",
        "name": "Anna",
        "phone": "+7 *** ***-67-89",
        "status": "confirmed",
        "ticket": None,
        "cancelled_by": None,
        "actions": ["cancel"],
    }
    assert by_service["C01-A"][0]["slot_end"] == "2026-11-24T10:20:00+03:00"
    assert client.get(STAFF, params={"center_id": "C02", "date": "2026-11-24"}).json()["center_id"] == "C02"


def test_check_in_mark_missed_cancel(
    client: TestClient, bookings: list[dict[str, Any]], clock: ManualClock, seeded: Engine
) -> None:
    clock.advance(timedelta(hours=23, minutes=20))  # Tuesday 09:20
    sign_in(client)
    day = {s["service_id"]: s["appointments"] for s in client.get(STAFF).json()["services"]}
    assert day["C01-B"][0]["actions"] == ["mark_missed"]  # 09:00: started, check-in closes at 09:10
    assert day["C01-B"][1]["actions"] == ["check_in", "cancel"]  # 09:30: check-in open
    assert day["C01-A"][0]["actions"] == ["cancel"]  # 10:00: too early

    done = client.post(f"{STAFF}/check-in", json={"code": bookings[1]["code"]})
    assert done.status_code == 200, done.text
    ticket = done.json()["ticket"]
    assert (ticket["priority"], ticket["issued_by"], ticket["display"]) == (
        "appointment",
        "staff:demo",
        "B001",
    )
    assert done.json()["appointment"]["status"] == "checked_in"
    assert done.json()["appointment"]["ticket"] == "B001"
    again = client.post(f"{STAFF}/check-in", json={"code": bookings[1]["code"]})
    assert again.json()["ticket"]["id"] == ticket["id"]

    early = client.post(f"{STAFF}/check-in", json={"code": bookings[2]["code"]})
    assert early.status_code == 409
    assert early.json()["error"] == "too_early"
    assert early.json()["opens_at"] == "2026-11-24T06:45:00Z"
    assert client.post(f"{STAFF}/check-in", json={"code": "12345674"}).status_code == 404

    not_yet = client.post(f"{STAFF}/{bookings[2]['id']}/missed")
    assert (not_yet.status_code, not_yet.json()["error"]) == (409, "not_started")
    missed = client.post(f"{STAFF}/{bookings[0]['id']}/missed")
    assert missed.status_code == 200
    assert missed.json()["appointment"]["status"] == "missed"
    assert client.post(f"{STAFF}/{bookings[0]['id']}/missed").json() == missed.json()

    cancelled = client.post(f"{STAFF}/{bookings[2]['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["appointment"]["status"] == "cancelled"
    assert cancelled.json()["appointment"]["cancelled_by"] == "staff:demo"
    assert client.post(f"{STAFF}/{bookings[0]['id']}/cancel").json()["error"] == "not_cancellable"
    with seeded.connect() as conn:
        # Staff cancelling is not the visitor cancelling: nothing towards the cool-down.
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(db.appointment_cancellations)).scalar() == 0
        )
        pending = conn.execute(
            sa.select(db.reminders.c.status).where(db.reminders.c.appointment_id == bookings[2]["id"])
        ).scalars()
        assert set(pending) == {"cancelled"}


def test_staff_of_another_center(
    client: TestClient, bookings: list[dict[str, Any]], seeded: Engine, clock: ManualClock
) -> None:
    staff.set_account(seeded, "petrov", "agent", "C02", "petrov-password-1", must_change=False, clock=clock)
    sign_in(client, "petrov", "petrov-password-1")
    own = client.get(STAFF).json()
    assert (own["center_id"], [c["id"] for c in own["centers"]]) == ("C02", ["C02"])
    assert client.get(STAFF, params={"center_id": "C01"}).status_code == 403
    assert client.post(f"{STAFF}/{bookings[0]['id']}/cancel").status_code == 403
    clock.advance(timedelta(hours=23, minutes=20))
    sign_in(client, "petrov", "petrov-password-1")  # the session ended while the clock moved
    assert client.post(f"{STAFF}/check-in", json={"code": bookings[1]["code"]}).status_code == 403


def test_initial_password_must_be_changed_first(
    client: TestClient, seeded: Engine, clock: ManualClock
) -> None:
    initial = staff.add(seeded, "novice", "agent", "C01", clock)
    sign_in(client, "novice", initial)
    r = client.get(STAFF)
    assert (r.status_code, r.json()["error"]) == (403, "password_change_required")
