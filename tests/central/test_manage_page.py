"""The visitor's manage page /a/CODE over HTTP: the digits, the lock-out, cancel and reschedule.

Plain HTML forms, so the test posts them the way a browser would (form-encoded), taking the
hidden fields from the page it got.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from service_common.clock import ManualClock

from .test_reminders import book

PAGE_HEADERS = {"Accept-Language": "en-GB,en;q=0.9"}


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return unescape(found.group(1))


def field(html: str, name: str) -> str:
    found = re.search(rf'<dd data-field="{name}">([^<]*)</dd>', html)
    assert found, f"no {name} in the page"
    return unescape(found.group(1))


def prove(client: TestClient, code: str, last4: str = "6789", **extra: str) -> Any:
    return client.post(f"/a/{code}", data={"last4": last4, **extra}, headers=PAGE_HEADERS)


@pytest.fixture
def appt(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    return book(client, headers, language="zh-Hant")


def test_the_page_asks_for_the_digits(client: TestClient, appt: dict[str, Any]) -> None:
    r = client.get(f"/a/{appt['code']}", headers=PAGE_HEADERS)
    assert r.status_code == 200
    assert 'name="last4"' in r.text
    assert "Enter the last 4 digits" in r.text
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "<script" not in r.text
    assert "Введите последние 4 цифры" in client.get(f"/a/{appt['code']}?lang=ru").text
    # Any well-formed code gets the same page (nothing to probe); a malformed one is not found.
    assert client.get("/a/12345674", headers=PAGE_HEADERS).status_code == 200
    assert client.get("/a/12345678", headers=PAGE_HEADERS).status_code == 404


def test_right_digits_show_the_booking_in_its_language(client: TestClient, appt: dict[str, Any]) -> None:
    r = prove(client, appt["code"])
    assert r.status_code == 200
    assert '<html lang="zh-Hant">' in r.text  # the booking's language
    assert field(r.text, "code") == appt["code"]
    assert field(r.text, "service") == "貸款與房貸"
    assert field(r.text, "when") == "2026年11月25日 星期三 上午9:00"
    assert field(r.text, "where").startswith("中央服務中心，")
    assert field(r.text, "status") == "已確認"
    assert 'id="cancel"' in r.text
    assert 'id="reschedule"' in r.text
    english = client.post(f"/a/{appt['code']}/view", data={"t": hidden(r.text, "t"), "lang": "en"})
    assert field(english.text, "when") == "Wednesday, November 25, 2026, 9:00 AM"


def test_wrong_digits_then_lock_out(client: TestClient, appt: dict[str, Any], clock: ManualClock) -> None:
    code = appt["code"]
    for _ in range(4):
        r = prove(client, code, "0000")
        assert r.status_code == 403
        assert "do not match" in r.text
    r = prove(client, code, "1111")
    assert r.status_code == 429
    assert "Too many wrong tries" in r.text
    locked = prove(client, code)  # even the right digits, while locked
    assert locked.status_code == 429
    assert 'data-field="code"' not in locked.text
    clock.advance(timedelta(minutes=14, seconds=59))
    assert prove(client, code).status_code == 429
    clock.advance(timedelta(seconds=1))
    assert prove(client, code).status_code == 200
    # The right digits cleared the earlier typos: four more wrong ones do not lock it.
    for _ in range(4):
        assert prove(client, code, "0000").status_code == 403
    assert prove(client, code).status_code == 200


def test_wrong_tries_spread_out_do_not_lock(
    client: TestClient, appt: dict[str, Any], clock: ManualClock
) -> None:
    for _ in range(6):
        assert prove(client, appt["code"], "0000").status_code == 403
        clock.advance(timedelta(minutes=4))


def test_forged_or_expired_form_is_refused(
    client: TestClient, appt: dict[str, Any], clock: ManualClock
) -> None:
    code = appt["code"]
    token = hidden(prove(client, code).text, "t")
    forged = "0000" + token[4:]
    r = client.post(f"/a/{code}/cancel", data={"t": forged, "confirm": "yes"}, headers=PAGE_HEADERS)
    assert r.status_code == 403
    assert "expired" in r.text
    clock.advance(timedelta(minutes=31))
    r = client.post(f"/a/{code}/cancel", data={"t": token, "confirm": "yes"}, headers=PAGE_HEADERS)
    assert r.status_code == 403
    assert status_of(client, code) == "confirmed"


def status_of(client: TestClient, code: str) -> str:
    engine: Engine = client.app.state.central.engine  # type: ignore[attr-defined]
    a = db.appointments
    with engine.connect() as conn:
        return str(conn.execute(sa.select(a.c.status).where(a.c.code == code)).scalar_one())


def test_cancel_asks_first_then_cancels(client: TestClient, appt: dict[str, Any], seeded: Engine) -> None:
    code = appt["code"]
    token = hidden(prove(client, code, lang="en").text, "t")
    ask = client.post(f"/a/{code}/cancel", data={"t": token, "lang": "en"})
    assert "Cancel this appointment?" in ask.text
    assert 'id="cancel-yes"' in ask.text
    assert status_of(client, code) == "confirmed"
    done = client.post(f"/a/{code}/cancel", data={"t": token, "lang": "en", "confirm": "yes"})
    assert done.status_code == 200
    assert "Your appointment is cancelled." in done.text
    assert field(done.text, "status") == "Cancelled"
    assert 'id="cancel"' not in done.text
    with seeded.connect() as conn:
        row = conn.execute(sa.select(db.appointments).where(db.appointments.c.code == code)).one()
        counted = conn.execute(
            sa.select(sa.func.count()).select_from(db.appointment_cancellations)
        ).scalar_one()
        pending = conn.execute(
            sa.select(sa.func.count()).where(
                db.reminders.c.appointment_id == row.id, db.reminders.c.status == "pending"
            )
        ).scalar_one()
    assert (row.status, row.cancelled_by, counted, pending) == ("cancelled", "visitor", 1, 0)


def test_reschedule_day_then_time(client: TestClient, appt: dict[str, Any], seeded: Engine) -> None:
    code = appt["code"]
    token = hidden(prove(client, code, lang="en").text, "t")
    days = client.post(f"/a/{code}/reschedule", data={"t": token, "lang": "en"})
    assert "Choose a day" in days.text
    values = re.findall(r'name="day" value="([0-9-]+)"', days.text)
    assert values[:3] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert ">Thu, Nov 26<" in days.text
    times = client.post(f"/a/{code}/reschedule", data={"t": token, "lang": "en", "day": "2026-11-26"})
    slots = re.findall(r'name="slot" value="([^"]+)"', times.text)
    assert slots[0] == "2026-11-26T09:00:00+03:00"
    assert len(slots) == 16
    request_id = hidden(times.text, "request_id")
    form = {"t": token, "lang": "en", "day": "2026-11-26", "slot": slots[2], "request_id": request_id}
    moved = client.post(f"/a/{code}/reschedule", data=form)
    assert moved.status_code == 200
    new_code = field(moved.text, "code")
    assert new_code != code
    assert f"New booking code: {new_code}" in moved.text
    assert field(moved.text, "when") == "Thursday, November 26, 2026, 10:00 AM"
    assert field(moved.text, "status") == "Confirmed"
    again = client.post(f"/a/{code}/reschedule", data=form)  # a double submit: the same answer
    assert field(again.text, "code") == new_code
    old = client.post(f"/a/{code}/view", data={"t": token, "lang": "en"})
    assert field(old.text, "status") == f"Moved; the new booking code is {new_code}"
    # The new page's form field works for the new code, and the reminders moved along.
    new_token = hidden(moved.text, "t")
    assert client.post(f"/a/{new_code}/view", data={"t": new_token}).status_code == 200
    with seeded.connect() as conn:
        r, a = db.reminders, db.appointments
        states = conn.execute(
            sa.select(a.c.code, r.c.status)
            .join(a, a.c.id == r.c.appointment_id)
            .order_by(a.c.code, r.c.channel)
        ).all()
    assert sorted(states) == sorted([(code, "cancelled")] * 2 + [(new_code, "pending")] * 2)


def test_a_taken_time_says_so(client: TestClient, headers: dict[str, str], appt: dict[str, Any]) -> None:
    code = appt["code"]
    token = hidden(prove(client, code, lang="en").text, "t")
    times = client.post(f"/a/{code}/reschedule", data={"t": token, "lang": "en", "day": "2026-11-26"})
    request_id = hidden(times.text, "request_id")
    book(client, headers, "2026-11-26T09:00:00+03:00", phone="+79120000003")  # someone else is quicker
    form = {
        "t": token,
        "lang": "en",
        "day": "2026-11-26",
        "slot": "2026-11-26T09:00:00+03:00",
        "request_id": request_id,
    }
    r = client.post(f"/a/{code}/reschedule", data=form)
    assert "Someone has just taken that time" in r.text
    assert 'value="2026-11-26T09:00:00+03:00"' not in r.text
    assert status_of(client, code) == "confirmed"


def test_past_booking_cannot_be_changed(client: TestClient, appt: dict[str, Any], clock: ManualClock) -> None:
    clock.advance(timedelta(days=2))  # Wednesday 10:00, after the 09:00 slot
    r = prove(client, appt["code"], lang="en")
    assert "can no longer be changed" in r.text
    assert 'id="cancel"' not in r.text
    token = hidden(r.text, "t")
    client.post(f"/a/{appt['code']}/cancel", data={"t": token, "confirm": "yes"})
    assert status_of(client, appt["code"]) == "confirmed"


def test_posts_need_the_form_field(client: TestClient, appt: dict[str, Any]) -> None:
    r = client.post(f"/a/{appt['code']}/cancel", data={"confirm": "yes"}, headers=PAGE_HEADERS)
    assert r.status_code == 403
    assert client.post("/a/1234/cancel", data={}).status_code == 404
