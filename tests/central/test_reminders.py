"""Appointment reminders: when they are due, what the file adapters write, retries, idempotence.

Seeded database, manual clock at Monday 2026-11-23 10:00 Moscow; the sweep is called by hand
after moving the clock (no sleeps). Bookings go through the kiosk API like a kiosk's would.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import cli, db
from central.app import create_app
from central.appointments import channels, reminders
from central.appointments.channels import (
    CalendarEvent,
    ChannelRejected,
    ChannelUnavailable,
    FileEmailChannel,
    FileSmsChannel,
    ReminderMessage,
)
from central.appointments.reminders import Outbox
from central.appointments.settings import ReminderSettings
from service_common.clock import ManualClock

API = "/api/v1/appointments"
PHONE = "+7 (912) 345-67-89"
WEDNESDAY_9 = "2026-11-25T09:00:00+03:00"


def book(
    client: TestClient,
    headers: dict[str, str],
    start: str = WEDNESDAY_9,
    email_to: str | None = "anna@example.org",
    language: str = "en",
    service: str = "C01-B",
    phone: str = PHONE,
) -> dict[str, Any]:
    body = {"request_id": str(uuid.uuid4()), "service_id": service, "slot_start": start}
    held = client.post(f"{API}/holds", json=body, headers=headers)
    assert held.status_code == 201, held.text
    confirm: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "name": "Anna",
        "phone": phone,
        "language": language,
    }
    if email_to is not None:
        confirm["email"] = email_to
    r = client.post(f"{API}/holds/{held.json()['hold']['id']}/confirm", json=confirm, headers=headers)
    assert r.status_code == 201, r.text
    appt: dict[str, Any] = r.json()["appointment"]
    return appt


def rows(engine: Engine, appointment_id: str | None = None) -> list[Any]:
    r = db.reminders
    query = sa.select(r).order_by(r.c.channel)
    if appointment_id is not None:
        query = query.where(r.c.appointment_id == appointment_id)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


class Recording:
    """A channel that keeps what it was given and fails as told."""

    def __init__(self, fail: list[Exception] | None = None) -> None:
        self.sent: list[ReminderMessage] = []
        self.fail = list(fail or [])

    def send(self, message: ReminderMessage) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append(message)


# ----- scheduling -----


def test_due_time_rules() -> None:
    s = ReminderSettings(before_hours=24, min_lead_hours=2)
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert reminders.due_time(now + timedelta(days=2), now, s) == now + timedelta(days=1)
    assert reminders.due_time(now + timedelta(hours=24, seconds=1), now, s) == now + timedelta(seconds=1)
    assert reminders.due_time(now + timedelta(hours=5), now, s) == now  # late booking: at once
    assert reminders.due_time(now + timedelta(hours=2), now, s) is None  # too close: none
    assert reminders.due_time(now + timedelta(hours=1), now, s) is None


def test_confirm_schedules_sms_and_email(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    appt = book(client, headers)
    due = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Wednesday 09:00 Moscow minus 24 h
    got = rows(seeded, appt["id"])
    assert [(r.channel, r.status, r.due_at, r.next_try_at, r.attempts) for r in got] == [
        ("email", "pending", due, due, 0),
        ("sms", "pending", due, due, 0),
    ]
    plain = book(client, headers, "2026-11-25T09:30:00+03:00", email_to=None)
    assert [r.channel for r in rows(seeded, plain["id"])] == ["sms"]


def test_late_booking_is_reminded_at_once_or_not_at_all(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    soon = book(client, headers, "2026-11-23T14:00:00+03:00", email_to=None)  # 4 h away
    assert [(r.due_at, r.status) for r in rows(seeded, soon["id"])] == [
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "pending")
    ]
    close = book(client, headers, "2026-11-23T11:30:00+03:00", email_to=None)  # 1.5 h away
    assert rows(seeded, close["id"]) == []


def test_bad_email_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-B", "slot_start": WEDNESDAY_9}
    hold_id = client.post(f"{API}/holds", json=body, headers=headers).json()["hold"]["id"]
    bad = {"request_id": str(uuid.uuid4()), "name": "A", "phone": PHONE, "email": "anna at example.org"}
    assert client.post(f"{API}/holds/{hold_id}/confirm", json=bad, headers=headers).status_code == 422


def test_cancel_and_reschedule_move_the_reminders(
    client: TestClient, headers: dict[str, str], seeded: Engine
) -> None:
    first = book(client, headers)
    r = client.post(f"{API}/{first['code']}/cancel", json={"phone_last4": "6789"}, headers=headers)
    assert r.status_code == 200
    assert {x.status for x in rows(seeded, first["id"])} == {"cancelled"}

    second = book(client, headers, "2026-11-26T10:00:00+03:00")
    body = {"phone_last4": "6789", "request_id": str(uuid.uuid4()), "slot_start": "2026-11-27T11:00:00+03:00"}
    moved = client.post(f"{API}/{second['code']}/reschedule", json=body, headers=headers)
    assert moved.status_code == 201, moved.text
    new = moved.json()["appointment"]
    assert {x.status for x in rows(seeded, second["id"])} == {"cancelled"}
    again = rows(seeded, new["id"])
    assert [(x.channel, x.status, x.due_at) for x in again] == [
        ("email", "pending", datetime(2026, 11, 26, 8, 0, tzinfo=UTC)),
        ("sms", "pending", datetime(2026, 11, 26, 8, 0, tzinfo=UTC)),
    ]
    with seeded.connect() as conn:
        old = conn.execute(sa.select(db.appointments).where(db.appointments.c.id == second["id"])).one()
    assert old.cancelled_by == f"rescheduled:{new['code']}"


# ----- the reference adapters -----


def message(**over: Any) -> ReminderMessage:
    event = CalendarEvent(
        uid="abc123@queue.example.bank",
        start=datetime(2026, 11, 25, 6, 0, tzinfo=UTC),
        end=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        summary="Кредиты, ипотека; и всё\\прочее",
        location="中央服務中心，莫斯科市列斯納亞街15號" * 2,
        description="Код записи: 12345678\nОтменить или перенести: https://queue.example.bank/a/12345678",
        stamp=datetime(2026, 11, 24, 6, 0, 5, tzinfo=UTC),
    )
    values: dict[str, Any] = {
        "reminder_id": "r1",
        "appointment_id": "abc123",
        "channel": "email",
        "to": "anna@example.org",
        "language": "ru",
        "subject": "Напоминание о записи",
        "text": "Здравствуйте, Anna!\n",
        "made_at": datetime(2026, 11, 24, 6, 0, 5, tzinfo=UTC),
        "event": event,
    }
    values.update(over)
    return ReminderMessage(**values)


def test_sms_file(tmp_path: Path) -> None:
    FileSmsChannel(tmp_path / "sms").send(
        message(channel="sms", to="+79123456789", text="Привет, 你好", event=None)
    )
    assert [p.name for p in (tmp_path / "sms").iterdir()] == ["r1.json"]
    assert json.loads((tmp_path / "sms" / "r1.json").read_text(encoding="utf-8")) == {
        "to": "+79123456789",
        "text": "Привет, 你好",
    }


def parse_eml(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def unfold(raw: str) -> list[str]:
    return raw.replace("\r\n ", "").split("\r\n")


def test_email_file_with_calendar(tmp_path: Path) -> None:
    FileEmailChannel(tmp_path, "Service center <no-reply@example.bank>", "example.bank").send(message())
    assert [p.name for p in tmp_path.iterdir()] == ["r1.eml"]
    mail = parse_eml(tmp_path / "r1.eml")
    assert mail["From"] == "Service center <no-reply@example.bank>"
    assert mail["To"] == "anna@example.org"
    assert mail["Subject"] == "Напоминание о записи"
    assert mail["Message-ID"] == "<r1@example.bank>"
    assert mail["Date"] == "Tue, 24 Nov 2026 06:00:05 +0000"
    body = mail.get_body(("plain",))
    assert body is not None
    assert body.get_content() == "Здравствуйте, Anna!\n"
    (ics_part,) = list(mail.iter_attachments())
    assert ics_part.get_content_type() == "text/calendar"
    assert ics_part.get_param("method") == "PUBLISH"
    assert ics_part.get_param("charset") == "utf-8"
    assert ics_part.get_filename() == "appointment.ics"
    raw_bytes = ics_part.get_payload(decode=True)
    assert isinstance(raw_bytes, bytes)
    raw = raw_bytes.decode("utf-8")

    # CRLF only, every physical line at most 75 octets, folds never split a UTF-8 character.
    assert raw.endswith("\r\n")
    assert "\n" not in raw.replace("\r\n", "")
    physical = raw.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)  # the long location was folded
    lines = unfold(raw)[:-1]
    assert lines[:6] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Service kiosk central//Appointments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
    ]
    event_lines = lines[6 : lines.index("BEGIN:VALARM")]
    props = dict(line.split(":", 1) for line in event_lines)
    assert props["UID"] == "abc123@queue.example.bank"
    assert props["DTSTAMP"] == "20261124T060005Z"
    assert props["DTSTART"] == "20261125T060000Z"
    assert props["DTEND"] == "20261125T063000Z"
    assert props["SUMMARY"] == "Кредиты\\, ипотека\\; и всё\\\\прочее"
    assert props["LOCATION"] == "中央服務中心，莫斯科市列斯納亞街15號" * 2
    assert props["DESCRIPTION"] == (
        "Код записи: 12345678\\nОтменить или перенести: https://queue.example.bank/a/12345678"
    )
    assert props["STATUS"] == "CONFIRMED"
    assert lines[-7:] == [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{props['SUMMARY']}",
        "TRIGGER:-PT1H",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def test_folding_counts_octets() -> None:
    folded = channels.ics_fold("X:" + "語" * 40)  # 2 + 120 octets
    parts = folded.split("\r\n")
    assert [len(p.encode("utf-8")) for p in parts] == [74, 49]
    assert "".join(p.removeprefix(" ") for p in parts) == "X:" + "語" * 40
    assert channels.ics_fold("A" * 75) == "A" * 75
    assert channels.ics_fold("A" * 76) == "A" * 75 + "\r\n A"


def test_resend_replaces_the_file(tmp_path: Path) -> None:
    channel = FileSmsChannel(tmp_path)
    channel.send(message(channel="sms", text="first", event=None))
    channel.send(message(channel="sms", text="second", event=None))
    assert [p.name for p in tmp_path.iterdir()] == ["r1.json"]
    assert json.loads((tmp_path / "r1.json").read_text(encoding="utf-8"))["text"] == "second"


def test_unwritable_directory_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ChannelUnavailable):
        FileSmsChannel(blocker / "sms").send(message(channel="sms", event=None))


# ----- sending -----


@pytest.fixture
def outbox_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def app_client(seeded: Engine, clock: ManualClock, outbox_dir: Path) -> TestClient:
    settings = ReminderSettings(sms=f"file:{outbox_dir}/sms", email=f"file:{outbox_dir}/email")
    return TestClient(
        create_app(seeded, clock, public_url="https://queue.example.bank", reminder_settings=settings)
    )


def test_sweep_sends_the_due_reminders_once(
    app_client: TestClient,
    headers: dict[str, str],
    clock: ManualClock,
    seeded: Engine,
    outbox_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    appt = book(app_client, headers, language="ru")
    sweeper = app_client.app.state.sweeper  # type: ignore[attr-defined]
    assert sweeper.run_once().tasks == {"reminders sent": 0, "personal data erased": 0, "fleet": 0}  # not due yet
    clock.advance(timedelta(hours=23))  # Tuesday 09:00 Moscow: 24 h before the slot
    caplog.set_level(logging.INFO, logger="central.reminders")
    assert sweeper.run_once().tasks == {"reminders sent": 2, "personal data erased": 0, "fleet": 0}
    assert sweeper.run_once().tasks == {"reminders sent": 0, "personal data erased": 0, "fleet": 0}  # idempotent
    sms_files = list((outbox_dir / "sms").iterdir())
    assert len(sms_files) == 1
    assert len(list((outbox_dir / "email").iterdir())) == 1
    sms = json.loads(sms_files[0].read_text(encoding="utf-8"))
    assert sms["to"] == "+79123456789"
    assert sms["text"] == (
        "Центральный офис обслуживания: напоминаем о записи «Кредиты и ипотека» среда, 25 ноября в 09:00. "
        f"Код {appt['code']}. Отменить или перенести: https://queue.example.bank/a/{appt['code']}"
    )
    mail = parse_eml(next((outbox_dir / "email").iterdir()))
    text = mail.get_body(("plain",))
    assert text is not None
    assert "Когда: среда, 25 ноября 2026 г., 09:00" in text.get_content()
    ics = next(mail.iter_attachments()).get_payload(decode=True)
    assert isinstance(ics, bytes)
    assert f"UID:{appt['id']}@queue.example.bank" in ics.decode("utf-8")
    assert [(r.status, r.attempts, r.sent_at) for r in rows(seeded, appt["id"])] == [
        ("sent", 1, clock.now().astimezone(UTC))
    ] * 2
    assert "9123456789" not in caplog.text
    # Not even the last four digits; a random hex id that happens to contain them does not count.
    assert re.search(r"(?<![0-9a-f])6789(?![0-9a-f])", caplog.text) is None
    assert "anna@" not in caplog.text
    assert any(
        r.getMessage().startswith("reminder ") and "sent (sms)" in r.getMessage() for r in caplog.records
    )


def test_three_languages(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    for i, lang in enumerate(("ru", "zh-Hant", "en")):
        book(
            client,
            headers,
            f"2026-11-25T1{i}:00:00+03:00",
            language=lang,
            email_to=None,
            phone=f"+7912000000{i}",
        )
    outbox = Recording()
    ctx = client.app.state.central  # type: ignore[attr-defined]
    Outbox(ctx, ReminderSettings(), {"sms": outbox}).send_due(clock.now() + timedelta(days=1, hours=3))
    texts = sorted(m.text for m in outbox.sent)
    assert len(texts) == 3
    assert any(
        t.startswith("中央服務中心：提醒您已預約「貸款與房貸」，時間 11月25日 星期三 上午11:00。")
        for t in texts
    )
    assert any(
        t.startswith(
            "Central Service Center: reminder of your appointment (Loans and mortgages) on "
            "Wednesday, November 25 at 12:00 PM."
        )
        for t in texts
    )
    assert any(
        t.startswith(
            "Центральный офис обслуживания: напоминаем о записи «Кредиты и ипотека» среда, 25 ноября в 10:00."
        )
        for t in texts
    )


def test_unavailable_channel_backs_off_then_gives_up(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    appt = book(client, headers, email_to=None)
    down = Recording([ChannelUnavailable("gateway down")] * 6)
    outbox = Outbox(client.app.state.central, ReminderSettings(), {"sms": down})  # type: ignore[attr-defined]
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    waits = []
    for attempt in range(1, 7):
        report = outbox.send_due(now)
        (row,) = rows(seeded, appt["id"])
        assert row.attempts == attempt
        assert row.last_error == "ChannelUnavailable: gateway down"
        if attempt < 6:
            assert (report.retry, row.status) == (1, "pending")
            assert outbox.send_due(row.next_try_at - timedelta(seconds=1)).retry == 0  # not before its time
            waits.append(row.next_try_at - now)
            now = row.next_try_at
        else:
            assert (report.failed, row.status) == (1, "failed")
    assert waits == [timedelta(minutes=m) for m in (1, 5, 15, 60, 60)]
    assert outbox.send_due(now + timedelta(hours=3)).failed == 0


def test_unavailable_then_back(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    appt = book(client, headers, email_to=None)
    flaky = Recording([ChannelUnavailable("busy")])
    outbox = Outbox(client.app.state.central, ReminderSettings(), {"sms": flaky})  # type: ignore[attr-defined]
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert outbox.send_due(now).retry == 1
    assert outbox.send_due(now + timedelta(minutes=1)).sent == 1
    (row,) = rows(seeded, appt["id"])
    assert (row.status, row.attempts, len(flaky.sent)) == ("sent", 2, 1)


def test_rejected_fails_at_once(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    appt = book(client, headers)
    sms, mail = Recording([ChannelRejected("no such number")]), Recording()
    outbox = Outbox(client.app.state.central, ReminderSettings(), {"sms": sms, "email": mail})  # type: ignore[attr-defined]
    report = outbox.send_due(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    assert (report.sent, report.failed) == (1, 1)
    assert [(r.channel, r.status, r.last_error) for r in rows(seeded, appt["id"])] == [
        ("email", "sent", None),
        ("sms", "failed", "ChannelRejected: no such number"),
    ]


def test_a_crashed_sweep_is_resent_after_the_claim(
    client: TestClient, headers: dict[str, str], seeded: Engine, tmp_path: Path
) -> None:
    """The process dies after the file was written but before the row was marked: one file, not two."""
    appt = book(client, headers, email_to=None)
    ctx = client.app.state.central  # type: ignore[attr-defined]
    files = FileSmsChannel(tmp_path / "sms")

    class DiesAfterWriting:
        def send(self, message: ReminderMessage) -> None:
            files.send(message)
            raise KeyboardInterrupt  # not an Exception: escapes like a kill would

    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    with pytest.raises(KeyboardInterrupt):
        Outbox(ctx, ReminderSettings(), {"sms": DiesAfterWriting()}).send_due(now)
    outbox = Outbox(ctx, ReminderSettings(), {"sms": files})
    assert outbox.send_due(now + timedelta(minutes=1)).sent == 0  # still claimed by the dead sweep
    assert outbox.send_due(now + reminders.CLAIM).sent == 1
    assert len(list((tmp_path / "sms").iterdir())) == 1
    assert rows(seeded, appt["id"])[0].status == "sent"


def test_batch_limit_and_stale_reminders(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    a = book(client, headers, "2026-11-25T09:00:00+03:00", email_to=None)
    b = book(client, headers, "2026-11-25T09:30:00+03:00", email_to=None, phone="+79120000001")
    sms = Recording()
    outbox = Outbox(client.app.state.central, ReminderSettings(batch=1), {"sms": sms})  # type: ignore[attr-defined]
    now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert outbox.send_due(now).sent == 1
    assert outbox.send_due(now).sent == 1
    assert outbox.send_due(now).sent == 0
    assert {m.appointment_id for m in sms.sent} == {a["id"], b["id"]}

    # A reminder whose booking is no longer confirmed (or whose slot has begun) is dropped, not sent.
    c = book(client, headers, "2026-11-26T09:00:00+03:00", email_to=None, phone="+79120000002")
    with seeded.begin() as conn:
        conn.execute(
            sa.update(db.appointments).where(db.appointments.c.id == c["id"]).values(status="missed")
        )
    report = outbox.send_due(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    assert (report.sent, report.cancelled) == (0, 1)
    assert rows(seeded, c["id"])[0].status == "cancelled"


def test_no_channel_configured_waits(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    appt = book(client, headers, email_to=None)
    outbox = Outbox(client.app.state.central, ReminderSettings(), {})  # type: ignore[attr-defined]
    assert outbox.send_due(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)).retry == 1
    assert rows(seeded, appt["id"])[0].last_error == "ChannelUnavailable: no sms channel configured"


# ----- configuration and the command line -----

PLUGGED: list[tuple[str, ReminderSettings]] = []


def make_channel(kind: str, settings: ReminderSettings) -> Recording:
    """A bank's gateway factory, as ``python:tests.central.test_reminders:make_channel``."""
    PLUGGED.append((kind, settings))
    return Recording()


