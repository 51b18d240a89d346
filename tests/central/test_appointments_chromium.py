"""The staff appointments page and the visitor's manage page in headless Chromium, real server.

A demo server (``serve --clock``, so its clock can jump) takes four bookings from a kiosk on
Monday, then jumps to Tuesday 09:05. A new C01 agent signs in on /staff/appointments (through
the forced password change), sees Tuesday's list, checks a visitor in by code (the ticket
number shows), marks the 09:00 no-show missed and cancels a later booking (two clicks). Then a
visitor on a phone-sized window opens the reminder link /a/CODE, gives the phone digits and
moves the booking to another day. On the way, the server's own sweep writes the reminders (SMS
files, the reference adapter). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .test_queue_chromium import CHROMEDRIVER, CHROMIUM, browser, shoot, sign_in_first_time, visible, wait_for
from .test_serve import central_cmd, cli, env, free_port, stop_cleanly, wait_healthy

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="Chromium not installed (Debian packages chromium and chromium-driver)",
    ),
]
pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install selenium)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


class Demo:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.db, self.port = tmp, tmp / "central.db", free_port()
        self.log = tmp / "serve.log"
        self.outbox = tmp / "spool"
        self.config = tmp / "central.toml"
        self.config.write_text(
            f'[appointments]\nsweep_seconds = 1\n[reminders]\nsms = "file:{self.outbox}/sms"\n',
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                central_cmd(
                    "serve",
                    *("--config", str(self.config), "--db", str(self.db), "--port", str(self.port)),
                    *("--clock", "2026-11-23T10:00"),
                ),
                cwd=self.tmp,
                env=env(),
                stdout=log_file,
                stderr=log_file,
            )
        wait_healthy(self.url, self.process, self.log)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    server = Demo(tmp_path)
    cli(tmp_path, "seed-demo", "--db", str(server.db))
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        stop_cleanly(server.process, server.log, signal.SIGINT)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    chrome = browser("1400,1000", tmp_path / "chromium")
    yield chrome
    chrome.quit()


def book(url: str, token: str, service: str, start: str, phone: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    body = {"request_id": str(uuid.uuid4()), "service_id": service, "slot_start": start}
    held = httpx.post(f"{url}/api/v1/appointments/holds", json=body, headers=auth)
    assert held.status_code == 201, held.text
    confirm = {
        "request_id": str(uuid.uuid4()),
        "name": f"Visitor {phone[-2:]}",
        "phone": phone,
        "language": "ru",
    }
    done = httpx.post(
        f"{url}/api/v1/appointments/holds/{held.json()['hold']['id']}/confirm", json=confirm, headers=auth
    )
    assert done.status_code == 201, done.text
    appt: dict[str, Any] = done.json()["appointment"]
    return appt


def row_status(driver: WebDriver, code: str) -> str:
    return str(
        driver.execute_script(
            f"const r = document.getElementById('appt-{code}'); return r ? r.dataset.status : ''"
        )
    )


def test_staff_page_and_manage_page(demo: Demo, driver: WebDriver) -> None:
    token = cli(demo.tmp, "kiosks", "add", "KIOSK-APPT", "--center", "C01", "--db", str(demo.db)).strip()
    initial = cli(demo.tmp, "staff", "add", "ivanova", "--center", "C01", "--db", str(demo.db)).strip()
    no_show = book(demo.url, token, "C01-B", "2026-11-24T09:00:00+03:00", "+7 912 111-11-11")
    arrives = book(demo.url, token, "C01-A", "2026-11-24T09:00:00+03:00", "+7 912 222-22-22")
    calls = book(demo.url, token, "C01-B", "2026-11-24T09:30:00+03:00", "+7 912 333-33-33")
    moves = book(demo.url, token, "C01-C", "2026-11-25T11:00:00+03:00", "+7 912 444-45-67")
    # Tuesday's bookings are less than 24 h away: the serving process's sweep sends their reminders at
    # once, one file each; Wednesday's waits for Tuesday 11:00.
    wait_for(lambda: len(list((demo.outbox / "sms").glob("*.json"))) == 3, timeout=5)
    moved = httpx.post(f"{demo.url}/demo/clock", json={"now": "2026-11-24T09:05:00+03:00"})
    assert moved.status_code == 200, moved.text

    # Staff: first sign-in, forced password change, then Tuesday's list.
    driver.get(f"{demo.url}/staff/appointments?lang=ru")
    sign_in_first_time(driver, "ivanova", initial, "ivanova-new-pass-1")
    wait_for(lambda: visible(driver, "day"))
    wait_for(lambda: row_status(driver, no_show["code"]) == "confirmed")
    assert driver.find_element(By.ID, "date").get_attribute("value") == "2026-11-24"
    row = driver.find_element(By.ID, f"appt-{no_show['code']}")
    assert "+7 *** ***-11-11" in row.text
    assert "09:00–09:30" in row.text
    assert row_status(driver, calls["code"]) == "confirmed"
    assert not driver.find_elements(By.ID, f"appt-{moves['code']}")  # Wednesday's
    shoot(driver, "appointments-staff-day")

    # Check in by code: the ticket number shows at once.
    driver.find_element(By.ID, "checkin-code").send_keys(arrives["code"])
    driver.find_element(By.ID, "checkin-submit").click()
    ticket = wait_for(lambda: driver.find_elements(By.ID, "result-ticket"))[0]
    assert ticket.text == "A001"
    wait_for(lambda: row_status(driver, arrives["code"]) == "checked_in")
    assert "A001" in driver.find_element(By.ID, f"appt-{arrives['code']}").text
    shoot(driver, "appointments-staff-checked-in")

    # The 09:00 visitor has not come: mark missed.
    driver.find_element(By.CSS_SELECTOR, f"#appt-{no_show['code']} button[data-action='mark_missed']").click()
    wait_for(lambda: row_status(driver, no_show["code"]) == "missed")

    # Cancel for the 09:30 visitor: the first click only asks.
    cancel = f"#appt-{calls['code']} button[data-action='cancel']"
    driver.find_element(By.CSS_SELECTOR, cancel).click()
    assert driver.find_element(By.CSS_SELECTOR, cancel).text == "Точно отменить?"
    assert row_status(driver, calls["code"]) == "confirmed"
    driver.find_element(By.CSS_SELECTOR, cancel).click()
    wait_for(lambda: row_status(driver, calls["code"]) == "cancelled")
    assert "сотрудником ivanova" in driver.find_element(By.ID, f"appt-{calls['code']}").text
    shoot(driver, "appointments-staff-after")

    # The visitor's manage page from the reminder link, on a phone.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 412, "height": 860, "deviceScaleFactor": 1, "mobile": True},
    )
    driver.get(f"{demo.url}/a/{moves['code']}?lang=zh-Hant")
    driver.find_element(By.NAME, "last4").send_keys("4567")
    shoot(driver, "appointments-manage-digits")
    driver.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for(lambda: driver.find_elements(By.ID, "reschedule"))
    assert driver.find_element(By.CSS_SELECTOR, "[data-field='service']").text == "存款與外幣兌換"
    shoot(driver, "appointments-manage-booking")
    # Each step is a form post: wait for the next page before looking for its buttons.
    driver.find_element(By.ID, "reschedule").click()
    day = "button[name='day'][value='2026-11-26']"
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, day))
    driver.find_element(By.CSS_SELECTOR, day).click()
    slot = "button[name='slot'][value='2026-11-26T14:00:00+03:00']"
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, slot))
    shoot(driver, "appointments-manage-times")
    driver.find_element(By.CSS_SELECTOR, slot).click()
    notice = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".notice"))[0]
    new_code = driver.find_element(By.CSS_SELECTOR, "[data-field='code']").text
    assert new_code != moves["code"]
    assert f"新的預約代碼：{new_code}" in notice.text
    assert (
        "2026年11月26日 星期四 下午2:00" in driver.find_element(By.CSS_SELECTOR, "[data-field='when']").text
    )
    shoot(driver, "appointments-manage-moved")
