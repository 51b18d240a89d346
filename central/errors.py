"""One error body for every failure, ``{"error": code, "message": text}``.

Kiosks branch on ``error`` (a stable code), never on the text or on FastAPI's default shapes,
so framework errors (unknown route, bad query parameter, crash) are mapped here too.

A body that is not JSON at all answers 400 ``bad_request``; a JSON body or a parameter that breaks
the schema answers 422 ``invalid_request``. Some rules the schema cannot state (two dates at most
92 days apart, a time not in the future) also answer 422: each operation's 422 description lists
them after :data:`REFUSED_MARK`, and the contract test holds the server to that list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.schemas import ErrorBody

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    500: "internal",
    503: "unavailable",
}

_DESCRIPTIONS = {
    400: "The body is not JSON (`bad_request`)",
    401: "Missing, unknown or revoked kiosk token",
    403: "Not allowed for this caller (e.g. another center's ticket)",
    404: "No such object",
    409: "Conflicts with the current state (the error code says which)",
    422: "A parameter or the body breaks the schema (`invalid_request`)",
}
REFUSED_MARK = "Also refused although valid by the schema:"
"""Starts the part of a 422 description that lists the rules the schema cannot express."""


class ApiError(Exception):
    """Raise from an endpoint to answer with the uniform error body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=code, message=message)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def responses(*statuses: int, refused: str = "") -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries so the contract shows the error body (and not FastAPI's 422 shape).

    ``refused`` states the 422s the server gives to requests the schema allows, each as
    ``` `code` ``` and when, e.g. ``"`invalid_phone` when the number is not a phone number"``.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        text = _DESCRIPTIONS.get(s, _CODES.get(s, "Error"))
        if s == 422 and refused:
            text = f"{text}. {REFUSED_MARK} {refused}"
        out[s] = {"model": ErrorBody, "description": text}
    return out


def document_bad_bodies(app: FastAPI) -> None:
    """List 400 (the body is not JSON) on every operation that reads a JSON body.

    One rule applied to the generated contract, so no operation with a body can forget it.
    """
    generate = app.openapi
    entry = {
        "description": _DESCRIPTIONS[400],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            for item in spec.get("paths", {}).values():
                for operation in item.values():
                    if isinstance(operation, dict) and "requestBody" in operation:
                        operation["responses"].setdefault("400", dict(entry))
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else code
    return error_response(exc.status_code, code, message, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return error_response(400, "bad_request", "the body is not valid JSON")
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(422, "invalid_request", "; ".join(parts) or "invalid request")


async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
    # Starlette re-raises after this so the server logs the traceback once.
    return error_response(500, "internal", "internal error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
