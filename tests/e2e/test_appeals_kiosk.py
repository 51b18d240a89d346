"""The kiosk's appeal service against a real central: filed offline, sent in batches, looked up, rated.

What the visitor holds on paper (number, deadline) must be what central stores, whether the
appeal was filed with central up or down.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.services.appeals import AppealForm, AppealInvalid, AppealLookupRefused
from service_common.appeals import RegistrationNumber, answer_deadline
from tests.e2e.rig import KioskRig, kiosk_rig

pytestmark = pytest.mark.e2e

START = "2026-12-01T10:00"  # a Tuesday
PHONE = "+7 912 345-67-89"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[KioskRig]:
    with kiosk_rig(tmp_path, "KIOSK-APPEALS", START) as r:
        assert r.ctx.info.refresh()
        assert r.ctx.appeals.refresh_serial()
        yield r


def complaint(**over: str) -> AppealForm:
    fields = {"kind": "complaint", "name": "Анна Петрова", "phone": PHONE, "topic": "cards",
              "text": "Банкомат съел карту 4111 1111 1111 1111", "concerns": "Кассир в окне 3"}  # fmt: skip
    fields.update(over)
    return AppealForm(**fields, happened_on=date(2026, 11, 30))


def test_filed_offline_reaches_central_with_the_printed_number_and_deadline(rig: KioskRig) -> None:
    rig.central.stop()
    filed = rig.ctx.appeals.submit(complaint(), "ru")
    number = RegistrationNumber.parse(filed.number)
    assert (number.day, number.seq) == (date(2026, 12, 1), 1)
    assert filed.deadline == answer_deadline(date(2026, 12, 1), "complaint") == date(2026, 12, 21)
    assert filed.print_error is None
    assert filed.printed_on.endswith(".png")
    local = rig.ctx.appeals.status(filed.number, phone_last4="6789")
    assert (local.status, local.local) == ("waiting", True)
    with pytest.raises(AppealLookupRefused):
        rig.ctx.appeals.status(filed.number, phone_last4="0000")  # the proof is checked offline too
    assert not rig.ctx.sender.send()
    rig.restart()
    rig.ctx.sender.outbox.retry_now()  # what the gateway's link-up listener does on the next call
    assert rig.ctx.sender.send()
    status = rig.ctx.appeals.status(filed.number, phone_last4="6789")
    assert (status.number, status.status, status.local) == (filed.number, "registered", False)
    assert status.deadline == filed.deadline
    assert rig.ctx.sender.send()  # nothing twice
    assert rig.ctx.sender.outbox.counts() == {"sent": 1}


def test_a_run_of_appeals_goes_in_one_batch_and_each_is_found(rig: KioskRig) -> None:
    rig.central.stop()
    numbers = [
        rig.ctx.appeals.file(complaint(kind="question", text=f"Вопрос {i}"), "en").number for i in range(7)
    ]
    assert len(set(numbers)) == 7
    rig.restart()
    calls: list[int] = []
    original = rig.ctx.gateway.file_appeals  # type: ignore[union-attr]
    rig.ctx.gateway.file_appeals = lambda bodies: calls.append(len(bodies)) or original(bodies)  # type: ignore[union-attr,method-assign,func-returns-value]
    assert rig.ctx.sender.send()
    assert calls == [7]
    for number in numbers:
        assert rig.ctx.appeals.status(number, phone_last4="6789").status == "registered"


def test_the_form_refuses_politely_without_a_contact(rig: KioskRig) -> None:
    with pytest.raises(AppealInvalid) as refused:
        rig.ctx.appeals.file(complaint(phone=""), "ru")
    assert refused.value.problems == {"contact": "contact_missing"}
    with pytest.raises(AppealInvalid) as unfit:
        rig.ctx.appeals.file(
            AppealForm("question", "Ann", email="a@b.example", reply_by="sms", text="?"), "en"
        )
    assert unfit.value.problems == {"reply_by": "reply_phone"}
    assert rig.ctx.sender.outbox.counts() == {}


def test_answered_complaint_is_rated_and_not_satisfied_reopens_it(rig: KioskRig) -> None:
    from central import db as central_db
    from central.appeals import desk

    filed = rig.ctx.appeals.file(complaint(), "ru")
    assert rig.ctx.sender.send()
    engine = central_db.create_engine(rig.db)
    now = datetime.fromisoformat("2026-12-02T10:00:00+03:00")
    desk.answer(engine, desk.Actor("demo", "supervisor"), filed.number, now, "Карту вернули в отделение.")
    status = rig.ctx.appeals.status(filed.number, phone_last4="6789")
    assert status.status == "answered"
    assert status.can_rate
    assert status.answer is not None
    assert status.answer["text"] == "Карту вернули в отделение."
    assert status.answer["by_name"]
    assert status.answer["by_contact"]
    rated = rig.ctx.appeals.rate(filed.number, "not_satisfied", phone_last4="6789")
    assert rated is not None
    assert rated.status == "in_progress"


def test_cli_submit_prints_number_and_deadline_and_status_reads_it(rig: KioskRig, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[central]\nurl = "{rig.central.url}"\ntoken = "{rig.central.enrol("KIOSK-CLI")}"\n')
    env = {"PYTHONPATH": str(Path(__file__).parents[2]), "KIOSK_DATA_DIR": str(tmp_path / "cli"),
           "KIOSK_CONFIG": str(config), "PATH": "/usr/bin:/bin"}  # fmt: skip
    run = [sys.executable, "-m", "kiosk.cli", "appeals"]
    out = subprocess.run(
        [*run, "submit", "--kind", "application", "--name", "Ann", "--phone", PHONE, "--text", "Paper letter",
         "--channel", "letter"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    number = out.split()[0]
    RegistrationNumber.parse(number)
    assert "sent to central" in out
    shown = subprocess.run([*run, "status", number, "--phone-last4", "6789", "--json"], env=env,
                           capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    assert '"status": "registered"' in shown


def test_cli_status_by_email(rig: KioskRig, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[central]\nurl = "{rig.central.url}"\ntoken = "{rig.central.enrol("KIOSK-CLI2")}"\n')
    env = {"PYTHONPATH": str(Path(__file__).parents[2]), "KIOSK_DATA_DIR": str(tmp_path / "cli"),
           "KIOSK_CONFIG": str(config), "PATH": "/usr/bin:/bin"}  # fmt: skip
    run = [sys.executable, "-m", "kiosk.cli", "appeals"]
    out = subprocess.run(
        [*run, "submit", "--kind", "question", "--name", "Ann", "--email", "ann@example.com", "--text", "Q?"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    number = out.split()[0]
    shown = subprocess.run([*run, "status", number, "--email", "ann@example.com", "--json"], env=env,
                           capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    assert '"status": "registered"' in shown
    wrong = subprocess.run([*run, "status", number, "--email", "bob@example.com"], env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert wrong.returncode != 0
    assert "no appeal" in wrong.stderr
