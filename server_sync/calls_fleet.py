"""Gateway calls of the fleet: the heartbeat (with the commands central has queued for this kiosk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server_sync.client import CentralClient

JSON = dict[str, Any]
FLEET = "/api/v1/fleet"


class FleetCalls:
    """Mixed into :class:`server_sync.gateway.CentralGateway`."""

    _call: Callable[..., Any]
    with_patience: Callable[..., Any]
    client: CentralClient

    def heartbeat(self, body: JSON) -> JSON:
        """``POST /fleet/heartbeat``: a resent ``heartbeat_id`` changes nothing at central."""
        result: JSON = self._call("POST", f"{FLEET}/heartbeat", body=body)
        return result

    def fleet_audit(self, record: JSON) -> None:
        """``POST /fleet/audit``: one technician action; the kiosk-made ``id`` makes a resend a no-op."""
        self._call("POST", f"{FLEET}/audit", body=record)

    def ack_command(self, command_id: str) -> JSON:
        """``POST /fleet/commands/{id}/ack``: the kiosk has it and runs it once."""
        result: JSON = self._call("POST", f"{FLEET}/commands/{command_id}/ack")
        return result

    def command_result(self, command_id: str, ok: bool, result: JSON) -> JSON:
        """``POST /fleet/commands/{id}/result``: a repeated report changes nothing at central."""
        answer: JSON = self._call(
            "POST", f"{FLEET}/commands/{command_id}/result", body={"ok": ok, "result": result}
        )
        return answer

    def command_upload(self, command_id: str, content_type: str, data: bytes) -> None:
        """``POST /fleet/commands/{id}/upload``: a screenshot (PNG) or log lines (text), replaced if sent again."""
        self.client.request(
            "POST", f"{FLEET}/commands/{command_id}/upload", data=data, headers={"Content-Type": content_type}
        )

    def fleet_config_key(self) -> JSON:
        """``GET /fleet/config-key``: the Ed25519 key central signs configuration documents with."""
        result: JSON = self._call("GET", f"{FLEET}/config-key")
        return result
