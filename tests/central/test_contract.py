"""The committed contract equals what the app serves: API changes must be deliberate.

After an intended change: ``kiosk-central openapi > central/openapi.json`` and commit the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import central
from central import cli
from central.errors import REFUSED_MARK

CONTRACT = Path(central.__file__).parent / "openapi.json"


def test_served_contract_equals_the_committed_one(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    committed = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert served == committed, "API changed: run `kiosk-central openapi > central/openapi.json`"


def test_committed_contract_is_the_canonical_rendering(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["openapi"]) == 0
    assert capsys.readouterr().out == CONTRACT.read_text(encoding="utf-8")


STAFF_PATHS = ("/api/v1/staff/", "/api/v1/counters")
PUBLIC_PATHS = ("/api/v1/board/",)


def test_contract_documents_the_error_body_and_the_token() -> None:
    spec = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert spec["components"]["securitySchemes"]["kioskToken"] == {
        "description": spec["components"]["securitySchemes"]["kioskToken"]["description"],
        "scheme": "bearer",
        "type": "http",
    }
    assert spec["components"]["securitySchemes"]["staffSession"]["in"] == "cookie"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            if path.startswith(PUBLIC_PATHS):
                assert "security" not in operation, where
            elif path.startswith(STAFF_PATHS):
                if path != "/api/v1/staff/login":
                    assert operation["security"] == [{"staffSession": []}], where
            elif path.startswith("/api/v1/"):
                assert operation["security"] == [{"kioskToken": []}], where
            if (
                path.startswith("/api/v1/")
                and path not in ("/api/v1/staff/login",)
                and not path.startswith(PUBLIC_PATHS)
            ):
                assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"
                }, where
            assert "HTTPValidationError" not in json.dumps(operation), where
    assert set(spec["components"]["schemas"]["I18nText"]["required"]) == {"ru", "zh-Hant", "en"}


def test_contract_has_the_queue_endpoints_the_kiosk_codes_against() -> None:
    spec = json.loads(CONTRACT.read_text(encoding="utf-8"))
    paths = spec["paths"]
    create = paths["/api/v1/tickets"]["post"]
    assert {"200", "201", "403", "404", "409", "422"} <= set(create["responses"])
    assert "post" in paths["/api/v1/tickets/{ticket_id}/void"]
    assert "get" in paths["/api/v1/tickets/{ticket_id}"]
    assert "post" in paths["/api/v1/leases"]
    assert "get" in paths["/api/v1/queue"]
    assert "get" in paths["/api/v1/board/{center_id}"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["TicketCreate"]["properties"]) >= {
        "request_id",
        "service_id",
        "priority",
        "issued_by",
        "language",
        "lease_id",
        "number",
        "issued_at",
        "status",
    }
    assert set(schemas["TicketCreate"]["required"]) == {"request_id", "service_id"}
    assert set(schemas["Ticket"]["required"]) >= {
        "id",
        "request_id",
        "center_id",
        "service_id",
        "prefix",
        "number",
        "display",
        "priority",
        "status",
        "issued_at",
        "called_at",
        "counter",
        "people_ahead",
        "estimated_wait_min",
        "status_url",
    }
    assert set(schemas["Lease"]["required"]) == {
        "id",
        "service_id",
        "prefix",
        "business_date",
        "first",
        "last",
        "expires_at",
    }
    assert set(schemas["Queue"]["required"]) == {"center_id", "business_date", "services", "recent_calls"}
    assert set(schemas["QueueService"]["required"]) == {
        "service_id",
        "prefix",
        "name",
        "waiting",
        "estimated_wait_min",
        "open_counters",
        "daily_volume",
    }


def test_every_json_body_lists_400_and_the_refusals_beyond_the_schema_are_listed() -> None:
    spec = json.loads(CONTRACT.read_text(encoding="utf-8"))
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"
                }, f"{method.upper()} {path}"
    paths = spec["paths"]
    refused = {
        ("get", "/api/v1/appointments/days"): "92 days",
        ("post", "/api/v1/appointments/holds/{hold_id}/confirm"): "`invalid_phone`",
        ("post", "/api/v1/appointments/{code}/check-in"): "`checked_in_at`",
        ("post", "/api/v1/staff/password"): "`weak_password`",
    }
    for (method, path), words in refused.items():
        text = paths[path][method]["responses"]["422"]["description"]
        assert REFUSED_MARK in text, (method, path, text)
        assert words in text.partition(REFUSED_MARK)[2], (method, path, text)


def test_a_body_that_is_not_json_is_400_and_a_wrong_one_422(
    client: TestClient, headers: dict[str, str]
) -> None:
    json_headers = {**headers, "content-type": "application/json"}
    for body in (b"{bad", b'{"request_id": ', b"\xff\xfe\x00"):
        r = client.post("/api/v1/tickets", content=body, headers=json_headers)
        assert (r.status_code, r.json()["error"]) == (400, "bad_request"), body
    r = client.post("/api/v1/tickets", content=b"[]", headers=json_headers)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request")


@pytest.mark.parametrize(
    "value", ["0", "20261124", "2026-11-24T00:00:00Z", "1732406400", "0001-01-01", "9999-12-31", "1999-12-31"]
)
def test_dates_are_taken_only_as_the_contract_writes_them(
    client: TestClient, headers: dict[str, str], value: str
) -> None:
    r = client.get(
        "/api/v1/appointments/slots", params={"service_id": "C01-B", "date": value}, headers=headers
    )
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request")
    ok = client.get(
        "/api/v1/appointments/slots", params={"service_id": "C01-B", "date": "2026-11-24"}, headers=headers
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "value",
    [0, "0", "2026-11-24", "2026-11-24T09:00+03:00", "2026-11-24T09:00:00", "0001-01-01T00:00:00+14:00"],
)
def test_instants_are_taken_only_as_the_contract_writes_them(
    client: TestClient, headers: dict[str, str], value: object
) -> None:
    body = {"request_id": "r-1", "service_id": "C01-B", "slot_start": value}
    r = client.post("/api/v1/appointments/holds", json=body, headers=headers)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request")
