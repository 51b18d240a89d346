"""What the kiosk keeps of central's bookings for working offline: the signing keys and the window,
and the tokens of this center's bookings of the next hours, refreshed by the sync worker.
"""

from __future__ import annotations

import logging
from typing import Any

from offline_cache.documents import DocumentCache
from server_sync.errors import CentralError
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

VERIFICATION_DOC = "appointments:verification"
DEFAULT_WINDOW = (15.0, 10.0)  # minutes early, minutes late, until central tells its own


class AppointmentDocs:
    def __init__(
        self, gateway: CentralGateway | None, docs: DocumentCache, clock: Clock, center_id: str
    ) -> None:
        self.gateway = gateway
        self.docs = docs
        self.clock = clock
        self.center_id = center_id

    def verification(self) -> dict[str, Any]:
        """Central's public keys, check-in window and public manage link ({} before the first sync)."""
        cached = self.docs.get(VERIFICATION_DOC)
        return dict(cached.body) if cached is not None else {}

    def window(self) -> tuple[float, float]:
        body = self.verification()
        return (
            float(body.get("checkin_early_min", DEFAULT_WINDOW[0])),
            float(body.get("checkin_late_min", DEFAULT_WINDOW[1])),
        )

    @property
    def upcoming_key(self) -> str:
        return f"appointments:upcoming:{self.center_id}"

    def upcoming_entries(self) -> list[dict[str, Any]]:
        cached = self.docs.get(self.upcoming_key)
        return list((cached.body if cached is not None else {}).get("appointments", []))

    def upcoming(self, code: str) -> dict[str, Any]:
        """This center's synced entry for the code: its token and status ({} when not listed)."""
        return next((e for e in self.upcoming_entries() if e.get("code") == code), {})

    def upcoming_status(self, code: str) -> str:
        return str(self.upcoming(code).get("status") or "")

    def upcoming_token(self, code: str) -> str:
        return str(self.upcoming(code).get("token") or "")

    def sync(self) -> bool:
        """Fetch central's public keys and the coming bookings' tokens for offline check-in."""
        if self.gateway is None:
            return False
        now = self.clock.now()
        try:
            self.docs.put(VERIFICATION_DOC, self.gateway.appointment_verification(), now)
            upcoming = self.gateway.upcoming_appointments()
        except CentralError as exc:
            log.warning("appointment check-in data not refreshed: %s", exc)
            return False
        self.docs.put(self.upcoming_key, upcoming, now)
        return True
