"""The kiosk's offline stores on a real SQLite file: leases, outbox, staff PINs."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.services.staff import StaffDirectory, StaffError, StaffLocked
from offline_cache.db import CacheDB
from offline_cache.leases import LeaseStore
from offline_cache.outbox import Outbox
from service_common.clock import ManualClock

TODAY = date(2026, 12, 1)


@pytest.fixture
def cache(tmp_path: Path) -> CacheDB:
    return CacheDB(tmp_path / "kiosk.db")


def lease(first: int, last: int, lease_id: str = "L1") -> dict[str, object]:
    return {
        "id": lease_id,
        "service_id": "C01-A",
        "prefix": "A",
        "business_date": TODAY.isoformat(),
        "first": first,
        "last": last,
        "expires_at": "2026-12-01T21:00:00Z",
    }


def test_lease_numbers_are_unique_across_threads(cache: CacheDB) -> None:
    store = LeaseStore(cache)
    store.add(lease(1, 50))
    store.add(lease(101, 150, "L2"))
    taken: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(30):
            got = store.take("C01-A", TODAY)
            if got is not None:
                with lock:
                    taken.append(got.number)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 100
    assert len(set(taken)) == 100
    assert set(taken) == set(range(1, 51)) | set(range(101, 151))
    assert store.take("C01-A", TODAY) is None
    assert store.remaining("C01-A", TODAY) == 0


def test_yesterdays_lease_is_not_used(cache: CacheDB) -> None:
    store = LeaseStore(cache)
    store.add(lease(1, 10))
    assert store.take("C01-A", TODAY + timedelta(days=1)) is None
    store.drop_before(TODAY + timedelta(days=1))
    assert store.remaining("C01-A", TODAY) == 0
    first = LeaseStore(cache)
    first.add(lease(7, 9, "L3"))
    got = first.take("C01-A", TODAY)
    assert got is not None
    assert got.display == "A007"


def test_outbox_order_backoff_and_rejection(cache: CacheDB) -> None:
    box = Outbox(cache)
    now = datetime(2026, 12, 1, 10, 0)
    box.add("a", "ticket", {"n": 1}, now)
    box.add("b", "checkin", {"n": 2}, now)  # the same instant: insertion order decides
    box.add("a", "ticket", {"n": 99}, now)  # the same id again is ignored
    assert [r.id for r in box.due(now + timedelta(seconds=2))] == ["a", "b"]
    assert box.due(now + timedelta(seconds=2))[0].payload == {"n": 1}
    box.mark_retry("a", now, "central unreachable")
    assert box.due(now + timedelta(seconds=2)) == []  # "a" waits, and holds back what came after
    assert box.get("a") is not None
    assert box.get("zzz") is None
    assert [r.id for r in box.due(now + timedelta(seconds=11))] == ["a", "b"]
    box.mark_sent("b", now)
    box.mark_rejected("a", now, "HTTP 409 lease_conflict")
    assert box.due(now + timedelta(days=1)) == []
    assert box.pending_count() == 0


def test_staff_pin_is_hashed_and_locks_after_failures(cache: CacheDB) -> None:
    clock = ManualClock(datetime(2026, 12, 1, 10, 0), "Europe/Moscow")
    staff = StaffDirectory(cache, clock)
    with pytest.raises(StaffError):
        staff.add("anna", "1234")
    with pytest.raises(StaffError):
        staff.add("anna", "12a4")
    staff.add("anna", "2580")
    staff.add("boris", "7391")
    stored = cache.db.execute("SELECT pin_hash, salt FROM staff").fetchall()
    assert all("2580" not in h and "7391" not in h for h, _ in stored)
    assert staff.sign_in("7391") is not None
    assert staff.sign_in("7391").name == "boris"  # type: ignore[union-attr]
    for _ in range(4):
        assert staff.sign_in("0000") is None
    with pytest.raises(StaffLocked):
        staff.sign_in("0001")
    with pytest.raises(StaffLocked):
        staff.sign_in("2580")  # even the right PIN waits out the lock
    clock.advance(timedelta(minutes=5, seconds=1))
    member = staff.sign_in("2580")
    assert member is not None
    assert member.name == "anna"
