"""Centers, announcements and rates through a cursor: everything first, then only what changed, 304 when nothing did."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import db
from service_common.clock import ManualClock

FEED = "/api/v1/info/changes"


def test_first_everything_then_only_what_changed(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock
) -> None:
    first = client.get(FEED, headers=headers)
    body = first.json()
    assert body["full"] is True
    assert [c["id"] for c in body["centers"]] == ["C01", "C02", "C03"]
    # the same shapes as GET /centers, /announcements and /rates (texts keyed "zh-Hant", not a field name)
    assert body["centers"] == client.get("/api/v1/centers", headers=headers).json()["centers"]
    assert (
        body["announcements"] == client.get("/api/v1/announcements", headers=headers).json()["announcements"]
    )
    assert body["rates"] == client.get("/api/v1/rates", headers=headers).json()
    assert body["rates"]["exchange"]
    assert body["announcements"]
    assert first.headers["ETag"] == f'"{body["cursor"]}"'
    cursor = body["cursor"]
    same = client.get(FEED, params={"cursor": cursor}, headers={**headers, "If-None-Match": f'"{cursor}"'})
    assert same.status_code == 304
    plain = client.get(FEED, params={"cursor": cursor}, headers=headers).json()  # no If-None-Match: a body
    assert (plain["full"], plain["centers"], plain["announcements"], plain["rates"]) == (
        False,
        None,
        None,
        None,
    )

    with db.write_transaction(seeded) as conn:
        conn.execute(
            sa.update(db.exchange_rates).where(db.exchange_rates.c.currency == "USD").values(buy="79.00")
        )
    changed = client.get(FEED, params={"cursor": cursor}, headers={**headers, "If-None-Match": f'"{cursor}"'})
    assert changed.status_code == 200
    step = changed.json()
    assert (step["full"], step["centers"], step["announcements"]) == (False, None, None)
    assert {x["currency"]: x["buy"] for x in step["rates"]["exchange"]}["USD"] == "79.00"
    assert step["cursor"] != cursor

    # An announcement that expires leaves on the next sync, with nothing written at central.
    expiries = [a["expires_at"] for a in body["announcements"] if a["expires_at"]]
    assert expiries
    clock.advance(timedelta(days=400))
    later = client.get(FEED, params={"cursor": step["cursor"]}, headers=headers).json()
    assert later["announcements"] is not None
    assert len(later["announcements"]) < len(body["announcements"])
    assert later["rates"] is None


def test_unknown_center_and_garbage_cursor(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get(FEED, params={"center_id": "NOPE"}, headers=headers).status_code == 404
    assert client.get(FEED, params={"cursor": "x:y.z"}, headers=headers).json()["full"] is True
