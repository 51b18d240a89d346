"""The kiosk's appeal form and numbering without central: validation, masking, numbering, atomicity.

Hypothesis feeds arbitrary Unicode into every field: the service files it or names what is wrong,
never crashes, and what it keeps passes central's limits.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.services.appeals import (
    PROBLEMS,
    AppealForm,
    AppealInvalid,
    AppealService,
    AppealsUnavailable,
    check,
)
from kiosk.services.info import InfoService
from offline_cache.appeals import SERIAL_DOC, AppealStore
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from service_common.appeals import RegistrationNumber
from service_common.clock import ManualClock

NOW = datetime.fromisoformat("2026-12-04T23:30")  # a Friday, late: the local day, not UTC's


def service(tmp: Path, serial: int | None = 42) -> AppealService:
    cache = CacheDB(tmp / "kiosk.db")
    clock = ManualClock(NOW, "Europe/Moscow")
    docs = DocumentCache(cache)
    if serial is not None:
        docs.put(
            SERIAL_DOC,
            {"serial": serial, "appeal_status_url": "https://c.example/appeals/status"},
            clock.now(),
        )
    return AppealService(None, AppealStore(cache), clock, InfoService(None, docs, clock, "C01"), None, "C01")


@pytest.fixture
def appeals(tmp_path: Path) -> AppealService:
    return service(tmp_path)


def test_numbers_count_per_local_day_and_the_deadline_skips_the_weekend(appeals: AppealService) -> None:
    first = appeals.file(AppealForm("question", "Ann", phone="+7 912 345 67 89", text="Why?"), "en")
    second = appeals.file(AppealForm("application", "Ann", email="ann@example.com", text="Please"), "ru")
    assert first.number == "A042-261204-0001"
    assert second.number == "A042-261204-0002"
    assert first.deadline == date(2026, 12, 7)  # Friday + 1 working day = Monday
    feedback = appeals.file(AppealForm("feedback", "Ann", phone="89123456789", text="Nice"), "en")
    assert feedback.deadline is None
    assert appeals.status_url(first.number) == "https://c.example/appeals/status?n=A042-261204-0001"


def test_a_letter_gets_ten_working_days(appeals: AppealService) -> None:
    filed = appeals.file(AppealForm("question", "Ann", phone="89123456789", text="?", source="letter"), "ru")
    assert filed.deadline == date(2026, 12, 18)


def test_card_numbers_are_masked_before_anything_is_kept(appeals: AppealService) -> None:
    filed = appeals.file(
        AppealForm("complaint", "Ann", phone="89123456789", text="card 4111 1111 1111 1111"), "en"
    )
    body = appeals.store.find(filed.number)
    assert body is not None
    assert "4111 1111 1111 1111" not in str(body.body)
    assert (
        "4111111111111111" not in appeals.store.cache.db.execute("SELECT payload FROM outbox").fetchone()[0]
    )


def test_no_serial_yet_means_no_number(tmp_path: Path) -> None:
    with pytest.raises(AppealsUnavailable):
        service(tmp_path, serial=None).file(
            AppealForm("question", "Ann", phone="89123456789", text="?"), "en"
        )


def test_number_row_and_outbox_record_are_one_transaction(appeals: AppealService) -> None:
    def broken(seq: int) -> dict[str, object]:
        raise RuntimeError("killed between the counter and the row")

    with pytest.raises(RuntimeError):
        appeals.store.register(NOW.date(), broken, NOW)
    assert appeals.store.count_today(NOW.date()) == 0
    assert appeals.outbox.counts() == {}
    assert appeals.file(AppealForm("question", "Ann", phone="89123456789", text="?"), "en").number.endswith(
        "-0001"
    )


def test_the_local_status_needs_the_right_digits(appeals: AppealService) -> None:
    from kiosk.services.appeals import AppealLookupRefused

    filed = appeals.file(AppealForm("question", "Ann", phone="+7 912 345-67-89", text="?"), "en")
    assert appeals.status(filed.number.lower(), phone_last4="6789").status == "waiting"
    with pytest.raises(AppealLookupRefused):
        appeals.status(filed.number, phone_last4="1234")
    with pytest.raises(AppealLookupRefused):
        appeals.status("not a number", phone_last4="6789")


text = st.text(max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["question", "application", "complaint", "feedback", "other"]),
    name=st.one_of(text, st.just("王小明")), phone=st.one_of(text, st.just("+7 912 345-67-89")),
    email=st.one_of(text, st.just("")), topic=st.text(max_size=80), body=st.one_of(text, st.just("4111 1111 1111 1111")), concerns=text,
    reply_by=st.sampled_from(["", "sms", "email", "letter", "center", "fax"]),
)  # fmt: skip
def test_any_unicode_is_filed_or_named_never_a_crash(
    appeals: AppealService, kind: str, name: str, phone: str, email: str, topic: str, body: str,
    concerns: str, reply_by: str,
) -> None:  # fmt: skip
    form = AppealForm(kind, name, phone, email, reply_by, topic, body, concerns)
    problems = check(form, NOW.date())
    if problems:
        assert set(problems.values()) <= set(PROBLEMS)
        with pytest.raises(AppealInvalid):
            appeals.file(form, "zh-Hant")
        return
    filed = appeals.file(form, "zh-Hant")
    RegistrationNumber.parse(filed.number)
    kept = appeals.store.find(filed.number)
    assert kept is not None
    assert kept.body["name"].strip()
    assert kept.body["phone"] or kept.body["email"]
    assert 0 < len(kept.body["text"]) <= 10000
