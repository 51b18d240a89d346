"""The sync job "info" on the cursor path: centers and hours, announcements and rates, only when they changed.

It writes the same cached documents :class:`kiosk.services.info.InfoService` reads (``centers``,
``announcements:<center>``, ``rates``), so the screens need not know how they arrived. Central
answers 304 when nothing changed; the documents' time is then moved on, so a screen showing
"as of" tells when central last confirmed them, not when they last changed.
"""

from __future__ import annotations

import logging
from typing import Any

from offline_cache.documents import DocumentCache
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

CURSOR_KEY = "info:cursor"


class InfoSync:
    def __init__(
        self, gateway: CentralGateway | None, docs: DocumentCache, clock: Clock, center_id: str
    ) -> None:
        self.gateway = gateway
        self.docs = docs
        self.clock = clock
        self.center_id = center_id
        self.last_changed: list[str] | None = None  # document names written by the last sync (None: 304)

    def _keys(self) -> dict[str, str]:
        return {"centers": "centers", "announcements": f"announcements:{self.center_id}", "rates": "rates"}

    def cursor(self) -> str | None:
        held = self.docs.get(CURSOR_KEY)
        if held is None or not isinstance(held.body, dict):
            return None
        cursor = held.body.get("cursor")
        return cursor if isinstance(cursor, str) else None

    def sync(self) -> bool:
        """True when the cached documents match central's as of now."""
        if self.gateway is None:
            return False
        cursor = self.cursor()
        try:
            page = self.gateway.info_changes(cursor, self.center_id)
        except CentralError as exc:
            log.warning("information sync: %s", exc)
            return False
        now = self.clock.now()
        keys = self._keys()
        with self.docs.cache.transaction():
            if page is None:  # 304: confirmed as of now
                self.last_changed = None
                for key in keys.values():
                    held = self.docs.get(key)
                    if held is not None:
                        self.docs.put(key, held.body, now)
                return True
            changed: list[str] = []
            for name, key in keys.items():
                value: Any = page.get(name)
                if value is not None:
                    self.docs.put(key, value, now)
                    changed.append(name)
            self.docs.put(CURSOR_KEY, {"cursor": page["cursor"]}, now)
        self.last_changed = changed
        if changed:
            log.info("information synced: %s", ", ".join(changed))
        return True
