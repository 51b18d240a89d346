"""Every /api/v1 call needs a live kiosk token; /health needs none."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import auth, db, kiosks
from central.auth import LAST_SEEN_RESOLUTION
from central.tokens import hash_token
from service_common.clock import ManualClock

from .conftest import bearer

API_PATHS = [
    "/api/v1/kiosk/me",
    "/api/v1/centers",
    "/api/v1/centers/C01",
    "/api/v1/announcements",
    "/api/v1/rates",
]


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert set(response.json()) == {"error", "message"}
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", API_PATHS)
def test_missing_token(client: TestClient, path: str) -> None:
    assert_unauthorized(client.get(path))


@pytest.mark.parametrize(
    "header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "not even a scheme", "Bearer"]
)
def test_bad_token(client: TestClient, header: str) -> None:
    assert_unauthorized(client.get("/api/v1/centers", headers={"Authorization": header}))


def test_good_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/kiosk/me", headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "kiosk_id": "KIOSK-T1",
        "center_id": "C01",
        "serial": 1,
        "appeal_status_url": "http://127.0.0.1:8470/appeals/status",
    }


def test_revoked_token(
    client: TestClient, seeded: Engine, clock: ManualClock, headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/rates", headers=headers).status_code == 200
    assert kiosks.revoke(seeded, "KIOSK-T1", clock) is True
    assert kiosks.revoke(seeded, "KIOSK-T1", clock) is False
    assert_unauthorized(client.get("/api/v1/rates", headers=headers))


def test_a_revocation_by_another_process_takes_effect_within_the_token_cache_time(
    client: TestClient, seeded: Engine, clock: ManualClock, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/api/v1/rates", headers=headers).status_code == 200
    k = db.kiosks
    with db.write_transaction(seeded) as conn:  # as `kiosk-central kiosks revoke` does from its own process
        conn.execute(sa.update(k).where(k.c.id == "KIOSK-T1").values(revoked_at=clock.now()))
    assert client.get("/api/v1/rates", headers=headers).status_code == 200  # trusted a moment longer
    later = auth.monotonic() + auth.TOKEN_CACHE_S
    monkeypatch.setattr(auth, "monotonic", lambda: later)  # the cache's clock only, not the event loops'
    assert_unauthorized(client.get("/api/v1/rates", headers=headers))


def test_adding_again_rotates_the_token_and_lifts_a_revocation(
    client: TestClient, seeded: Engine, clock: ManualClock, token: str
) -> None:
    kiosks.revoke(seeded, "KIOSK-T1", clock)
    new = kiosks.add(seeded, "KIOSK-T1", "C02", clock)
    assert new != token
    assert_unauthorized(client.get("/api/v1/kiosk/me", headers=bearer(token)))
    me = client.get("/api/v1/kiosk/me", headers=bearer(new))
    assert me.json()["center_id"] == "C02"
    assert me.json()["serial"] == 1  # re-provisioning keeps the serial: printed numbers stay unique
    assert len(kiosks.list_all(seeded)) == 1


def test_each_new_kiosk_gets_the_next_serial(seeded: Engine, clock: ManualClock, token: str) -> None:
    kiosks.add(seeded, "KIOSK-T2", "C02", clock)
    kiosks.add(seeded, "KIOSK-T1", "C01", clock)
    with seeded.connect() as conn:
        rows = conn.execute(sa.select(db.kiosks.c.id, db.kiosks.c.serial).order_by(db.kiosks.c.id)).all()
    assert [tuple(r) for r in rows] == [("KIOSK-T1", 1), ("KIOSK-T2", 2)]


def test_only_the_hash_is_stored(seeded: Engine, token: str) -> None:
    with seeded.connect() as conn:
        stored = conn.execute(sa.select(db.kiosks.c.token_hash)).scalar_one()
    assert stored == hash_token(token) != token
    assert len(stored) == 64
    assert len(token) >= 43  # 32 random bytes, URL-safe base64


def test_unknown_center_is_refused(seeded: Engine, clock: ManualClock) -> None:
    with pytest.raises(kiosks.KioskAdminError, match="unknown center"):
        kiosks.add(seeded, "KIOSK-X", "C99", clock)
    with pytest.raises(kiosks.KioskAdminError, match="bad kiosk id"):
        kiosks.add(seeded, "bad id!", "C01", clock)


def test_last_seen_is_written_at_most_once_per_resolution(
    client: TestClient, seeded: Engine, clock: ManualClock, headers: dict[str, str]
) -> None:
    def last_seen() -> object:
        return kiosks.list_all(seeded)[0].last_seen_at

    assert last_seen() is None
    client.get("/api/v1/kiosk/me", headers=headers)
    first = last_seen()
    assert first == clock.now()
    clock.advance(LAST_SEEN_RESOLUTION / 2)
    client.get("/api/v1/kiosk/me", headers=headers)
    assert last_seen() == first
    clock.advance(LAST_SEEN_RESOLUTION)
    client.get("/api/v1/kiosk/me", headers=headers)
    assert last_seen() == clock.now()
    clock.advance(-timedelta(hours=1))  # the clock was corrected backwards
    client.get("/api/v1/kiosk/me", headers=headers)
    assert last_seen() == clock.now()


def test_health_needs_no_token(client: TestClient, clock: ManualClock) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "ok", "version": "0.1.0", "db": "ok", "time": "2026-11-23T07:00:00Z"}
