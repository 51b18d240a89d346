"""Sending the kiosk's outbox to central: in the order it was written, each record once.

Every record carries its kiosk-made id, so a retry after a lost answer changes nothing at
central. A record central cannot take yet (a check-in whose offline ticket has not arrived)
waits, and holds back what was written after it; a refused one is set aside for a technician
and takes along the records that depend on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from offline_cache.outbox import Outbox, OutboxRecord
from offline_cache.tickets import TicketStore
from server_sync.errors import CentralRejected, CentralUnavailable
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

RETRY_LATER_CODES = {"ticket_not_synced"}
"""Refusals that mean "not yet": a check-in whose offline ticket central has not seen."""
RETRY_LATER_MAX = 20
BATCHED_KINDS = {"appeal"}
"""Kinds whose consecutive records go to central in one call (``deliver_run``), results applied one by one."""
"""After this many "not yet" answers the record is set aside, so it cannot hold the outbox forever."""


AS_IS: dict[str, Callable[[CentralGateway, dict[str, Any]], Any]] = {
    "kb_rating": CentralGateway.send_kb_rating,
    "kb_miss": CentralGateway.send_kb_miss,
    "lead": CentralGateway.send_lead,
}
"""Kinds whose payload is the request body itself (the knowledge contract)."""


def deliver(gateway: CentralGateway, kind: str, payload: dict[str, Any]) -> None:
    """Send one record to the endpoint its kind belongs to."""
    if kind in AS_IS:
        AS_IS[kind](gateway, payload)
    elif kind == "ticket":
        gateway.create_ticket(payload)
    elif kind == "ticket_void":
        gateway.void_ticket(payload["ticket_id"], payload["reason"])
    elif kind == "checkin":
        body = {k: payload[k] for k in ("request_id", "ticket_request_id", "checked_in_at")}
        gateway.check_in(payload["code"], body)
    elif kind == "tech_audit":
        gateway.fleet_audit(payload)
    elif kind == "command_result":
        gateway.command_result(payload["id"], payload["ok"], payload["result"])
    elif kind == "appeal":
        gateway.file_appeal(payload)
    elif kind == "appeal_satisfaction":
        gateway.rate_appeal(payload["number"], {k: v for k, v in payload.items() if k != "number"})
    else:
        raise ValueError(f"unknown outbox record kind {kind!r}")


def deliver_run(gateway: CentralGateway, kind: str, payloads: list[dict[str, Any]]) -> list[str | None]:
    """Send a run of records of one batched kind in one call: per record None (taken) or central's refusal code."""
    if kind == "appeal":
        results = gateway.file_appeals(payloads)
        return [
            None if r["outcome"] in ("stored", "duplicate") else str(r.get("error") or "refused")
            for r in results
        ]
    raise ValueError(f"outbox record kind {kind!r} is not sent in runs")


def depends_on(record: OutboxRecord) -> str | None:
    """The record this one cannot go without (a check-in needs its offline ticket)."""
    return str(record.payload["ticket_request_id"]) if record.kind == "checkin" else None


class OutboxSender:
    def __init__(self, outbox: Outbox, gateway: CentralGateway | None, clock: Clock) -> None:
        self.outbox = outbox
        self.tickets = TicketStore(outbox.cache)
        self.gateway = gateway
        self.clock = clock
        self._lock = threading.Lock()

    def send(self) -> bool:
        """Send what is due, in order. True: nothing is left waiting for central (the sync job's answer)."""
        gateway = self.gateway
        if gateway is None:
            return False
        with self._lock:  # the sync worker and a technician's "sync now" never send one record twice at once
            while True:
                now = self.clock.now()
                batch = self.outbox.due(now, limit=200)  # a run of appeals fills one /appeals/batch call
                if not batch:
                    return True
                if not self._send_batch(gateway, batch, now):
                    return False

    def _send_batch(self, gateway: CentralGateway, batch: list[OutboxRecord], now: datetime) -> bool:
        i = 0
        while i < len(batch):
            record = batch[i]
            if record.kind in BATCHED_KINDS:
                run = [record]
                while i + len(run) < len(batch) and batch[i + len(run)].kind == record.kind:
                    run.append(batch[i + len(run)])
                if not self._send_run(gateway, run, now):
                    return False
                i += len(run)
                continue
            i += 1
            if record.kind == "ticket" and self.tickets.status_of(record.id) == "issuing":
                return False  # still printing: whether it is void is not known yet; keep the order
            needed = depends_on(record)
            if needed is not None and self.outbox.status_of(needed) == "rejected":
                log.error("outbox record %s: the record it needs was refused by central, so is it", record.id)
                self.outbox.mark_rejected(record.id, now, f"{needed} was refused")
                continue
            try:
                deliver(gateway, record.kind, record.payload)
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

    def _send_run(self, gateway: CentralGateway, run: list[OutboxRecord], now: datetime) -> bool:
        """One call for a run of consecutive records of a batched kind; False when central was not reached."""
        try:
            errors = deliver_run(gateway, run[0].kind, [r.payload for r in run])
        except CentralUnavailable as exc:
            log.warning("outbox run of %d %s record(s) deferred: %s", len(run), run[0].kind, exc)
            self.outbox.mark_retry(run[0].id, now, str(exc))
            return False
        except CentralRejected as exc:  # the whole call refused (e.g. a malformed batch): one by one decides
            log.error(
                "central refused a run of %d %s record(s): %s; sending them one by one",
                len(run),
                run[0].kind,
                exc,
            )
            return self._send_one_by_one(gateway, run, now)
        with self.outbox.cache.transaction():  # one commit for the run, not one fsync a record
            for record, error in zip(run, errors, strict=True):
                if error is None:
                    self.outbox.mark_sent(record.id, now)
                else:
                    log.error(
                        "central refused outbox record %s (%s): kept for a technician", record.id, error
                    )
                    self.outbox.mark_rejected(record.id, now, error)
        return True

    def _send_one_by_one(self, gateway: CentralGateway, run: list[OutboxRecord], now: datetime) -> bool:
        for record in run:
            try:
                deliver(gateway, record.kind, record.payload)
            except CentralUnavailable as exc:
                self.outbox.mark_retry(record.id, now, str(exc))
                return False
            except CentralRejected as exc:
                self.outbox.mark_rejected(record.id, now, str(exc))
            else:
                self.outbox.mark_sent(record.id, now)
        return True
