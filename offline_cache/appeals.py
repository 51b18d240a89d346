"""Appeals filed at this kiosk: the per-day registration counter and each appeal as the visitor has it.

The number, the local row and the outbox record are written in one transaction
(:meth:`AppealStore.register`), so a ``kill -9`` leaves either a numbered appeal that will reach
central or nothing at all: never a number on paper that central will not receive, never a
number used twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlite_utils

from offline_cache.db import CacheDB
from offline_cache.outbox import Outbox

OUTBOX_KIND = "appeal"
SERIAL_DOC = "kiosk:serial"


def create_tables(db: sqlite_utils.Database) -> None:
    db.table("appeal_days").create({"day": str, "last_seq": int}, pk="day", not_null={"last_seq"})
    db.table("appeals").create(
        {
            "id": str,  # kiosk-made, the idempotency key at central and the outbox record's id
            "number": str,
            "kind": str,
            "filed_at": str,
            "deadline": str,
            "phone_last4": str,  # the proof a visitor gives for the status, offline too
            "email": str,  # lower-cased, same purpose
            "body": str,  # the POST body as sent
        },
        pk="id",
        not_null={"number", "kind", "filed_at", "body"},
    )
    db.table("appeals").create_index(["number"], unique=True)


@dataclass(frozen=True)
class LocalAppeal:
    id: str
    number: str
    kind: str
    filed_at: datetime
    deadline: date | None
    body: dict[str, Any]
    sync: str  # the outbox record's state: pending, sent or rejected


class AppealStore:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache
        self.outbox = Outbox(cache)

    def register(self, day: date, build: Callable[[int], dict[str, Any]], now: datetime) -> dict[str, Any]:
        """Take the day's next sequence number, keep the appeal and queue it for central, atomically.

        ``build(seq)`` makes the POST body (with ``id`` and ``number``) from the sequence number.
        """
        with self.cache.transaction() as db:
            db.execute(
                "INSERT INTO appeal_days (day, last_seq) VALUES (?, 1) "
                "ON CONFLICT(day) DO UPDATE SET last_seq = last_seq + 1",
                [day.isoformat()],
            )
            seq = int(
                db.execute("SELECT last_seq FROM appeal_days WHERE day = ?", [day.isoformat()]).fetchone()[0]
            )
            body = build(seq)
            phone = "".join(ch for ch in (body.get("phone") or "") if ch.isdigit())
            db.execute(
                "INSERT INTO appeals (id, number, kind, filed_at, deadline, phone_last4, email, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [body["id"], body["number"], body["kind"], body["filed_at"], body.get("deadline"),
                 phone[-4:] or None, (body.get("email") or "").lower() or None,
                 json.dumps(body, ensure_ascii=False)],
            )  # fmt: skip
            self.outbox.add(body["id"], OUTBOX_KIND, body, now)
        return body

    def find(self, number: str) -> LocalAppeal | None:
        row = self.cache.db.execute(
            "SELECT a.id, a.number, a.kind, a.filed_at, a.deadline, a.body, o.status FROM appeals a "
            "LEFT JOIN outbox o ON o.id = a.id WHERE a.number = ?",
            [number],
        ).fetchone()
        if row is None:
            return None
        return LocalAppeal(
            id=row[0],
            number=row[1],
            kind=row[2],
            filed_at=datetime.fromisoformat(row[3]),
            deadline=date.fromisoformat(row[4]) if row[4] else None,
            body=json.loads(row[5]),
            sync=str(row[6] or "sent"),
        )

    def proof_matches(self, number: str, phone_last4: str | None, email: str | None) -> bool:
        row = self.cache.db.execute(
            "SELECT phone_last4, email FROM appeals WHERE number = ?", [number]
        ).fetchone()
        if row is None:
            return False
        if phone_last4:
            return row[0] is not None and row[0] == phone_last4
        return email is not None and row[1] is not None and row[1] == email.strip().lower()

    def count_today(self, day: date) -> int:
        row = self.cache.db.execute(
            "SELECT last_seq FROM appeal_days WHERE day = ?", [day.isoformat()]
        ).fetchone()
        return 0 if row is None else int(row[0])
