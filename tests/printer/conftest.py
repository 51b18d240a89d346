"""Fixtures for the printer stack: fake Epson printers on a pty and on TCP, and one fixed ticket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.receipts import TicketData
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
