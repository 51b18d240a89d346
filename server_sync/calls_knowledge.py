"""The knowledge endpoints of central (and the information feed on the same cursor terms), as a mixin of
:class:`server_sync.gateway.CentralGateway`.

The feed is a plain read (safe to repeat); ratings, misses and leads carry the kiosk-made id
the outbox keeps, so a resend after a lost answer is recognised at central (``duplicate``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KB = "/api/v1/knowledge"
JSON = dict[str, Any]


class KnowledgeCalls:
    _call: Callable[..., Any]
    with_patience: Callable[..., Any]

    def knowledge_changes(
        self, cursor: str | None, limit: int = 500, *, current: str | None = None
    ) -> JSON | None:
        """One page of published changes after ``cursor``; None (HTTP 304) when ``current`` is still current.

        ``current`` is the cursor the kiosk holds after its last complete sync: sent as
        ``If-None-Match``, so an unchanged knowledge base costs no body.
        """
        params: JSON = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        headers = {"If-None-Match": f'"{current}"'} if current else None
        page: JSON | None = self._call("GET", f"{KB}/changes", params=params, headers=headers)
        return page

    def info_changes(self, cursor: str | None, center_id: str) -> JSON | None:
        """Centers, announcements and rates changed since ``cursor`` (each null when unchanged); None: 304."""
        params: JSON = {"center_id": center_id}
        if cursor:
            params["cursor"] = cursor
        headers = {"If-None-Match": f'"{cursor}"'} if cursor else None
        page: JSON | None = self._call("GET", "/api/v1/info/changes", params=params, headers=headers)
        return page

    def send_kb_rating(self, body: JSON) -> JSON:
        result: JSON = self._call("POST", f"{KB}/ratings", body=body)
        return result

    def send_kb_miss(self, body: JSON) -> JSON:
        result: JSON = self._call("POST", f"{KB}/misses", body=body)
        return result

    def send_lead(self, body: JSON) -> JSON:
        result: JSON = self._call("POST", "/api/v1/leads", body=body)
        return result
