"""The fleet page in headless Chromium against a real demo server (whose clock can jump).

Three kiosks: one healthy, one whose printer reports near-end paper, one enrolled but never switched
on. A technician signs in on /staff/fleet (through the forced password change) and sees green,
yellow and "never seen"; after central's clock jumps past three missed heartbeats the healthy one
shows as offline while the never-seen one stays "never seen". Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from .fleet_helpers import heartbeat
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db, port, log = tmp_path / "central.db", free_port(), tmp_path / "serve.log"
    cli(tmp_path, "seed-demo", "--db", str(db))
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            central_cmd("serve", "--db", str(db), "--port", str(port), "--clock", "2026-11-23T10:00"),
            cwd=tmp_path,
            env=env(),
            stdout=log_file,
            stderr=log_file,
        )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, log)
    yield url, db
    stop_cleanly(process, log, signal.SIGINT)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    chrome = browser("1500,900", tmp_path / "chromium")
    yield chrome
    chrome.quit()


def row(driver: WebDriver, kiosk: str) -> tuple[str, str]:
    found = driver.execute_script(
        f"const r = document.getElementById('kiosk-{kiosk}');"
        "return r ? [r.dataset.colour, r.dataset.connection] : ['', '']"
    )
    return str(found[0]), str(found[1])


def click_command(driver: WebDriver, kiosk: str, kind: str) -> None:
    driver.execute_script(f"document.querySelector('#kiosk-{kiosk} button[data-command={kind}]').click()")


def command_states(driver: WebDriver, kiosk: str) -> list[str]:
    found = driver.execute_script(
        f"return [...document.querySelectorAll('#kiosk-{kiosk} li[data-command]')].map(li => li.dataset.status)"
    )
    return [str(x) for x in found]


def test_fleet_page(server: tuple[str, Path], driver: WebDriver, tmp_path: Path) -> None:
    url, db = server
    tokens = {
        k: cli(tmp_path, "kiosks", "add", k, "--center", "C01", "--db", str(db)).strip()
        for k in ("KIOSK-OK", "KIOSK-LOW", "KIOSK-NEW")
    }
    at = datetime.fromisoformat(httpx.get(f"{url}/demo/clock").json()["now"])
    paper = {"near_end": True, "printed_mm": 78000.0, "roll_mm": 80000.0, "tickets_left": 15}
    low = {"reasons": ["media-low"], "raw": "EOT1=0x12 EOT2=0x12 EOT4=0x1E", "paper": paper}
    for kiosk, changes in (("KIOSK-OK", {}), ("KIOSK-LOW", {"printer": low})):
        sent = httpx.post(
            f"{url}/api/v1/fleet/heartbeat",
            json=heartbeat(at, **changes),
            headers={"Authorization": f"Bearer {tokens[kiosk]}"},
        )
        assert sent.status_code == 200, sent.text
    initial = cli(tmp_path, "staff", "add", "petrov", "--role", "technician", "--db", str(db)).strip()

    driver.get(f"{url}/staff/fleet?lang=en")
    sign_in_first_time(driver, "petrov", initial, "petrov-new-pass-1")
    wait_for(lambda: visible(driver, "fleet"))
    wait_for(lambda: row(driver, "KIOSK-NEW")[1] == "never_seen")
    assert row(driver, "KIOSK-OK") == ("green", "online")
    assert row(driver, "KIOSK-LOW") == ("yellow", "online")
    text = driver.find_element(By.ID, "kiosk-KIOSK-LOW").text
    assert "paper low" in text
    assert "tickets left, about 15" in text
    assert "media-low" in text
    shoot(driver, "fleet-en")

    # A screenshot asked from the page, taken by the kiosk at its next heartbeat, opened from the page.
    click_command(driver, "KIOSK-OK", "screenshot")
    wait_for(lambda: command_states(driver, "KIOSK-OK") == ["queued"])
    auth = {"Authorization": f"Bearer {tokens['KIOSK-OK']}"}
    pulled = httpx.post(f"{url}/api/v1/fleet/heartbeat", json=heartbeat(at), headers=auth).json()
    (cmd,) = [c for c in pulled["commands"] if c["kind"] == "screenshot"]
    assert httpx.post(f"{url}/api/v1/fleet/commands/{cmd['id']}/ack", headers=auth).status_code == 200
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    uploaded = httpx.post(
        f"{url}/api/v1/fleet/commands/{cmd['id']}/upload",
        content=png,
        headers={**auth, "Content-Type": "image/png"},
    )
    assert uploaded.status_code == 204, uploaded.text
    done = httpx.post(
        f"{url}/api/v1/fleet/commands/{cmd['id']}/result", json={"ok": True, "result": {}}, headers=auth
    )
    assert done.status_code == 200, done.text
    wait_for(lambda: command_states(driver, "KIOSK-OK") == ["done"])
    link = driver.find_element(By.CSS_SELECTOR, f"#kiosk-KIOSK-OK li[data-command='{cmd['id']}'] a")
    assert link.get_attribute("href").endswith(f"/commands/{cmd['id']}/upload")
    # A reboot takes a second tap; the first only arms the button.
    click_command(driver, "KIOSK-OK", "reboot")
    assert "Tap again to confirm" in driver.find_element(By.ID, "kiosk-KIOSK-OK").text
    assert command_states(driver, "KIOSK-OK") == ["done"]
    click_command(driver, "KIOSK-OK", "reboot")
    wait_for(lambda: command_states(driver, "KIOSK-OK") == ["queued", "done"])
    shoot(driver, "fleet-commands-en")

    # Four heartbeat intervals later without a word: offline, but the never-seen kiosk is no alarm.
    moved = httpx.post(f"{url}/demo/clock", json={"now": "2026-11-23T10:02:30+03:00"})
    assert moved.status_code == 200, moved.text
    driver.get(f"{url}/staff/fleet?lang=ru")  # a new page load: its first poll sees the new time
    wait_for(lambda: row(driver, "KIOSK-OK") == ("red", "offline"))
    assert row(driver, "KIOSK-NEW") == ("none", "never_seen")
    assert "нет связи" in driver.find_element(By.ID, "kiosk-KIOSK-OK").text
    shoot(driver, "fleet-ru-offline")
