"""The hall board and the counter console in headless Chromium against a real ``kiosk-central serve``.

A kiosk takes tickets through the API; a new staff member signs in on /counter (through the
forced password change), opens counter 2 and calls next; the board in another browser must
show that ticket with its counter within one second and mark it as new. Then central is
stopped: the board must say it is reconnecting, and recover when central is back.
Screenshots go to tests/artifacts/ (look at them: that is half the test).

Needs Chromium and chromedriver (Debian: chromium, chromium-driver) and selenium.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from .test_serve import central_cmd, cli, env, stop_cleanly, wait_healthy

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="Chromium not installed (Debian packages chromium and chromium-driver)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install selenium)")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

T = TypeVar("T")


def browser(size: str, profile: Path) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--autoplay-policy=no-user-gesture-required",
        "--lang=ru",
        f"--window-size={size}",
        f"--user-data-dir={profile}",  # a fresh profile per browser, removed with the test's tmp dir
    ):
        options.add_argument(flag)
    driver: WebDriver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    width, height = (int(v) for v in size.split(","))
    # The page itself gets exactly this size (the window size would include the browser's frame).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


def wait_for(what: Callable[[], T | None], timeout: float = 10.0, step: float = 0.02) -> T:
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = what()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out waiting; last value {last!r}")


def shoot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def visible(driver: WebDriver, element_id: str) -> bool:
    return bool(driver.execute_script(f"return !document.getElementById('{element_id}').hidden"))


def sign_in(driver: WebDriver, username: str, password: str) -> None:
    """A staff page's sign-in form, once it shows."""
    wait_for(lambda: visible(driver, "signin"))
    for field, value in (("username", username), ("password", password)):
        driver.find_element(By.ID, field).clear()
        driver.find_element(By.ID, field).send_keys(value)
    driver.find_element(By.ID, "signin-submit").click()


def sign_in_first_time(driver: WebDriver, username: str, initial: str, new: str) -> None:
    """Sign in with the printed password and make the forced change; the caller waits for its page."""
    sign_in(driver, username, initial)
    wait_for(lambda: visible(driver, "change"))
    driver.find_element(By.ID, "old-password").send_keys(initial)
    driver.find_element(By.ID, "new-password").send_keys(new)
    driver.find_element(By.ID, "repeat-password").send_keys(new)
    driver.find_element(By.ID, "change-submit").click()


