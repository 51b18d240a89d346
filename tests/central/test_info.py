"""Centers, announcements and rates, in the exact shapes the kiosk reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db, kiosks
from central.app import create_app
from service_common.clock import ManualClock

from .conftest import bearer

I18N_KEYS = {"ru", "zh-Hant", "en"}


def test_centers(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/centers", headers=headers)
    assert response.status_code == 200
    centers = response.json()["centers"]
    assert [c["id"] for c in centers] == ["C01", "C02", "C03"]
    for center in centers:
        assert set(center) == {
            "id",
            "name",
            "address",
            "timezone",
            "phone",
            "lat",
            "lon",
            "hours",
            "services",
            "holiday_country",
            "holiday_subdiv",
        }
        assert (center["holiday_country"], center["holiday_subdiv"]) == ("RU", None)
        assert set(center["name"]) == set(center["address"]) == I18N_KEYS
        assert center["timezone"] == "Europe/Moscow"
        assert [h["weekday"] for h in center["hours"]] == [0, 1, 2, 3, 4, 5]
        for service in center["services"]:
            assert set(service) == {"id", "prefix", "name", "description", "bookable"}
            assert set(service["name"]) == set(service["description"]) == I18N_KEYS
    c01 = centers[0]
    assert c01["hours"][0] == {
        "weekday": 0,
        "opens": "09:00",
        "closes": "19:00",
        "break_start": None,
        "break_end": None,
    }
    assert [s["prefix"] for s in c01["services"]] == ["A", "B", "C", "D"]
    assert c01["services"][0]["id"] == "C01-A"
    assert c01["name"]["zh-Hant"] == "中央服務中心"
    assert centers[1]["hours"][2]["break_start"] == "13:00"
    assert centers[1]["hours"][2]["break_end"] == "14:00"


def test_one_center(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/centers/C03", headers=headers)
    assert response.status_code == 200
    assert response.json()["id"] == "C03"
    assert [s["prefix"] for s in response.json()["services"]] == ["A", "C", "D"]


def test_unknown_center_is_404_with_the_error_body(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/centers/C99", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no center 'C99'"}


def test_framework_errors_use_the_error_body(client: TestClient, headers: dict[str, str]) -> None:
    unknown = client.get("/api/v1/nothing-here", headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    invalid = client.get("/api/v1/announcements", params={"center_id": "X" * 40}, headers=headers)
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid_request"
    assert "center_id" in invalid.json()["message"]
    wrong_method = client.post("/api/v1/rates", headers=headers)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"


def ids(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    response = client.get("/api/v1/announcements", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["announcements"]]


def test_announcements_follow_the_clock(
    client: TestClient, clock: ManualClock, headers: dict[str, str]
) -> None:
    # Seeded on 2026-11-23 (Moscow): fraud -20 d, mortgage (C01) -5 d..+60 d, holidays -2 d..+30 d,
    # maintenance -10 d..-3 d.
    assert ids(client, headers, center_id="C01") == ["ANN-HOLIDAYS", "ANN-C01-MORTGAGE", "ANN-FRAUD"]
    assert ids(client, headers, center_id="C02") == ["ANN-HOLIDAYS", "ANN-FRAUD"]
    clock.set(datetime(2026, 11, 16, 12, 0))  # before holidays and mortgage, inside maintenance
    assert ids(client, headers, center_id="C01") == ["ANN-MAINTENANCE", "ANN-FRAUD"]
    clock.set(datetime(2026, 11, 20, 0, 0))  # maintenance expired this very instant
    assert ids(client, headers, center_id="C01") == ["ANN-C01-MORTGAGE", "ANN-FRAUD"]
    clock.set(datetime(2026, 11, 21, 0, 0))  # holidays published this very instant
    assert ids(client, headers, center_id="C01") == ["ANN-HOLIDAYS", "ANN-C01-MORTGAGE", "ANN-FRAUD"]
    clock.advance(timedelta(days=365))
    assert ids(client, headers, center_id="C01") == ["ANN-FRAUD"]


def test_announcements_default_to_the_kiosks_center(
    client: TestClient, seeded: Engine, clock: ManualClock, headers: dict[str, str]
) -> None:
    assert ids(client, headers) == ["ANN-HOLIDAYS", "ANN-C01-MORTGAGE", "ANN-FRAUD"]
    c03 = bearer(kiosks.add(seeded, "KIOSK-C03", "C03", clock))
    assert ids(client, c03) == ["ANN-HOLIDAYS", "ANN-FRAUD"]


def test_announcement_shape(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/announcements", params={"center_id": "C01"}, headers=headers)
    first = response.json()["announcements"][0]
    assert set(first) == {"id", "center_id", "title", "body", "published_at", "expires_at"}
    assert set(first["title"]) == set(first["body"]) == I18N_KEYS
    assert first["center_id"] is None
    assert first["published_at"] == "2026-11-20T21:00:00Z"  # 2026-11-21 00:00 Moscow, in UTC
    assert first["expires_at"] == "2026-12-22T21:00:00Z"


def test_announcements_for_an_unknown_center(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/announcements", params={"center_id": "C99"}, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_rates(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/rates", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"interest", "exchange"}
    assert body["interest"][0] == {
        "product": {"ru": "Вклад «Надёжный»", "zh-Hant": "「穩健」定期存款", "en": "“Reliable” deposit"},
        "kind": "deposit",
        "term_months": 3,
        "rate_percent": "15.50",
        "currency": "RUB",
    }
    assert [(r["kind"], r["term_months"]) for r in body["interest"]] == [
        ("deposit", 3),
        ("deposit", 6),
        ("deposit", 12),
        ("loan", 3),
        ("loan", 6),
        ("loan", 12),
    ]
    assert [r["currency"] for r in body["exchange"]] == ["CNY", "EUR", "USD"]
    assert body["exchange"][2] == {
        "currency": "USD",
        "buy": "78.40",
        "sell": "82.10",
        "as_of": "2026-11-22T21:00:00Z",
    }


def test_health_reports_a_database_that_does_not_answer(tmp_path: Path, clock: ManualClock) -> None:
    broken = db.create_engine(tmp_path / "no" / "such" / "dir" / "central.db")
    with TestClient(create_app(broken, clock)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "version": "0.1.0",
        "db": "error",
        "time": "2026-11-23T07:00:00Z",
    }
