"""Central's satisfaction follow-up: asked after the answer to a complaint, again after silence, then not.

Time moves by the injectable clock; the sweep functions run as the sweeper runs them.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from central.appeals import desk, followup, sweep
from central.appeals.settings import AppealSettings
from central.appointments.channels import ReminderMessage
from service_common.clock import ManualClock

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)

URL = "https://bank.example/appeals/status"
NUMBER = "A001-261123-0001"
SETTINGS = AppealSettings(no_answer_asks=2, followup_after_days=3)


class Recorder:
    """A channel that keeps what it is given, by message id (as the file adapters do)."""

    def __init__(self) -> None:
        self.sent: dict[str, ReminderMessage] = {}
        self.calls = 0

    def send(self, message: ReminderMessage) -> None:
        self.calls += 1
        self.sent[message.reminder_id] = message


def _answered_complaint(
    client: TestClient, headers: dict[str, str], engine: Engine, clock: ManualClock, **over: object
) -> None:
    filed = body(kind="complaint", deadline="2026-12-11", **over)
    assert client.post("/api/v1/appeals", json=filed, headers=headers).status_code == 200
    desk.answer(engine, desk.Actor("demo", "supervisor"), NUMBER, clock.now(), "Деньги вернём.")


def _sweep(engine: Engine, clock: ManualClock, channels: dict[str, Recorder]) -> tuple[int, int]:
    asked = followup.ask_satisfaction(engine, clock.now(), URL, SETTINGS)
    return asked, sweep.send_notices(engine, channels, clock.now())


def _appeal(engine: Engine) -> sa.Row[object]:
    with engine.connect() as conn:
        return conn.execute(sa.select(db.appeals).where(db.appeals.c.number == NUMBER)).one()


def _actions(engine: Engine) -> list[str]:
    a, e = db.appeals, db.appeal_events
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(e.c.action)
                .join(a, a.c.id == e.c.appeal_id)
                .where(a.c.number == NUMBER)
                .order_by(e.c.id)
            ).scalars()
        )


def test_asked_by_sms_after_three_working_days_again_after_silence_then_stops(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    sms, email = Recorder(), Recorder()
    channels = {"sms": sms, "email": email}
    _answered_complaint(client, headers, seeded, clock)  # Monday 23 Nov
    clock.advance(timedelta(days=2))  # Wednesday: not yet
    assert _sweep(seeded, clock, channels) == (0, 0)
    clock.advance(timedelta(days=1))  # Thursday: three working days after Monday
    assert _sweep(seeded, clock, channels) == (1, 1)
    assert _sweep(seeded, clock, channels) == (0, 0)  # the same sweep again: nothing twice
    (first,) = sms.sent.values()
    assert first.to == "+7 912 345-67-89"
    assert first.language == "ru"
    assert f"{URL}?n={NUMBER}&lang=ru" in first.text
    assert "довольны" in first.text
    assert not email.sent

    clock.advance(timedelta(days=5))  # Tuesday 1 Dec: three working days of silence
    assert _sweep(seeded, clock, channels) == (1, 1)
    row = _appeal(seeded)
    assert (row.satisfaction, row.no_answer_count) == ("no_answer", 1)
    clock.advance(timedelta(days=3))  # Friday: silence again, the second "no answer" stands
    assert _sweep(seeded, clock, channels) == (0, 0)
    row = _appeal(seeded)
    assert (row.satisfaction, row.no_answer_count, row.status) == ("no_answer", 2, "answered")
    clock.advance(timedelta(days=30))
    assert _sweep(seeded, clock, channels) == (0, 0)
    assert len(sms.sent) == 2
    assert sms.calls == 2
    assert _actions(seeded).count("followup") == 2
    assert _actions(seeded).count("no_answer") == 2


def test_a_rerun_after_a_crash_sends_each_ask_once(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    sms = Recorder()
    _answered_complaint(client, headers, seeded, clock)
    clock.advance(timedelta(days=3))
    # The ask is written, then the process dies before sending; a second central sweeps too.
    assert followup.ask_satisfaction(seeded, clock.now(), URL, SETTINGS) == 1
    assert followup.ask_satisfaction(seeded, clock.now(), URL, SETTINGS) == 0
    assert sweep.send_notices(seeded, {"sms": sms}, clock.now()) == 1
    assert sweep.send_notices(seeded, {"sms": sms}, clock.now()) == 0
    assert sms.calls == 1
    with seeded.connect() as conn:
        notices = conn.execute(
            sa.select(db.appeal_notices).where(db.appeal_notices.c.purpose == "satisfaction")
        ).all()
    assert len(notices) == 1
    with seeded.connect() as conn:
        answered_at = conn.execute(
            sa.select(db.appeal_events.c.at).where(
                db.appeal_events.c.action == "answered", db.appeal_events.c.appeal_id == _appeal(seeded).id
            )
        ).scalar_one()
    assert notices[0].id == followup.notice_id(_appeal(seeded).id, answered_at, 1)


def test_by_email_in_the_visitors_language_answered_on_the_status_page(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    email = Recorder()
    _answered_complaint(
        client, headers, seeded, clock, phone=None, email="li@example.com", reply_by="email", lang="zh-Hant"
    )
    clock.advance(timedelta(days=3))
    assert _sweep(seeded, clock, {"email": email}) == (1, 2)  # + the acknowledgement
    (message,) = [m for m in email.sent.values() if "{number}" not in m.subject and "滿意" in m.subject]
    assert message.to == "li@example.com"
    assert "滿意" in message.subject
    assert "lang=zh-Hant" in message.text

    shown = client.post("/appeals/status", data={"n": NUMBER, "last4": "li@example.com", "lang": "zh-Hant"})
    assert shown.status_code == 200
    assert 'id="rate"' in shown.text
    form = {"n": NUMBER, "last4": "li@example.com", "lang": "zh-Hant", "request_id": "r-1"}
    wrong = client.post(
        "/appeals/status/satisfaction", data={**form, "last4": "x@example.com", "answer": "satisfied"}
    )
    assert wrong.status_code == 403
    rated = client.post("/appeals/status/satisfaction", data={**form, "answer": "not_satisfied"})
    assert rated.status_code == 200
    assert 'id="thanks"' in rated.text
    assert 'id="rate"' not in rated.text
    again = client.post("/appeals/status/satisfaction", data={**form, "answer": "not_satisfied"})
    assert again.status_code == 200  # the same request again: recorded once
    row = _appeal(seeded)
    assert (row.status, row.satisfaction) == ("in_progress", "not_satisfied")  # reopened
    assert _actions(seeded).count("reopened") == 1
    clock.advance(timedelta(days=10))
    assert _sweep(seeded, clock, {"email": email}) == (0, 0)


def test_a_visitor_who_answered_is_not_asked_and_letters_get_no_message(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    sms = Recorder()
    _answered_complaint(client, headers, seeded, clock, reply_by="letter")
    clock.advance(timedelta(days=10))
    assert _sweep(seeded, clock, {"sms": sms}) == (0, 0)
    assert "followup" not in _actions(seeded)


def test_the_sweeper_runs_the_follow_up_with_the_public_status_link(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    sms = Recorder()
    # The app's own outbox, its channels swapped so nothing is written beside the test database.
    client.app.state.reminders.channels = {"sms": sms, "email": Recorder()}  # type: ignore[attr-defined]
    _answered_complaint(client, headers, seeded, clock)
    sweeper = client.app.state.sweeper  # type: ignore[attr-defined]
    assert sweeper.run_once().tasks["appeal satisfaction asked"] == 0
    clock.advance(timedelta(days=3))
    result = sweeper.run_once()
    assert result.tasks["appeal satisfaction asked"] == 1
    assert sweeper.run_once().tasks["appeal satisfaction asked"] == 0
    with seeded.connect() as conn:
        notice = conn.execute(
            sa.select(db.appeal_notices).where(db.appeal_notices.c.purpose == "satisfaction")
        ).one()
    assert notice.status == "sent"  # through the app's SMS channel, in the same sweep
    assert list(sms.sent) == [notice.id]
    assert f"/appeals/status?n={NUMBER}&lang=ru" in notice.text
    assert "followup" in _actions(seeded)


def test_a_new_answer_after_reopening_is_followed_up_anew(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    sms = Recorder()
    _answered_complaint(client, headers, seeded, clock)
    clock.advance(timedelta(days=3))
    assert _sweep(seeded, clock, {"sms": sms}) == (1, 1)
    row = _appeal(seeded)
    answered = client.post("/appeals/status", data={"n": NUMBER, "last4": "6789", "lang": "ru"})
    assert 'id="rate"' in answered.text
    form = {"n": NUMBER, "last4": "6789", "lang": "ru", "request_id": "r-2", "answer": "not_satisfied"}
    assert client.post("/appeals/status/satisfaction", data=form).status_code == 200
    assert _appeal(seeded).status == "in_progress"
    clock.advance(timedelta(days=1))
    desk.answer(seeded, desk.Actor("demo", "supervisor"), NUMBER, clock.now(), "Деньги вернули.")
    clock.advance(timedelta(days=1))
    assert _sweep(seeded, clock, {"sms": sms}) == (0, 0)  # the new answer is too fresh
    clock.advance(timedelta(days=5))
    assert _sweep(seeded, clock, {"sms": sms}) == (1, 1)  # asked about the new answer
    assert len(sms.sent) == 2
    assert _appeal(seeded).no_answer_count == row.no_answer_count == 0
