"""A complaint with a finger, central unreachable: the number and the receipt at once; when central is
back the outbox sends it, and the status lookup on the kiosk shows central's record."""

from __future__ import annotations

import pytest

from server_sync.client import CentralClient
from tests.conftest import ARTIFACTS, free_port
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


@pytest.mark.timeout(300)
def test_complaint_filed_offline_prints_then_reaches_central_and_shows_in_the_status(fresh: UI) -> None:
    app = fresh.app
    ctx = app.ctx
    gateway, sim = ctx.gateway, ctx.printer.simulator
    assert gateway is not None
    assert sim is not None
    assert ctx.appeals.refresh_serial()  # the sync job's work: the serial is cached while online
    jobs_before = sim.job_count
    online = gateway.client
    gateway.client = CentralClient(f"http://127.0.0.1:{free_port()}", "x", connect_timeout=0.3)
    try:
        fresh.tap(fresh.screen.ids.tile_appeal)
        assert app.manager.current == "appeals"
        fresh.tap(fresh.screen.ids.kind_complaint)
        assert app.manager.current == "appeal_form"
        form = fresh.screen
        form.ids.name.text = "Анна Петрова"
        form.ids.phone.text = "+7 912 345-67-89"
        form.ids.text.text = "Банкомат не выдал деньги, карта 4111 1111 1111 1111"
        form.ids.concerns.text = "Банкомат у входа"
        form.ids.happened_on.text = "30.11.2026"
        app.keyboard.detach()
        fresh.frames(3)
        form.ids.scroller.scroll_to(form.ids.reply_sms, animate=False)
        fresh.frames(3)
        fresh.tap(form.ids.reply_sms)
        assert form.reply_by == "sms"
        form.ids.scroller.scroll_to(form.ids.submit, animate=False)
        fresh.frames(3)
        fresh.tap(form.ids.submit)
        fresh.wait_for(lambda: app.manager.current == "appeal_done" and fresh.screen.number)
        done = fresh.screen
        number = done.number
        assert not done.problem
        fresh.frames(5)
        fresh.screenshot(ARTIFACTS / "appeal-done-offline-ru.png")
        assert sim.job_count == jobs_before + 1
        printed = sim.jobs[-1].data
        assert number.encode() in printed  # the capture printer's bytes carry the visitor's number
        assert b"4111" not in printed  # nothing of the text goes on paper
        assert ctx.sender.outbox.depth_by_kind().get("appeal") == 1
    finally:
        gateway.client = online
    ctx.sender.outbox.retry_now()
    assert ctx.sender.send()
    assert ctx.sender.outbox.depth_by_kind().get("appeal") is None

    fresh.tap(app.frame.ids.navbar.ids.home)
    fresh.tap(fresh.screen.ids.tile_appeal)
    fresh.tap(fresh.screen.ids.check_status)
    assert app.manager.current == "appeal_status"
    status = fresh.screen
    status.ids.number.text = number
    status.ids.last4.text = "6789"
    app.keyboard.detach()
    fresh.frames(3)
    fresh.tap(status.ids.find)
    fresh.wait_for(lambda: status.details)
    assert number in status.details
    assert "Зарегистрировано" in status.details  # central's record, not the kiosk's "waiting"
    assert "ожидает отправки" not in status.details
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / "appeal-status-ru.png")


@pytest.mark.timeout(300)
def test_status_by_email_through_the_switch_with_a_clear_word_for_a_wrong_address(fresh: UI) -> None:
    from kiosk.services.appeals import AppealForm

    app = fresh.app
    ctx = app.ctx
    assert ctx.appeals.refresh_serial()
    form = AppealForm("question", "Анна Петрова", email="anna@example.com", text="Как открыть вклад?")
    number = ctx.appeals.file(form, "ru").number
    ctx.sender.outbox.retry_now()
    assert ctx.sender.send()

    fresh.tap(fresh.screen.ids.tile_appeal)
    fresh.tap(fresh.screen.ids.check_status)
    status = fresh.screen
    assert status.proof == "phone"
    status.ids.number.text = number
    app.keyboard.detach()
    fresh.frames(3)
    fresh.tap(status.ids.proof_email)
    assert status.proof == "email"
    assert status.ids.email.focus  # the letter keyboard comes up for the address
    assert app.keyboard.target is not None
    status.ids.email.text = "someone@example.com"
    app.keyboard.detach()
    fresh.frames(3)
    fresh.tap(status.ids.find)
    fresh.wait_for(lambda: status.message)
    assert "адресом электронной почты" in status.message
    assert not status.details

    status.ids.email.text = "anna@example.com"
    app.keyboard.detach()
    fresh.frames(3)
    fresh.tap(status.ids.find)
    fresh.wait_for(lambda: status.details)
    assert number in status.details
    assert not status.message
    fresh.frames(3)
    fresh.screenshot(ARTIFACTS / "appeal-status-email-ru.png")

    fresh.tap(status.ids.proof_phone)  # back to the digits: the e-mail field steps aside
    assert status.proof == "phone"
    assert status.ids.email.disabled
    assert not status.ids.last4.disabled
