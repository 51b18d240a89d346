"""The knowledge page in headless Chromium against a real server, and the kiosk's next sync.

A new maintainer signs in (through the forced password change), writes an article and submits
it; the page offers them no approval and the API refuses it (own change). A reviewer signs in,
approves with a comment, sees the history; the kiosk's next sync has the article and finds it.
Then a reviewed removal takes a demo article off the kiosk. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.services.knowledge_sync import KnowledgeSync
from offline_cache.db import CacheDB
from server_sync.client import CentralClient
from server_sync.gateway import CentralGateway
from service_common.clock import SystemClock

from .test_queue_chromium import (
    CHROMEDRIVER,
    CHROMIUM,
    Central,
    browser,
    shoot,
    sign_in,
    sign_in_first_time,
    visible,
    wait_for,
)
from .test_serve import cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="Chromium not installed (Debian packages chromium and chromium-driver)",
    ),
]
pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install selenium)")
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    server = Central(tmp_path)
    cli(tmp_path, "seed-demo", "--db", str(server.db))  # publishes the demo corpus
    server.start()
    yield server
    server.stop()


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    chrome = browser("1500,1100", tmp_path / "chromium")
    yield chrome
    chrome.quit()


def result(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "result").text)


def open_row(driver: WebDriver, article_id: str) -> None:
    """Click the article's row; the list re-renders when a filter's answer arrives, so retry a stale row."""

    def click() -> bool:
        try:
            driver.find_element(By.CSS_SELECTOR, f"tr[data-id='{article_id}']").click()
        except (NoSuchElementException, StaleElementReferenceException):
            return False
        return True

    wait_for(click)
    wait_for(lambda: driver.find_element(By.ID, "editor-title").text == article_id)


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.ID, "signout").click()
    wait_for(lambda: visible(driver, "signin"))


def test_maintainer_drafts_reviewer_approves_kiosk_syncs(
    central: Central, driver: WebDriver, tmp_path: Path
) -> None:
    db = str(central.db)
    token = cli(central.tmp, "kiosks", "add", "KIOSK-KB", "--center", "C01", "--db", db).strip()
    mia_initial = cli(central.tmp, "staff", "add", "mia", "--role", "maintainer", "--db", db).strip()
    rita_initial = cli(central.tmp, "staff", "add", "rita", "--role", "reviewer", "--db", db).strip()
    cache = CacheDB(tmp_path / "kiosk.db")
    gateway = CentralGateway(CentralClient(central.url, token), patience_s=1.0)
    kiosk = KnowledgeSync(gateway, cache, SystemClock("Europe/Moscow"))
    try:
        assert kiosk.sync()
        demo_count = kiosk.store.count()
        assert demo_count >= 100
        assert kiosk.store.get("card-block-ru") is not None

        # The maintainer writes a new article and submits it.
        driver.get(f"{central.url}/staff/knowledge?lang=ru")
        sign_in_first_time(driver, "mia", mia_initial, "mia-new-pass-1")
        wait_for(lambda: visible(driver, "kb"))
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "tr[data-id='card-block-ru']"))
        driver.find_element(By.ID, "kb-new").click()
        driver.find_element(By.ID, "f-id").send_keys("pension-card-ru")
        Select(driver.find_element(By.ID, "f-lang")).select_by_value("ru")
        Select(driver.find_element(By.ID, "f-section")).select_by_value("guides")
        driver.find_element(By.ID, "f-title").send_keys("Как перевести пенсию на карту")
        driver.find_element(By.ID, "f-body").send_keys(
            "Подайте заявление в отделении или в киоске; пенсия придёт в следующем месяце."
        )
        driver.find_element(By.ID, "f-steps").send_keys("Возьмите паспорт и СНИЛС\nЗаполните заявление")
        driver.find_element(By.ID, "f-topic").send_keys("Пенсии / Зачисление")
        driver.find_element(By.ID, "f-keywords").send_keys("пенсия, перевод пенсии")
        driver.find_element(By.ID, "f-synonyms").send_keys("пенсионная карта")
        driver.find_element(By.ID, "f-related").send_keys("card-block-ru")
        shoot(driver, "knowledge-draft")
        driver.find_element(By.ID, "submit").click()
        wait_for(lambda: result(driver) == "Отправлено на проверку")
        assert "на проверке" in driver.find_element(By.CSS_SELECTOR, "tr[data-id='pension-card-ru']").text
        assert not visible(driver, "review")  # the page offers no approval to a maintainer...
        change_id = driver.execute_script("return current.open_change.id")
        mia = httpx.Client(base_url=central.url)
        assert mia.post(
            "/api/v1/staff/login", json={"username": "mia", "password": "mia-new-pass-1"}
        ).is_success
        refused = mia.post(f"/api/v1/staff/knowledge/changes/{change_id}/approve", json={"comment": "fine"})
        assert refused.status_code == 403  # ...and the API refuses it
        assert kiosk.sync()
        assert kiosk.store.get("pension-card-ru") is None  # not published yet
        sign_out(driver)

        # The reviewer approves with a comment.
        sign_in_first_time(driver, "rita", rita_initial, "rita-new-pass-1")
        wait_for(lambda: visible(driver, "kb"))
        Select(driver.find_element(By.ID, "filter-state")).select_by_value("in_review")
        open_row(driver, "pension-card-ru")
        assert visible(driver, "review")
        assert (
            driver.find_element(By.ID, "f-title").get_attribute("disabled") is not None
        )  # a reviewer does not edit
        driver.find_element(By.ID, "review-comment").send_keys("Проверено")
        shoot(driver, "knowledge-review")
        driver.find_element(By.ID, "approve").click()
        wait_for(lambda: result(driver) == "Опубликовано")
        history = [
            li.get_attribute("data-action") for li in driver.find_elements(By.CSS_SELECTOR, "#history li")
        ]
        assert history == ["published", "approved", "submitted", "drafted"]
        assert "Проверено" in driver.find_element(By.ID, "history").text
        shoot(driver, "knowledge-published")

        # The kiosk's next sync has it, and its search finds it.
        assert kiosk.sync()
        article = kiosk.store.get("pension-card-ru")
        assert article is not None
        assert article.title == "Как перевести пенсию на карту"
        assert kiosk.store.search("перевести пенсию", "ru")[0].id == "pension-card-ru"
        sign_out(driver)

        # A removal asked by the maintainer and approved by the reviewer takes a demo article off the kiosk.
        sign_in(driver, "mia", "mia-new-pass-1")
        wait_for(lambda: visible(driver, "kb"))
        Select(driver.find_element(By.ID, "filter-state")).select_by_value("")  # the reviewer's filter stays
        wait_for(lambda: visible(driver, "kb"))
        open_row(driver, "card-block-ru")
        driver.find_element(By.ID, "remove").click()
        assert driver.find_element(By.ID, "remove").text == "Точно снять?"
        driver.find_element(By.ID, "remove").click()
        wait_for(lambda: result(driver) == "Снятие ждёт проверки")
        removal = driver.execute_script("return current.open_change.id")
        rita = httpx.Client(base_url=central.url)
        assert rita.post(
            "/api/v1/staff/login", json={"username": "rita", "password": "rita-new-pass-1"}
        ).is_success
        assert rita.post(f"/api/v1/staff/knowledge/changes/{removal}/approve", json={}).is_success
        assert kiosk.sync()
        assert kiosk.store.get("card-block-ru") is None
        assert kiosk.store.count() == demo_count
    finally:
        cache.close()
