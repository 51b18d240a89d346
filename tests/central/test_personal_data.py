"""Personal data at central: card numbers masked on the way in, and name, phone, e-mail and the
reminder files erased ``personal_data_days`` after the slot (the clock is moved, never slept on)."""

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
from central.appointments.booking import AppointmentDesk
from central.appointments.channels import ChannelUnavailable, ReminderMessage
from central.appointments.retention import erase_personal_data
from central.appointments.settings import AppointmentSettings, ReminderSettings
from service_common.clock import ManualClock
from service_common.tomlconfig import ConfigError

from .test_reminders import book
from .test_staff_appointments import sign_in

API = "/api/v1/appointments"
VISA = "4111 1111 1111 1111"


def appointment(engine: Engine, appointment_id: str) -> Any:
    a = db.appointments
    with engine.connect() as conn:
        return conn.execute(sa.select(a).where(a.c.id == appointment_id)).one()


# ----- card numbers in free text -----


def test_a_card_number_in_the_name_is_stored_masked(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-B", "slot_start": "2026-11-25T09:00:00+03:00"}
    hold_id = client.post(f"{API}/holds", json=body, headers=headers).json()["hold"]["id"]
    confirm = {"request_id": str(uuid.uuid4()), "name": f"Anna {VISA}", "phone": "+79123456789"}
    r = client.post(f"{API}/holds/{hold_id}/confirm", json=confirm, headers=headers)
    assert r.status_code == 201, r.text
    assert appointment(seeded, r.json()["appointment"]["id"]).name == "Anna 411111******1111"


def test_a_card_number_in_a_void_reason_is_stored_masked(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    ticket = client.post(
        "/api/v1/tickets", json={"request_id": str(uuid.uuid4()), "service_id": "C01-A"}, headers=headers
    ).json()["ticket"]
    r = client.post(f"/api/v1/tickets/{ticket['id']}/void", json={"reason": f"card {VISA}"}, headers=headers)
    assert r.status_code == 200, r.text
    with seeded.connect() as conn:
        reason = conn.execute(
            sa.select(db.tickets.c.void_reason).where(db.tickets.c.id == ticket["id"])
        ).scalar()
    assert reason == "card 411111******1111"


# ----- retention -----


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def app_client(seeded: Engine, clock: ManualClock, spool: Path) -> TestClient:
    reminders = ReminderSettings(sms=f"file:{spool}/sms", email=f"file:{spool}/email")
    return TestClient(
        create_app(
            seeded,
            clock,
            appointment_settings=AppointmentSettings(personal_data_days=3),
            reminder_settings=reminders,
        )
    )


def files(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.rglob("*") if p.is_file())


def test_the_sweep_erases_personal_data_and_reminder_files_after_the_retention(
    app_client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine, spool: Path
) -> None:
    sweeper = app_client.app.state.sweeper  # type: ignore[attr-defined]
    early = book(app_client, headers, "2026-11-25T09:00:00+03:00")  # Wednesday, SMS and e-mail
    later = book(app_client, headers, "2026-11-27T09:00:00+03:00", phone="+79990000001")  # Friday
    hashed = appointment(seeded, early["id"]).phone_hash
    clock.set(datetime(2026, 11, 24, 9, 0))  # 24 h before Wednesday's slot: its reminders go
    assert sweeper.run_once().tasks == {"reminders sent": 2, "personal data erased": 0, "fleet": 0}
    assert len(files(spool)) == 2
    clock.set(datetime(2026, 11, 26, 9, 0))  # Friday's reminder goes
    assert sweeper.run_once().tasks["reminders sent"] == 2
    assert len(files(spool)) == 4

    clock.set(datetime(2026, 11, 28, 8, 59))  # Wednesday 09:00 + 3 days, one minute short
    assert sweeper.run_once().tasks["personal data erased"] == 0
    clock.advance(timedelta(minutes=2))
    assert sweeper.run_once().tasks["personal data erased"] == 1
    row = appointment(seeded, early["id"])
    assert (row.name, row.phone, row.email) == (None, None, None)
    assert row.phone_hash == hashed  # the fair-use limits still count this booking
    assert (row.code, row.status) == (early["code"], "missed")
    left = files(spool)
    assert len(left) == 2
    kept = appointment(seeded, later["id"])
    assert (kept.name, kept.phone, kept.email) == ("Anna", "+79990000001", "anna@example.org")
    with seeded.connect() as conn:
        reminder_ids = set(
            conn.execute(
                sa.select(db.reminders.c.id).where(db.reminders.c.appointment_id == later["id"])
            ).scalars()
        )
    assert {name.split(".")[0] for name in left} == reminder_ids
    assert sweeper.run_once().tasks["personal data erased"] == 0  # done once

    sign_in(app_client)  # staff still see the day, without the erased data
    day = app_client.get("/api/v1/staff/appointments", params={"date": "2026-11-25"})
    assert day.status_code == 200, day.text
    shown = [a for s in day.json()["services"] for a in s["appointments"]]
    assert [(a["code"], a["name"], a["phone"]) for a in shown] == [(early["code"], "", "")]
    # The visitor's code with the old digits no longer finds anything.
    r = app_client.post(f"{API}/{early['code']}/lookup", json={"phone_last4": "6789"}, headers=headers)
    assert r.status_code == 404

    clock.set(datetime(2026, 11, 30, 9, 1))
    assert sweeper.run_once().tasks["personal data erased"] == 1
    assert files(spool) == []


class Stubborn:
    """A channel whose copies cannot be deleted until told otherwise."""

    def __init__(self) -> None:
        self.forgotten: list[str] = []
        self.broken = True

    def send(self, message: ReminderMessage) -> None:
        pass

    def forget(self, reminder_id: str) -> None:
        if self.broken:
            raise ChannelUnavailable("read-only spool")
        self.forgotten.append(reminder_id)


def test_a_copy_that_cannot_be_deleted_keeps_its_booking_for_the_next_pass(
    client: TestClient, headers: dict[str, str], clock: ManualClock, seeded: Engine
) -> None:
    desk: AppointmentDesk = client.app.state.appointments  # type: ignore[attr-defined]
    appt = book(client, headers, "2026-11-25T09:00:00+03:00", email_to=None)
    channel = Stubborn()
    clock.set(datetime(2026, 11, 29, 10, 0))
    assert erase_personal_data(desk, {"sms": channel}) == 0
    assert appointment(seeded, appt["id"]).phone == "+79123456789"
    channel.broken = False
    assert erase_personal_data(desk, {"sms": channel}) == 1
    assert len(channel.forgotten) == 1
    assert appointment(seeded, appt["id"]).phone is None


def test_retention_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "central.toml"
    assert central_config.load(None, env={}).appointments.settings().personal_data_days == 3
    path.write_text("[appointments]\npersonal_data_days = 7\n")
    assert central_config.load(path, env={}).appointments.settings().personal_data_days == 7
    path.write_text("[appointments]\npersonal_data_days = 0\n")
    with pytest.raises(ConfigError, match="personal_data_days"):
        central_config.load(path, env={})
