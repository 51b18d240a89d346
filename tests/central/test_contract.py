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
    }
