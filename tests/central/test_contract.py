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


def test_contract_documents_the_error_body_and_the_token() -> None:
    spec = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert spec["components"]["securitySchemes"]["kioskToken"] == {
        "description": spec["components"]["securitySchemes"]["kioskToken"]["description"],
        "scheme": "bearer",
        "type": "http",
    }
    for path, item in spec["paths"].items():
        operation = item["get"]
        if path.startswith("/api/v1/"):
            assert operation["security"] == [{"kioskToken": []}]
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }
        assert "HTTPValidationError" not in json.dumps(operation)
    assert set(spec["components"]["schemas"]["I18nText"]["required"]) == {"ru", "zh-Hant", "en"}
