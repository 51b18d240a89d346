"""A technician's test print shows the configured center (a Moscow kiosk never prints a Taipei address)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.receipts import samples
from kiosk import cli_devices
from kiosk.config import load
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache

NOW = datetime(2026, 12, 1, 10, 5, tzinfo=ZoneInfo("Europe/Moscow"))
CENTER = {
    "id": "C01",
    "name": {
        "ru": "Центральный офис обслуживания",
        "zh-Hant": "中央服務中心",
        "en": "Central Service Center",
    },
    "address": {
        "ru": "Москва, ул. Лесная, д. 15",
        "zh-Hant": "莫斯科市列斯納亞街15號",
        "en": "15 Lesnaya St., Moscow",
    },
}


@pytest.mark.parametrize("lang", ["ru", "zh-Hant", "en"])
def test_fallback_is_one_moscow_center_in_every_language(lang: str) -> None:
    data = samples.sample_ticket(lang, NOW)
    assert "臺北" not in data.center_address
    assert any(city in data.center_address for city in ("Москва", "莫斯科", "Moscow"))


def test_print_test_uses_the_configured_center_from_the_cache(tmp_path: Path) -> None:
    config = load(None, {"KIOSK_DATA_DIR": str(tmp_path)})
    assert cli_devices._configured_center(config) is None  # no cache yet: the fallback
    cache = CacheDB(tmp_path / "kiosk.db")
    other = {**CENTER, "id": "C02", "address": {"zh-Hant": "別處"}}
    DocumentCache(cache).put("centers", [other, CENTER], NOW)
    cache.close()
    center = cli_devices._configured_center(config)
    assert center is not None
    assert center["id"] == config.kiosk.center_id == "C01"
    ticket = samples.sample_ticket("zh-Hant", NOW, center)
    assert (ticket.center_name, ticket.center_address) == ("中央服務中心", "莫斯科市列斯納亞街15號")
    booking = samples.sample_appointment("en", NOW, center)
    assert booking.center_address == "15 Lesnaya St., Moscow"
