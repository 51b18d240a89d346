"""The staff appeals page and the public status page in headless Chromium, real server.

A kiosk files a complaint; a new supervisor signs in on /staff/appeals (through the forced
password change), finds it among the open appeals, gives it to the demo handler, asks the visitor
for information, records it received, answers. The visitor then opens the public status page
(the receipt's QR code), gives the phone digits and reads the answer with the handler's contact.
Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import uuid

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from .appeal_helpers import body
from .test_appointments_chromium import Demo, demo, driver, pytestmark  # noqa: F401  (fixtures, marks)
from .test_queue_chromium import shoot, sign_in_first_time, visible, wait_for
from .test_serve import cli


def status_text(page: WebDriver) -> str:
    return str(
        page.execute_script("const h = document.getElementById('d-number'); return h ? h.textContent : ''")
    )


def test_staff_appeals_and_status_page(demo: Demo, driver: WebDriver) -> None:  # noqa: F811
    token = cli(demo.tmp, "kiosks", "add", "KIOSK-APL", "--center", "C01", "--db", str(demo.db)).strip()
    initial = cli(demo.tmp, "staff", "add", "orlova", "--role", "supervisor", "--db", str(demo.db)).strip()
    complaint = body(
        id=str(uuid.uuid4()), kind="complaint", number="A001-261123-0001", deadline="2026-12-11",
        text="Сотрудник был груб со мной у окна 2.", concerns="окно 2", happened_on="2026-11-23",
    )  # fmt: skip
    filed = httpx.post(
        f"{demo.url}/api/v1/appeals", json=complaint, headers={"Authorization": f"Bearer {token}"}
    )
    assert filed.status_code == 200, filed.text

    driver.get(f"{demo.url}/staff/appeals?lang=ru")
    sign_in_first_time(driver, "orlova", initial, "orlova-new-pass-1")
    wait_for(lambda: visible(driver, "registry"))
    row = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "tr[data-number='A001-261123-0001']"))[0]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#rows tr")) == 4  # three demo appeals and this one
    row.click()
    wait_for(lambda: "A001-261123-0001" in status_text(driver))
    assert driver.find_element(By.ID, "d-text").text == "Сотрудник был груб со мной у окна 2."
    shoot(driver, "appeals-staff-open")

    Select(driver.find_element(By.ID, "route-handler")).select_by_value("demo")
    driver.find_element(By.CSS_SELECTOR, "#f-route button").click()
    wait_for(lambda: "в работе" in status_text(driver))
    driver.find_element(By.ID, "ask-text").send_keys("Уточните, пожалуйста, время визита.")
    driver.find_element(By.CSS_SELECTOR, "#f-ask button").click()
    wait_for(lambda: "нужны сведения" in status_text(driver))
    driver.find_element(By.CSS_SELECTOR, "#f-info button").click()
    wait_for(lambda: "в работе" in status_text(driver))
    driver.find_element(By.ID, "answer-text").send_keys("Приносим извинения. С сотрудником проведена беседа.")
    driver.find_element(By.CSS_SELECTOR, "#f-answer button").click()
    wait_for(lambda: "дан ответ" in status_text(driver))
    events = driver.find_element(By.ID, "d-events").text
    assert events.count("orlova") == 4  # routed, asked, received, answered: each with its author
    shoot(driver, "appeals-staff-answered")

    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    wait_for(lambda: "answered" in status_text(driver))
    Select(driver.find_element(By.ID, "filter")).select_by_value("overdue")
    wait_for(lambda: visible(driver, "empty"))

    driver.get(f"{demo.url}/staff/appeals?n=A001-261123-0001")  # the link in an overdue reminder
    wait_for(lambda: "A001-261123-0001" in status_text(driver))

    driver.get(f"{demo.url}/appeals/status?n=A001-261123-0001&lang=ru")
    driver.find_element(By.NAME, "last4").send_keys("6789")
    driver.find_element(By.CSS_SELECTOR, "button.primary").click()
    answer = wait_for(lambda: driver.find_elements(By.ID, "answer"))[0]
    assert answer.text == "Приносим извинения. С сотрудником проведена беседа."
    assert "i.sokolova@bank.example" not in driver.page_source  # answered by orlova: no handler card
    assert driver.find_element(By.ID, "status").text == "дан ответ"
    assert driver.find_element(By.ID, "rate")  # a complaint's answer: "are you satisfied?"
    shoot(driver, "appeals-status-page")
    driver.find_element(By.ID, "rate-not_satisfied").click()
    wait_for(lambda: driver.find_elements(By.ID, "thanks"))
    assert driver.find_element(By.ID, "status").text == "в работе"  # not satisfied: reopened
    assert not driver.find_elements(By.ID, "rate")
    shoot(driver, "appeals-status-page-rated")


def test_an_agent_of_one_center_does_not_see_anothers_appeal(demo: Demo, driver: WebDriver) -> None:  # noqa: F811
    for kiosk, center, seq in (("KIOSK-A", "C01", 11), ("KIOSK-B", "C02", 12)):
        token = cli(demo.tmp, "kiosks", "add", kiosk, "--center", center, "--db", str(demo.db)).strip()
        filed = httpx.post(
            f"{demo.url}/api/v1/appeals",
            json=body(seq, id=str(uuid.uuid4()), center_id=center),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert filed.status_code == 200, filed.text
    initial = cli(
        demo.tmp, "staff", "add", "petrov", "--role", "agent", "--center", "C01", "--db", str(demo.db)
    ).strip()
    driver.get(f"{demo.url}/staff/appeals?lang=ru")
    sign_in_first_time(driver, "petrov", initial, "petrov-new-pass-1")
    wait_for(lambda: visible(driver, "registry"))
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "tr[data-number='A001-261123-0011']"))
    assert not driver.find_elements(By.CSS_SELECTOR, "tr[data-number='A001-261123-0012']")
    shoot(driver, "appeals-staff-own-center")

    driver.get(f"{demo.url}/staff/appeals?n=A001-261123-0012&lang=ru")  # a link to the other center's appeal
    wait_for(lambda: visible(driver, "error"))
    assert "другого офиса" in driver.find_element(By.ID, "error").text  # the page's language, not the API's English
    assert "A001-261123-0012" not in status_text(driver)
    shoot(driver, "appeals-staff-other-center-refused")