def test_channel_specs(tmp_path: Path) -> None:
    s = ReminderSettings(sender="Bank <no-reply@bank.example>")
    sms = channels.channel_from_spec("sms", "", s, tmp_path, "bank.example")
    assert isinstance(sms, FileSmsChannel)
    assert sms.directory == tmp_path / "sms"
    mail = channels.channel_from_spec("email", f"file:{tmp_path}/m", s, tmp_path, "bank.example")
    assert isinstance(mail, FileEmailChannel)
    assert mail.directory == tmp_path / "m"
    plugged = channels.channel_from_spec(
        "sms", "python:tests.central.test_reminders:make_channel", s, tmp_path, "x"
    )
    assert isinstance(plugged, Recording)
    assert PLUGGED[-1] == ("sms", s)
    with pytest.raises(channels.SpecError, match="cannot load"):
        channels.channel_from_spec("sms", "python:tests.central.nothing_here:make", s, tmp_path, "x")
    assert channels.spec_problem("smtp://mail") is not None
    assert channels.spec_problem("python:pkg.mod") is not None


def test_config_section_and_cli_send_due(
    tmp_path: Path,
    client: TestClient,
    headers: dict[str, str],
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    book(client, headers)
    spool = tmp_path / "spool"
    config = tmp_path / "central.toml"
    config.write_text(
        f'[server]\npublic_url = "https://queue.example.bank"\n[reminders]\nsms = "file:{spool}/sms"\n'
        f'email = "file:{spool}/email"\nsender = "Bank <no-reply@bank.example>"\nbatch = 10\n',
        encoding="utf-8",
    )
    argv = ["--config", str(config), "reminders", "send-due", "--db", str(db_path)]
    assert cli.main([*argv, "--clock", "2026-11-24T08:59"]) == 0
    assert capsys.readouterr().out == "0\n"
    assert cli.main([*argv, "--clock", "2026-11-24T09:00"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("2\n", "2 sent, 0 to retry, 0 failed, 0 no longer needed\n")
    (eml,) = (spool / "email").iterdir()
    assert parse_eml(eml)["Message-ID"].endswith("@bank.example>")

    config.write_text('[reminders]\nsms = "smtp://x"\n', encoding="utf-8")
    assert cli.main(["--config", str(config), "reminders", "send-due", "--db", str(db_path)]) == 2
    assert "reminders.sms: empty" in capsys.readouterr().err