class Central:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "central.db"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tmp / "serve.log"

    def start(self) -> None:
        from .test_serve import free_port

        self.port = self.port or free_port()
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                central_cmd("serve", "--db", str(self.db), "--port", str(self.port)),
                cwd=self.tmp,
                env=env(),
                stdout=log_file,
                stderr=log_file,
            )
        wait_healthy(self.url, self.process, self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_cleanly(self.process, self.log, signal.SIGINT)
        self.process = None


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    server = Central(tmp_path)
    cli(tmp_path, "seed-demo", "--db", str(server.db))
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def board(tmp_path: Path) -> Iterator[WebDriver]:
    driver = browser("1920,1080", tmp_path / "chromium-board")
    yield driver
    driver.quit()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[WebDriver]:
    driver = browser("1600,1000", tmp_path / "chromium-console")
    yield driver
    driver.quit()


def take_ticket(url: str, token: str, **extra: Any) -> dict[str, Any]:
    body = {"request_id": str(uuid.uuid4()), "service_id": "C01-A", **extra}
    response = httpx.post(f"{url}/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()["ticket"]
    return ticket


def test_board_shows_a_call_within_a_second(central: Central, board: WebDriver, console: WebDriver) -> None:
    token = cli(central.tmp, "kiosks", "add", "KIOSK-E2E", "--center", "C01", "--db", str(central.db)).strip()
    initial = cli(
        central.tmp, "staff", "add", "ivanova", "--role", "agent", "--center", "C01", "--db", str(central.db)
    ).strip()

    board.get(f"{central.url}/board/C01")
    wait_for(lambda: board.execute_script("return document.body.dataset.state") == "online")
    wait_for(lambda: board.find_element(By.ID, "name-ru").text)
    shoot(board, "queue-board-empty")

    walk_in = take_ticket(central.url, token)
    veteran = take_ticket(central.url, token, priority="veteran")
    take_ticket(central.url, token, service_id="C01-B")

    # Staff: first sign-in with the printed password, forced change, then pick counter 2.
    console.get(f"{central.url}/counter?lang=ru")
    wait_for(lambda: visible(console, "signin"))
    console.find_element(By.ID, "username").send_keys("ivanova")
    console.find_element(By.ID, "password").send_keys(initial)
    shoot(console, "queue-counter-signin")
    console.find_element(By.ID, "signin-submit").click()
    wait_for(lambda: visible(console, "change"))
    console.find_element(By.ID, "old-password").send_keys(initial)
    console.find_element(By.ID, "new-password").send_keys("ivanova-new-pass-1")
    console.find_element(By.ID, "repeat-password").send_keys("ivanova-new-pass-1")
    shoot(console, "queue-counter-change-password")
    console.find_element(By.ID, "change-submit").click()
    wait_for(lambda: visible(console, "pick"))
    wait_for(lambda: console.find_elements(By.ID, "pick-C01-2"))
    console.find_element(By.ID, "pick-C01-2").click()
    wait_for(lambda: visible(console, "service-box"))
    shoot(console, "queue-counter-pick")
    console.find_element(By.ID, "open").click()
    wait_for(lambda: visible(console, "console"))
    wait_for(lambda: console.find_element(By.ID, "counter-name").text == "2")

    # Call next: the veteran goes first (15 bonus minutes), and the board must show it within 1 s.
    call = console.find_element(By.ID, "btn-call-next")
    assert call.is_enabled()
    started = time.monotonic()
    call.click()
    wait_for(
        lambda: board.execute_script(
            "const l = document.getElementById('latest');"
            "return !l.hidden && document.getElementById('latest-ticket').textContent === arguments[0]"
            " && document.getElementById('latest-counter').textContent === '2' && l.classList.contains('new');",
            veteran["display"],
        ),
        timeout=3,
    )
    elapsed = time.monotonic() - started
    print(f"board showed the call {elapsed:.2f} s after the click")
    shoot(board, "queue-board-new-call")
    assert elapsed <= 1.0, f"the board showed the call after {elapsed:.2f} s"
    wait_for(lambda: console.find_element(By.ID, "cur-display").text == veteran["display"])
    shoot(console, "queue-counter-called")

    # Serve it, call the walk-in: the veteran moves down to the list, the walk-in flashes on top.
    console.find_element(By.ID, "btn-start").click()
    wait_for(lambda: console.find_element(By.ID, "btn-finish").is_enabled())
    console.find_element(By.ID, "btn-finish").click()
    wait_for(lambda: console.find_element(By.ID, "btn-call-next").is_enabled())
    console.find_element(By.ID, "btn-call-next").click()
    wait_for(lambda: board.find_element(By.ID, "latest-ticket").text == walk_in["display"], timeout=2)
    rows = wait_for(lambda: board.find_elements(By.CSS_SELECTOR, "#calls .row"))
    assert rows[0].text.split() == [veteran["display"], "2"]
    shoot(board, "queue-board-two-calls")
    wait_for(lambda: console.find_element(By.ID, "cur-display").text == walk_in["display"])
    shoot(console, "queue-counter-serving")

    # After a few seconds the flash stops.
    wait_for(
        lambda: (
            not board.execute_script("return document.getElementById('latest').classList.contains('new')")
        ),
        timeout=12,
        step=0.2,
    )

    # The visitor's own page, from the QR code, in Traditional Chinese.
    console.get(walk_in["status_url"] + "&lang=zh-Hant")
    assert "請至 2 號櫃檯" in console.find_element(By.CLASS_NAME, "status").text
    console.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 412, "height": 860, "deviceScaleFactor": 1, "mobile": True},
    )
    shoot(console, "queue-ticket-page-zh-Hant")

    # Central goes away: the board says so and keeps the last calls; it recovers on its own.
    central.stop()
    wait_for(lambda: visible(board, "offline"), timeout=6, step=0.1)
    assert board.find_element(By.ID, "latest-ticket").text == walk_in["display"]
    shoot(board, "queue-board-offline")
    central.start()
    wait_for(lambda: not visible(board, "offline"), timeout=6, step=0.1)
    central.stop()
