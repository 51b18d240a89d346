"""Central's signed configuration documents on the kiosk: check the Ed25519 signature, the scope
and the version, then apply the settings the running kiosk can change, and remember them.

The verification key is fetched once from central and pinned on disk: a document signed with
another key is refused from then on (a technician clears the pin by re-enrolling the kiosk).
No Kivy: the command runner calls :meth:`FleetConfig.apply` on the sync worker's thread.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_cache.fleet import FleetStore
from server_sync.gateway import CentralGateway

log = logging.getLogger(__name__)

LOCAL = "local"


class ConfigRefused(ValueError):
    """The document is not for this kiosk, not newer, or not signed by central's key."""


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FleetConfig:
    def __init__(
        self,
        gateway: CentralGateway | None,
        store: FleetStore,
        *,
        kiosk_id: str,
        center_id: str,
        defaults: dict[str, float],
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.kiosk_id = kiosk_id
        self.center_id = center_id
        self.defaults = defaults
        self.appliers: dict[str, Callable[[float], None]] = {}  # setting -> how the running kiosk takes it

    @property
    def version(self) -> str:
        return self.store.get("config_version", LOCAL)

    def _key(self) -> Ed25519PublicKey:
        pinned = self.store.get("config_key")
        if not pinned:
            if self.gateway is None:
                raise ConfigRefused("no central to fetch the verification key from")
            pinned = str(self.gateway.fleet_config_key()["public_key"])
            self.store.put("config_key", pinned)
        return Ed25519PublicKey.from_public_bytes(_b64(pinned))

    def _scoped(self, scope: str) -> bool:
        return scope == "all" or scope in (f"kiosk:{self.kiosk_id}", f"center:{self.center_id}")

    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        """Apply a document (or go back to the local configuration); raises ConfigRefused."""
        document, signature = params.get("document"), params.get("signature")
        revert = bool(params.get("revert"))
        if document is None:
            if not revert:
                raise ConfigRefused("no document")
            self._use(LOCAL, {})
            return {"config_version": LOCAL}
        try:
            self._key().verify(_b64(str(signature)), str(document).encode("utf-8"))
        except (InvalidSignature, ValueError) as exc:
            raise ConfigRefused("the signature does not match central's key") from exc
        body = json.loads(str(document))
        scope, version = str(body["scope"]), int(body["version"])
        if not self._scoped(scope):
            raise ConfigRefused(f"the document is for {scope}, not this kiosk")
        current = self.version
        if not revert and current.startswith(f"{scope}@") and int(current.rpartition("@")[2]) >= version:
            raise ConfigRefused(f"version {version} is not newer than {current}")
        label = f"{scope}@{version}"
        self._use(label, dict(body.get("settings") or {}))
        self.store.put("config_document", str(document))
        return {"config_version": label}

    def _use(self, label: str, settings: dict[str, Any]) -> None:
        for name, default in self.defaults.items():
            value = float(settings.get(name, default))
            applier = self.appliers.get(name)
            if applier is not None:
                applier(value)
        self.store.put("config_version", label)
        self.store.put("config_settings", json.dumps(settings))
        log.info("configuration %s applied: %s", label, settings or "local defaults")

    def restore(self) -> None:
        """At start: the settings of the document applied last, if any."""
        settings = json.loads(self.store.get("config_settings", "{}") or "{}")
        for name, value in settings.items():
            applier = self.appliers.get(name)
            if applier is not None:
                applier(float(value))
