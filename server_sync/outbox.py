"""Sending the kiosk's outbox to central: in the order it was written, each record once.

Every record carries its kiosk-made id, so a retry after a lost answer changes nothing at
central. A record central cannot take yet (a check-in whose offline ticket has not arrived)
waits, and holds back what was written after it; a refused one is set aside for a technician
and takes along the records that depend on it.
"""

from __future__ import annotations

import logging
from typing import Any

from offline_cache.outbox import Outbox, OutboxRecord
from server_sync.client import CentralClient
from server_sync.errors import CentralRejected, CentralUnavailable
from service_common.clock import Clock

log = logging.getLogger(__name__)

RETRY_LATER_CODES = {"ticket_not_synced"}
"""Refusals that mean "not yet": a check-in whose offline ticket central has not seen."""
RETRY_LATER_MAX = 20
"""After this many "not yet" answers the record is set aside, so it cannot hold the outbox forever."""


def request_for(kind: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Where each kind of outbox record goes, and with what body."""
    if kind == "ticket":
        return "/api/v1/tickets", payload
    if kind == "ticket_void":
        return f"/api/v1/tickets/{payload['ticket_id']}/void", {"reason": payload["reason"]}
    if kind == "checkin":
        body = {k: payload[k] for k in ("request_id", "ticket_request_id", "checked_in_at")}
        return f"/api/v1/appointments/{payload['code']}/check-in", body
    raise ValueError(f"unknown outbox record kind {kind!r}")


def depends_on(record: OutboxRecord) -> str | None:
    """The record this one cannot go without (a check-in needs its offline ticket)."""
    return str(record.payload["ticket_request_id"]) if record.kind == "checkin" else None


class OutboxSender:
    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock

    def send(self, client: CentralClient | None) -> bool:
        """Send what is due, in order, through ``client``. True: nothing is left waiting for central."""
        if client is None:
            return False
        now = self.clock.now()
        for record in self.outbox.due(now):
            needed = depends_on(record)
            if needed is not None and self.outbox.status_of(needed) == "rejected":
                log.error("outbox record %s: the record it needs was refused by central, so is it", record.id)
                self.outbox.mark_rejected(record.id, now, f"{needed} was refused")
                continue
            path, body = request_for(record.kind, record.payload)
            try:
                client.post(path, body)
            except CentralUnavailable as exc:
                log.warning("outbox record %s (%s) deferred: %s", record.id, record.kind, exc)
                self.outbox.mark_retry(record.id, now, str(exc))
                return False  # keep the order: later records wait for this one
            except CentralRejected as exc:
                if exc.code in RETRY_LATER_CODES and record.attempts < RETRY_LATER_MAX:
                    log.warning("outbox record %s (%s) deferred: %s", record.id, record.kind, exc)
                    self.outbox.mark_retry(record.id, now, str(exc))
                    return False
                log.error("central refused outbox record %s (%s): kept for a technician", record.id, exc)
                self.outbox.mark_rejected(record.id, now, str(exc))
            else:
                self.outbox.mark_sent(record.id, now)
        return True
