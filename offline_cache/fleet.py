"""The fleet's records on the kiosk: the paper meter, settings kept by the fleet (configuration
version), and the commands central sent. Technicians and their audit are in
:mod:`offline_cache.technicians`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from offline_cache.db import CacheDB
from offline_cache.outbox import Outbox

RESULT_KIND = "command_result"


def create_tables(db: sqlite_utils.Database) -> None:
    db.table("paper_meter").create(
        {"id": int, "printed_mm": float, "jobs": int, "replaced_at": str, "replaced_by": str},
        pk="id",
        not_null={"printed_mm", "jobs"},
    )
    db.table("fleet_settings").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.table("technicians").create(
        {"name": str, "pin_hash": str, "salt": str, "created_at": str},
        pk="name",
        not_null={"pin_hash", "salt"},
    )
    db.table("technician_failures").create({"at": str}, not_null={"at"})
    db.table("technician_audit").create(
        {"id": str, "at": str, "who": str, "action": str, "result": str, "detail": str},
        pk="id",
        not_null={"at", "who", "action", "result"},
    )
    db.table("fleet_commands").create(
        {
            "id": str,  # central's id: a command pulled twice is run once
            "kind": str,
            "params": str,
            "expires_at": str,
            "received_at": str,
            "status": str,  # received | done | failed | expired
            "result": str,
            "finished_at": str,
        },
        pk="id",
        not_null={"kind", "params", "received_at", "status"},
    )


@dataclass(frozen=True)
class PaperMeter:
    printed_mm: float
    jobs: int
    replaced_at: str | None


class FleetStore:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    # ----- the paper meter -----
    def add_printed(self, mm: float) -> None:
        self.cache.db.execute(
            "INSERT INTO paper_meter (id, printed_mm, jobs) VALUES (1, ?, 1) "
            "ON CONFLICT(id) DO UPDATE SET printed_mm = printed_mm + excluded.printed_mm, jobs = jobs + 1",
            [mm],
        )

    def roll_replaced(self, at: datetime, by: str) -> None:
        self.cache.db.execute(
            "INSERT INTO paper_meter (id, printed_mm, jobs, replaced_at, replaced_by) VALUES (1, 0, 0, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET printed_mm = 0, jobs = 0, replaced_at = excluded.replaced_at, "
            "replaced_by = excluded.replaced_by",
            [at.isoformat(), by],
        )

    def meter(self) -> PaperMeter:
        row = self.cache.db.execute(
            "SELECT printed_mm, jobs, replaced_at FROM paper_meter WHERE id = 1"
        ).fetchone()
        if row is None:
            return PaperMeter(0.0, 0, None)
        return PaperMeter(float(row[0]), int(row[1]), row[2])

    # ----- settings -----
    def get(self, key: str, default: str = "") -> str:
        row = self.cache.db.execute("SELECT value FROM fleet_settings WHERE key = ?", [key]).fetchone()
        return default if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        self.cache.db.execute(
            "INSERT INTO fleet_settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # ----- commands from central -----
    def command_known(self, command_id: str) -> bool:
        row = self.cache.db.execute("SELECT 1 FROM fleet_commands WHERE id = ?", [command_id]).fetchone()
        return row is not None

    def command_received(
        self, command_id: str, kind: str, params: dict[str, Any], expires_at: str, at: datetime
    ) -> bool:
        """Note a command; False when it was already known (pulled twice: run once)."""
        cursor = self.cache.db.execute(
            "INSERT OR IGNORE INTO fleet_commands (id, kind, params, expires_at, received_at, status) "
            "VALUES (?, ?, ?, ?, ?, 'received')",
            [command_id, kind, json.dumps(params), expires_at, at.isoformat()],
        )
        return bool(cursor.rowcount)

    def command_finished(self, command_id: str, status: str, result: dict[str, Any], at: datetime) -> None:
        self.cache.db.execute(
            "UPDATE fleet_commands SET status = ?, result = ?, finished_at = ? WHERE id = ?",
            [status, json.dumps(result, ensure_ascii=False), at.isoformat(), command_id],
        )

    def command_done(self, command_id: str, ok: bool, result: dict[str, Any], at: datetime) -> None:
        """The command's end and the duty to report it to central, in one transaction: a report that
        fails is sent again by the outbox, never lost."""
        with self.cache.transaction():
            self.command_finished(command_id, "done" if ok else "failed", result, at)
            Outbox(self.cache).add(
                f"result-{command_id}", RESULT_KIND, {"id": command_id, "ok": ok, "result": result}, at
            )

    def result_reported(self, command_id: str, at: datetime) -> None:
        """Central took the report at once: nothing left for the outbox."""
        Outbox(self.cache).mark_sent(f"result-{command_id}", at)

    def commands(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.cache.db.execute(
            "SELECT id, kind, status, received_at, finished_at, result FROM fleet_commands "
            "ORDER BY received_at DESC LIMIT ?",
            [limit],
        ).fetchall()
        keys = ("id", "kind", "status", "received_at", "finished_at", "result")
        return [dict(zip(keys, row, strict=True)) for row in rows]
