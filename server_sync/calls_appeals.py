"""The appeal endpoints of central (see the appeals part of ``central/openapi.json``).

Filing carries the kiosk-made ``id``: the same appeal sent again answers the same, so the outbox
and :meth:`with_patience` may repeat it freely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

APPEALS = "/api/v1/appeals"
JSON = dict[str, Any]
T = TypeVar("T")


class AppealCalls:
    _call: Callable[..., Any]
    with_patience: Callable[[Callable[[float | None], Any], str], Any]

    def file_appeal(self, body: JSON) -> JSON:
        """``POST /appeals`` → ``{"number", "status", "deadline"}``."""
        result: JSON = self._call("POST", APPEALS, body=body)
        return result

    def file_appeals(self, bodies: list[JSON]) -> list[JSON]:
        """``POST /appeals/batch`` (≤200) → one ``{"id", "number", "outcome", "error"}`` per body, in order."""
        results: list[JSON] = self._call("POST", f"{APPEALS}/batch", body={"appeals": bodies})["results"]
        return results

    def appeal_status(self, number: str, *, phone_last4: str | None = None, email: str | None = None) -> JSON:
        """``GET /appeals/{number}`` with the visitor's proof; 404 ``not_found`` and 423 ``locked`` raise."""
        params = {"phone_last4": phone_last4} if phone_last4 else {"email": email or ""}
        result: JSON = self._call("GET", f"{APPEALS}/{number}", params=params)
        return result

    def rate_appeal(self, number: str, body: JSON) -> JSON:
        """``POST /appeals/{number}/satisfaction`` (body with the kiosk's ``id``) → the status body."""
        result: JSON = self._call("POST", f"{APPEALS}/{number}/satisfaction", body=body)
        return result
