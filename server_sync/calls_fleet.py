"""Gateway calls of the fleet: the heartbeat (with the commands central has queued for this kiosk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]
FLEET = "/api/v1/fleet"


class FleetCalls:
    """Mixed into :class:`server_sync.gateway.CentralGateway`."""

    _call: Callable[..., Any]
    with_patience: Callable[..., Any]

    def heartbeat(self, body: JSON) -> JSON:
        """``POST /fleet/heartbeat``: a resent ``heartbeat_id`` changes nothing at central."""
        result: JSON = self._call("POST", f"{FLEET}/heartbeat", body=body)
        return result

    def fleet_audit(self, record: JSON) -> None:
        """``POST /fleet/audit``: one technician action; the kiosk-made ``id`` makes a resend a no-op."""
        self._call("POST", f"{FLEET}/audit", body=record)
