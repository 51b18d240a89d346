"""Central's published documents (centers, announcements, rates) kept for offline use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from offline_cache.db import CacheDB


@dataclass(frozen=True)
class Cached:
    body: Any
    fetched_at: datetime


class DocumentCache:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache

    def put(self, key: str, body: Any, fetched_at: datetime) -> None:
        self.cache.db.table("documents").upsert(
            {"key": key, "body": json.dumps(body, ensure_ascii=False), "fetched_at": fetched_at.isoformat()},
            pk="key",
        )

    def get(self, key: str) -> Cached | None:
        row = self.cache.db.execute("SELECT body, fetched_at FROM documents WHERE key = ?", [key]).fetchone()
        if row is None:
            return None
        return Cached(json.loads(row[0]), datetime.fromisoformat(row[1]))
