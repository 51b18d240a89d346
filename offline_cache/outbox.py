"""Records waiting for central: kept until central accepts them, retried with back-off.

Each record's id is generated on the kiosk and sent as the request's idempotency key, so a
retry after a lost answer can never create a second record at central.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from offline_cache.db import CacheDB

MAX_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True)
class OutboxRecord:
    id: str
    kind: str
    payload: dict[str, Any]
    created_at: str
    attempts: int


class Outbox:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def add(self, record_id: str, kind: str, payload: dict[str, Any], now: datetime) -> None:
        """Keep a record for central; the same id twice keeps the first (a retry adds nothing)."""
        self.cache.db.execute(
            "INSERT OR IGNORE INTO outbox (id, kind, payload, created_at, attempts, next_attempt_at, status) "
            "VALUES (?, ?, ?, ?, 0, ?, 'pending')",
            [record_id, kind, json.dumps(payload, ensure_ascii=False), now.isoformat(), now.isoformat()],
        )

    def update_payload(self, record_id: str, payload: dict[str, Any]) -> None:
        self.cache.db.execute(
            "UPDATE outbox SET payload = ? WHERE id = ? AND status = 'pending'",
            [json.dumps(payload, ensure_ascii=False), record_id],
        )

    def due(self, now: datetime, kind: str | None = None, limit: int = 100) -> list[OutboxRecord]:
        """Pending records in the order they were added, up to the first still waiting for its retry.

        Insertion order, not timestamps: a ticket and its check-in share one instant, and central
        must see the ticket first. A record in back-off holds back everything after it.
        """
        sql = "SELECT id, kind, payload, created_at, attempts, next_attempt_at FROM outbox WHERE status = 'pending'"
        params: list[Any] = []
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        sql += " ORDER BY rowid LIMIT ?"
        params.append(limit)
        out: list[OutboxRecord] = []
        for row in self.cache.db.execute(sql, params).fetchall():
            if row[5] and datetime.fromisoformat(row[5]) > now:
                break
            out.append(OutboxRecord(row[0], row[1], json.loads(row[2]), row[3], row[4]))
        return out

    def get(self, record_id: str) -> OutboxRecord | None:
        row = self.cache.db.execute(
            "SELECT id, kind, payload, created_at, attempts FROM outbox WHERE id = ? AND status = 'pending'",
            [record_id],
        ).fetchone()
        return None if row is None else OutboxRecord(row[0], row[1], json.loads(row[2]), row[3], row[4])

    def status_of(self, record_id: str) -> str | None:
        """pending, sent or rejected; None for an id never added."""
        row = self.cache.db.execute("SELECT status FROM outbox WHERE id = ?", [record_id]).fetchone()
        return None if row is None else str(row[0])

    def pending_count(self) -> int:
        return int(
            self.cache.db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        )

    def depth_by_kind(self) -> dict[str, int]:
        rows = self.cache.db.execute(
            "SELECT kind, count(*) FROM outbox WHERE status = 'pending' GROUP BY kind ORDER BY kind"
        ).fetchall()
        return {str(kind): int(n) for kind, n in rows}

    def counts(self) -> dict[str, int]:
        """Records per status: pending, sent, rejected."""
        rows = self.cache.db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
        return {str(status): int(n) for status, n in rows}

    def rejected(self, limit: int = 50) -> list[dict[str, Any]]:
        """Records central refused for good, newest first: what a technician must look at."""
        rows = self.cache.db.execute(
            "SELECT id, kind, created_at, sent_at, last_error FROM outbox WHERE status = 'rejected' "
            "ORDER BY rowid DESC LIMIT ?",
            [limit],
        ).fetchall()
        keys = ("id", "kind", "created_at", "refused_at", "error")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def mark_sent(self, record_id: str, now: datetime) -> None:
        self.cache.db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
            [now.isoformat(), record_id],
        )

    def mark_retry(self, record_id: str, now: datetime, error: str) -> None:
        """Central was unreachable: try again later, backing off up to five minutes."""
        row = self.cache.db.execute("SELECT attempts FROM outbox WHERE id = ?", [record_id]).fetchone()
        attempts = (row[0] if row else 0) + 1
        delay = min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** min(attempts, 10)))
        self.cache.db.execute(
            "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            [attempts, (now + delay).isoformat(), error[:500], record_id],
        )

    def mark_rejected(self, record_id: str, now: datetime, error: str) -> None:
        """Central refused the record for good: keep it, visible to technicians, and stop retrying."""
        self.cache.db.execute(
            "UPDATE outbox SET status = 'rejected', sent_at = ?, last_error = ? WHERE id = ?",
            [now.isoformat(), error[:500], record_id],
        )

    def retry_now(self) -> None:
        """After the link comes back: every pending record is due at once."""
        self.cache.db.execute("UPDATE outbox SET next_attempt_at = '' WHERE status = 'pending'")
