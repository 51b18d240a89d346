"""A heartbeat body as a kiosk sends it, with the parts a test wants changed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any


def heartbeat(now: datetime, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "heartbeat_id": uuid.uuid4().hex,
        "sent_at": now.isoformat(),
        "interval_s": 30,
        "app_version": "0.1.0",
        "config_version": "local",
        "uptime_s": 120,
        "printer": {"reasons": [], "raw": "EOT1=0x16 EOT2=0x12 EOT4=0x12", "paper": None},
        "card_reader": {"configured": True, "present": True, "raw": "sim"},
        "scanner": {"configured": True, "present": True, "raw": "sim"},
        "outbox_depth": 0,
        "outbox_refused": 0,
        "last_sync_at": now.isoformat(),
        "disk_free_mb": 20000,
        "memory_mb": 300,
    }
    body.update(changes)
    return body
