"""Public information (centers and hours, announcements, rates): from central when it answers,
from the offline cache when it does not, so a visitor always gets an answer and is told its age.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Generic, TypeVar

from offline_cache.documents import DocumentCache
from server_sync.errors import CentralError, CentralUnauthorized
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

T = TypeVar("T")


class InfoUnavailable(Exception):
    """Central cannot be reached and nothing was cached yet."""


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    data: T
    fetched_at: datetime
    stale: bool  # True: central did not answer, this is the cached copy


class InfoService:
    def __init__(
        self, gateway: CentralGateway | None, docs: DocumentCache, clock: Clock, center_id: str
    ) -> None:
        self.gateway = gateway
        self.docs = docs
        self.clock = clock
        self.center_id = center_id

    def _fetch(self, key: str, fetch: Callable[[CentralGateway], T]) -> Snapshot[T]:
        if self.gateway is not None:
            try:
                data = fetch(self.gateway)
            except CentralUnauthorized as exc:
                log.error("central refused this kiosk's token (%s): re-enrol the kiosk", exc)
            except CentralError as exc:
                log.warning("%s: using the cached copy (%s)", key, exc)
            else:
                now = self.clock.now()
                self.docs.put(key, data, now)
                return Snapshot(data, now, stale=False)
        cached = self.docs.get(key)
        if cached is None:
            raise InfoUnavailable(key)
        return Snapshot(cached.body, cached.fetched_at, stale=True)

    def cached(self, key: str) -> Any:
        hit = self.docs.get(key)
        return None if hit is None else hit.body

    def centers(self) -> Snapshot[list[dict[str, Any]]]:
        return self._fetch("centers", lambda c: c.centers())

    def announcements(self) -> Snapshot[list[dict[str, Any]]]:
        return self._fetch(f"announcements:{self.center_id}", lambda c: c.announcements(self.center_id))

    def rates(self) -> Snapshot[dict[str, Any]]:
        return self._fetch("rates", lambda c: c.rates())

    def home_center(self) -> dict[str, Any] | None:
        """This kiosk's own center from the cache only: cheap enough for every header redraw."""
        centers = self.cached("centers") or []
        return next((c for c in centers if c.get("id") == self.center_id), None)

    def refresh(self) -> bool:
        """Refresh every document (the sync worker's job); True when all came fresh from central."""
        fresh = True
        for call in (self.centers, self.announcements, self.rates):
            try:
                fresh = not call().stale and fresh
            except InfoUnavailable:
                fresh = False
        return fresh


@dataclass(frozen=True)
class OpeningStatus:
    open_now: bool
    until: time | None  # closing time or start of the break, when open
    next_open: datetime | None  # when closed: the next opening


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _intervals(center: dict[str, Any], weekday: int) -> list[tuple[time, time]]:
    spans: list[tuple[time, time]] = []
    for row in center.get("hours", []):
        if row.get("weekday") != weekday:
            continue
        opens, closes = _hhmm(row["opens"]), _hhmm(row["closes"])
        if row.get("break_start") and row.get("break_end"):
            spans += [(opens, _hhmm(row["break_start"])), (_hhmm(row["break_end"]), closes)]
        else:
            spans.append((opens, closes))
    return sorted(spans)


def opening_status(center: dict[str, Any], now: datetime) -> OpeningStatus:
    """Is the center open at ``now`` (in its own zone), and until when, or when does it open next."""
    for span_open, span_close in _intervals(center, now.weekday()):
        if span_open <= now.time() < span_close:
            return OpeningStatus(True, span_close, None)
    for days in range(0, 8):
        day = (now + timedelta(days=days)).date()
        for span_open, _ in _intervals(center, day.weekday()):
            start = datetime.combine(day, span_open, tzinfo=now.tzinfo)
            if start > now:
                return OpeningStatus(False, None, start)
    return OpeningStatus(False, None, None)
