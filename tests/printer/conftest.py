"""Fixtures for the printer stack: fake Epson printers on a pty and on TCP, and one fixed ticket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.receipts import AppointmentData, TicketData
from devices.receipts.samples import demo_token
from tests.printer.fakes import PtyPrinter, TcpPrinter

ISSUED = datetime(2026, 12, 1, 10, 5, tzinfo=ZoneInfo("Europe/Moscow"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "receipts"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "receipts"

CENTERS = {
    "ru": ("Центр обслуживания «Северный»", "ул. Ленина, 15, Москва", "Платежи и переводы"),
    "zh-Hant": ("北區服務中心", "臺北市中山區南京東路二段15號", "繳費與轉帳"),
    "en": ("North Service Center", "15 Lenin Street, Moscow", "Payments and transfers"),
}


def ticket(lang: str = "ru", **changes: object) -> TicketData:
    """The ticket every test prints: all fields set, so every block appears."""
    name, address, service = CENTERS[lang]
    values: dict[str, object] = {
        "number": "A017",
        "service": service,
        "center_name": name,
        "center_address": address,
        "issued_at": ISSUED,
        "people_ahead": 3,
        "wait_minutes": 12,
        "url": "https://queue.example/t/C01/A017",
        "priority": "disability",
    }
    values.update(changes)
    return TicketData(**values)  # type: ignore[arg-type]


SLOT = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
VISITORS = {
    "ru": ("Анна Иванова", "+7 *** ***-67-89"),
    "zh-Hant": ("王小明", "+886 *** ** 5678"),
    "en": ("Anna Ivanova", "+44 *** *** 0958"),
}


def appointment(lang: str = "ru", **changes: object) -> AppointmentData:
    """The confirmation every test prints: 2 December 2026 (a Wednesday), 10:00-10:20, every block set."""
    center, address, service = CENTERS[lang]
    name, phone = VISITORS[lang]
    start = changes.pop("slot_start", SLOT)
    assert isinstance(start, datetime)
    values: dict[str, object] = {
        "code": "12345674",
        "token": demo_token("12345674", "C01", "payments", start, start + timedelta(minutes=20)),
        "service": service,
        "center_name": center,
        "center_address": address,
        "slot_start": start,
        "slot_end": start + timedelta(minutes=20),
        "name": name,
        "phone_masked": phone,
        "manage_url": "https://queue.example/a/12345674",
        "issued_at": ISSUED,
    }
    values.update(changes)
    return AppointmentData(**values)  # type: ignore[arg-type]


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    fake = TcpPrinter()
    yield fake
    fake.close()


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    fake = PtyPrinter()
    yield fake
    fake.close()


@pytest.fixture(params=["tcp", "serial"])
def fake_printer(request: pytest.FixtureRequest) -> Iterator[TcpPrinter | PtyPrinter]:
    """The same Epson behind either transport: every status test runs on both drivers."""
    fake: TcpPrinter | PtyPrinter = TcpPrinter() if request.param == "tcp" else PtyPrinter()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def receipt_artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
