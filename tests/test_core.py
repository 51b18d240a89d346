"""Core mechanisms without a window: the task runner, idle timer, session wipe, logs, i18n."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from kiosk import logs
from kiosk.session import CardIdentity, IdlePhase, IdleTimer, Session
from kiosk.tasks import QueuePost, TaskRunner
from service_common.clock import ManualClock, OffsetClock
from service_common.i18n import Translator, pick
from service_common.redact import mask_pan, scrub

START = datetime(2026, 12, 1, 9, 55)


def test_task_results_come_back_through_post_only() -> None:
    post = QueuePost()
    runner = TaskRunner(post)
    seen: list[tuple[int, str]] = []
    runner.submit(lambda: 41 + 1, on_done=lambda v: seen.append((v, threading.current_thread().name)))
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        post.drain(timeout=0.1)
    assert seen == [(42, threading.current_thread().name)]
    runner.shutdown()


def test_task_errors_and_cancellation() -> None:
    post = QueuePost()
    runner = TaskRunner(post)
    errors: list[BaseException] = []
    runner.submit(lambda: 1 / 0, on_error=errors.append)
    gate = threading.Event()
    dropped: list[object] = []
    task = runner.submit(gate.wait, on_done=dropped.append)
    task.cancel()
    gate.set()
    deadline = time.monotonic() + 5
    while not errors and time.monotonic() < deadline:
        post.drain(timeout=0.1)
    time.sleep(0.05)
    post.drain()
    assert isinstance(errors[0], ZeroDivisionError)
    assert dropped == []
    runner.shutdown()


def test_idle_timer_phases_follow_the_injected_clock() -> None:
    clock = ManualClock(START, "Europe/Moscow")
    idle = IdleTimer(clock, warning_after_s=60, countdown_s=20)
    assert idle.state().phase is IdlePhase.ACTIVE
    clock.advance(61)
    state = idle.state()
    assert state.phase is IdlePhase.WARNING
    assert state.seconds_left == pytest.approx(19)
    idle.activity()
    assert idle.state().phase is IdlePhase.ACTIVE
    clock.advance(80)
    assert idle.state().phase is IdlePhase.EXPIRED


def test_session_wipe_forgets_everything() -> None:
    session = Session(default_language="ru")
    heard: list[str] = []
    session.on_wipe(heard.append)
    session.language = "en"
    session.inputs["phone"] = "+79000000000"
    session.card = CardIdentity(masked_pan=mask_pan("4111111111111111"))
    session.staff_id = "anna"
    assert not session.is_blank
    session.wipe("idle timeout")
    assert session.is_blank
    assert heard == ["idle timeout"]


def test_offset_clock_moves_without_sleeping() -> None:
    clock = OffsetClock(START, "Europe/Moscow")
    assert abs((clock.now() - START.replace(tzinfo=clock.tz)).total_seconds()) < 1
    from datetime import timedelta

    clock.jump(timedelta(days=1))
    assert clock.now().date().isoformat() == "2026-12-02"


def test_log_lines_carry_kiosk_id_one_line_and_no_card_number(tmp_path: Path) -> None:
    path = logs.setup(tmp_path, "KIOSK-LOG-1", console=False)
    log = logging.getLogger("kiosk.test")
    log.info("card read: %s", "4111 1111 1111 1111")
    try:
        raise ValueError("multi\nline")
    except ValueError:
        log.exception("failure\nwith newline")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    mine = [line for line in lines if "kiosk.test" in line]
    assert len(mine) == 2
    assert all("KIOSK-LOG-1" in line for line in mine)
    assert "4111 1111 1111 1111" not in path.read_text()
    assert "**** 1111" in mine[0]
    logs.setup(tmp_path / "other", "x")  # detach from tmp_path


def test_scrub_keeps_ordinary_numbers() -> None:
    assert scrub("order 1234567890123 ok") == "order 1234567890123 ok"  # not Luhn-valid
    assert scrub("pan 5500005555555559") == "pan **** 5559"


def test_translations_and_formats() -> None:
    tr = Translator("ru")
    assert tr.gettext("Home") == "Главная"
    assert [tr.ngettext("{n} month", "{n} months", n).format(n=n) for n in (1, 3, 12)] == [
        "1 месяц",
        "3 месяца",
        "12 месяцев",
    ]
    tr.set_language("zh-Hant")
    assert tr.gettext("Home") == "首頁"
    assert tr.weekday(0) == "星期一"
    tr.set_language("en")
    assert tr.gettext("Home") == "Home"


def test_pick_falls_back() -> None:
    text = {"ru": "Офис", "zh-Hant": "", "en": "Office"}
    assert pick(text, "zh-Hant") == "Office"
    assert pick(text, "ru") == "Офис"
    assert pick(None, "ru") == ""


def test_every_message_is_translated() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import i18n as catalogs

    assert catalogs.untranslated() == []


def test_manual_clock_advances_real_time_across_dst() -> None:
    from datetime import timedelta

    clock = ManualClock(datetime(2026, 10, 25, 1, 30), "Europe/Berlin")
    clock.advance(timedelta(hours=2))
    assert clock.now().hour == 2  # 01:30 CEST + 2 h = 02:30 CET (the repeated hour)
    assert clock.now().utcoffset() == timedelta(hours=1)
