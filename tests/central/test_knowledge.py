"""The knowledge service: maker/checker through the staff API, the kiosks' cursor feed, ratings, misses, leads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central import cli, seed, staff
from central.app import create_app
from service_common.clock import ManualClock

KB = "/api/v1/staff/knowledge"
FEED = "/api/v1/knowledge/changes"
PASSWORD = "knowledge-pass-1"


def article(title: str = "Как заблокировать карту", **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "body": "Позвоните на горячую линию или заблокируйте карту в приложении.",
        "topic_path": ["Карты", "Блокировка"],
        "keywords": ["блокировка"],
        "synonyms": ["заморозить"],
        "steps": ["Откройте приложение", "Нажмите «Заблокировать»"],
        "related": ["card-reissue-ru"],
        **extra,
    }


@pytest.fixture
def app(seeded: Engine, clock: ManualClock) -> FastAPI:
    for name, role in (("mia", "maintainer"), ("max", "maintainer"), ("rita", "reviewer"), ("ada", "admin")):
        staff.set_account(seeded, name, role, None, PASSWORD, must_change=False, clock=clock)
    return create_app(seeded, clock)


@pytest.fixture
def people(app: FastAPI) -> dict[str, TestClient]:
    clients = {}
    for name in ("mia", "max", "rita", "ada"):
        c = TestClient(app)
        assert c.post("/api/v1/staff/login", json={"username": name, "password": PASSWORD}).status_code == 200
        clients[name] = c
    return clients


@pytest.fixture
def kiosk(app: FastAPI, headers: dict[str, str]) -> TestClient:
    c = TestClient(app)
    c.headers.update(headers)
    return c


def draft(c: TestClient, article_id: str = "card-block-ru", lang: str = "ru", **extra: Any) -> dict[str, Any]:
    r = c.post(f"{KB}/changes", json={"article_id": article_id, "lang": lang, "content": article(**extra)})
    assert r.status_code == 200, r.text
    change: dict[str, Any] = r.json()["change"]
    return change


def publish(people: dict[str, TestClient], article_id: str = "card-block-ru", **extra: Any) -> dict[str, Any]:
    change = draft(people["mia"], article_id, **extra)
    assert people["mia"].post(f"{KB}/changes/{change['id']}/submit").status_code == 200
    r = people["rita"].post(f"{KB}/changes/{change['id']}/approve", json={"comment": "ok"})
    assert r.status_code == 200, r.text
    return change


def test_maker_checker(people: dict[str, TestClient], kiosk: TestClient) -> None:
    mia, max_, rita, ada = people["mia"], people["max"], people["rita"], people["ada"]
    change = draft(mia)
    assert change["state"] == "draft"
    # a reviewer does not write; nothing is published before approval
    assert (
        rita.post(
            f"{KB}/changes", json={"article_id": "x-ru", "lang": "ru", "content": article()}
        ).status_code
        == 403
    )
    assert rita.post(f"{KB}/changes/{change['id']}/approve", json={}).json()["error"] == "not_in_review"
    assert mia.post(f"{KB}/changes/{change['id']}/submit").json()["change"]["state"] == "in_review"
    assert kiosk.get(FEED).json()["articles"] == []
    # the maker cannot check: neither a maintainer nor an admin who wrote into it
    r = mia.post(f"{KB}/changes/{change['id']}/approve", json={"comment": "mine"})
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    r = rita.post(f"{KB}/changes/{change['id']}/reject", json={"comment": ""})
    assert r.json()["error"] == "comment_required"
    r = rita.post(f"{KB}/changes/{change['id']}/reject", json={"comment": "add the hotline number"})
    assert r.json()["change"]["state"] == "rejected"
    edited = max_.put(f"{KB}/changes/{change['id']}", json={"content": article("Блокировка карты")}).json()[
        "change"
    ]
    assert (edited["state"], edited["editors"]) == ("draft", ["mia", "max"])
    assert max_.post(f"{KB}/changes/{change['id']}/submit").status_code == 200
    assert ada.post(f"{KB}/changes/{change['id']}/approve", json={}).json()["change"]["state"] == "published"
    feed = kiosk.get(FEED).json()
    assert [(a["id"], a["title"], a["revision"]) for a in feed["articles"]] == [
        ("card-block-ru", "Блокировка карты", 1)
    ]
    detail = mia.get(f"{KB}/articles/card-block-ru").json()
    actions = [(h["action"], h["actor"]) for h in reversed(detail["history"])]
    assert actions == [
        ("drafted", "mia"), ("submitted", "mia"), ("rejected", "rita"), ("edited", "max"),
        ("submitted", "max"), ("approved", "ada"), ("published", "ada"),
    ]  # fmt: skip
    assert detail["history"][3]["previous"]["title"] == "Как заблокировать карту"  # the text an edit replaced


def test_own_approval_refused_for_a_reviewer_who_edited(people: dict[str, TestClient]) -> None:
    change = draft(people["ada"])  # an admin may write...
    people["ada"].post(f"{KB}/changes/{change['id']}/submit")
    r = people["ada"].post(f"{KB}/changes/{change['id']}/approve", json={})
    assert r.json()["error"] == "own_change"  # ...but not approve what they wrote
    assert people["rita"].post(f"{KB}/changes/{change['id']}/approve", json={}).status_code == 200


def test_one_open_change_per_article_and_one_language(people: dict[str, TestClient]) -> None:
    draft(people["mia"])
    r = people["max"].post(
        f"{KB}/changes", json={"article_id": "card-block-ru", "lang": "ru", "content": article()}
    )
    assert r.json()["error"] == "change_open"


def test_feed_cursor_tombstones_and_etag(people: dict[str, TestClient], kiosk: TestClient) -> None:
    for n in range(5):
        publish(people, f"a{n}-ru", title=f"Статья {n}")
    first = kiosk.get(FEED, params={"limit": 2}).json()
    assert (first["full"], first["more"], len(first["articles"])) == (True, True, 2)
    pages = [first]
    while pages[-1]["more"]:
        pages.append(kiosk.get(FEED, params={"limit": 2, "cursor": pages[-1]["cursor"]}).json())
    assert all(p["full"] for p in pages)
    assert [a["id"] for p in pages for a in p["articles"]] == [f"a{n}-ru" for n in range(5)]
    cursor = pages[-1]["cursor"]
    assert not cursor.endswith(":full")
    # nothing new: 304 for the current cursor sent as If-None-Match
    r = kiosk.get(FEED, params={"cursor": cursor}, headers={"If-None-Match": f'"{cursor}"'})
    assert r.status_code == 304
    # a new text and a reviewed removal
    publish(people, "a1-ru", title="Статья 1, исправленная")
    removal = people["max"].post(f"{KB}/articles/a3-ru/remove", json={"comment": "outdated"}).json()["change"]
    assert removal["state"] == "in_review"
    assert people["max"].post(f"{KB}/changes/{removal['id']}/approve", json={}).status_code == 403
    assert people["rita"].post(f"{KB}/changes/{removal['id']}/approve", json={}).status_code == 200
    r = kiosk.get(FEED, params={"cursor": cursor}, headers={"If-None-Match": f'"{cursor}"'})
    page = r.json()
    assert r.status_code == 200
    assert r.headers["ETag"] == f'"{page["cursor"]}"'
    assert (page["full"], page["more"]) == (False, False)
    assert [(a["id"], a["revision"]) for a in page["articles"]] == [("a1-ru", 2)]
    assert page["removed"] == [{"id": "a3-ru", "lang": "ru", "revision": 2}]
    # an unknown cursor (another central, a restored backup): a full listing without tombstones
    for unknown in ("0123:1", "garbage", f"{cursor.split(':')[0]}:999"):
        again = kiosk.get(FEED, params={"cursor": unknown}).json()
        assert again["full"]
        assert again["removed"] == []
        assert sorted(a["id"] for a in again["articles"]) == ["a0-ru", "a1-ru", "a2-ru", "a4-ru"]


def test_ratings_misses_leads_are_idempotent(
    people: dict[str, TestClient], kiosk: TestClient, clock: ManualClock
) -> None:
    publish(people)
    at = clock.now().isoformat()
    for helpful in (True, True, False):
        body = {"id": f"rating-{helpful}-{at}"[:64].replace(":", "-").replace("+", "-").replace(".", "-"),
                "article_id": "card-block-ru", "lang": "ru", "helpful": helpful, "at": at}  # fmt: skip
        first = kiosk.post("/api/v1/knowledge/ratings", json=body).json()
        again = kiosk.post("/api/v1/knowledge/ratings", json=body).json()
        assert (first["duplicate"], again["duplicate"]) == (False, True) or helpful
    miss = {
        "id": "miss-0001-abcdef",
        "query": "карта 4111 1111 1111 1111 не работает",
        "lang": "ru",
        "at": at,
    }
    assert kiosk.post("/api/v1/knowledge/misses", json=miss).json() == {"id": miss["id"], "duplicate": False}
    assert kiosk.post("/api/v1/knowledge/misses", json=miss).json()["duplicate"] is True
    for n, query in enumerate(["Ипотека для IT", "ипотека  для it"]):
        kiosk.post("/api/v1/knowledge/misses", json={**miss, "id": f"miss-100{n}-abcdef", "query": query})
    lead = {"id": "lead-0001-abcdef", "article_id": "promo-ru", "lang": "ru", "name": "Анна", "phone": "+7 912 345-67-89",
            "consent": False, "at": at}  # fmt: skip
    assert kiosk.post("/api/v1/leads", json=lead).json()["error"] == "consent_required"
    assert kiosk.post("/api/v1/leads", json={**lead, "consent": True}).json()["duplicate"] is False
    report = people["rita"].get(f"{KB}/reports", params={"from": "2026-11-23", "to": "2026-11-29"}).json()
    assert report["helpfulness"] == [
        {"article_id": "card-block-ru", "lang": "ru", "title": "Как заблокировать карту", "helpful": 1,
         "not_helpful": 1, "share_helpful": 0.5}
    ]  # fmt: skip
    assert [(m["week"], m["query"], m["count"]) for m in report["misses"]] == [
        ("2026-W48", "Ипотека для IT", 2),
        ("2026-W48", "карта 411111******1111 не работает", 1),
    ]
    assert people["rita"].get(f"{KB}/reports", params={"from": "2026-11-30"}).json()["misses"] == []


def test_staff_list_filters(people: dict[str, TestClient]) -> None:
    publish(people)
    draft(people["mia"], "loan-en", "en", title="Loans")
    rows = people["rita"].get(f"{KB}/articles").json()["articles"]
    assert [(r["id"], r["state"]) for r in rows] == [("card-block-ru", "published"), ("loan-en", "draft")]
    only = people["rita"].get(f"{KB}/articles", params={"lang": "en", "state": "draft"}).json()["articles"]
    assert [r["id"] for r in only] == ["loan-en"]
    for q in ("заблок", "ЗАБЛОК", "CARD-BLOCK"):  # any case, Cyrillic too
        found = people["rita"].get(f"{KB}/articles", params={"q": q}).json()["articles"]
        assert [r["id"] for r in found] == ["card-block-ru"]


def test_seed_publishes_the_demo_corpus_once(seeded: Engine, clock: ManualClock, kiosk: TestClient) -> None:
    count = seed.seed_knowledge(seeded, clock)
    assert count >= 100
    for username, _role in seed.KB_DEMO_STAFF:  # the demo's maker and checker
        assert staff.password_matches(seeded, username, seed.DEMO_PASSWORD)
    page = kiosk.get(FEED, params={"limit": 1000}).json()
    assert len(page["articles"]) == count
    clock.advance(timedelta(hours=1))
    seed.seed_knowledge(seeded, clock)
    again = kiosk.get(FEED, params={"cursor": page["cursor"]}).json()
    assert again["articles"] == []
    assert again["cursor"] == page["cursor"]


def test_cli_misses_report(
    kiosk: TestClient, clock: ManualClock, seeded: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, (query, lang) in enumerate([("ипотека", "ru"), ("Ипотека", "ru"), ("房貸", "zh-Hant")]):
        body = {"id": f"miss-{n:04d}-abcdef", "query": query, "lang": lang, "at": clock.now().isoformat()}
        assert kiosk.post("/api/v1/knowledge/misses", json=body).status_code == 200
    clock.advance(timedelta(days=7))
    body = {"id": "miss-9999-abcdef", "query": "вклад", "lang": "ru", "at": clock.now().isoformat()}
    kiosk.post("/api/v1/knowledge/misses", json=body)
    db_arg = seeded.url.render_as_string(hide_password=False)  # a SQLite file or a PostgreSQL URL
    args = ["kb", "misses", "--db", db_arg, "--from", "2026-11-23", "--to", "2026-11-29"]
    assert cli.main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["week"], r["lang"], r["query"], r["count"]) for r in rows] == [
        ("2026-W48", "ru", "ипотека", 2),
        ("2026-W48", "zh-Hant", "房貸", 1),
    ]
    assert cli.main(args[:4]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["WEEK", "LANG", "COUNT", "QUERY"]
    assert table[-1].split() == ["2026-W49", "ru", "1", "вклад"]
    assert cli.main([*args[:4], "--from", "yesterday"]) == 2
    lead = {"id": "lead-0001-abcdef", "article_id": "promo-ru", "lang": "ru", "name": "Анна",
            "phone": "+7 912 345-67-89", "consent": True, "at": clock.now().isoformat()}  # fmt: skip
    assert kiosk.post("/api/v1/leads", json=lead).status_code == 200
    capsys.readouterr()
    assert cli.main(["kb", "leads", "--db", db_arg, "--json"]) == 0
    leads = json.loads(capsys.readouterr().out)
    assert [(x["id"], x["name"], x["phone"], x["kiosk_id"]) for x in leads] == [
        ("lead-0001-abcdef", "Анна", "+7 912 345-67-89", "KIOSK-T1")
    ]


def test_page_is_public_and_the_api_needs_a_staff_session(app: FastAPI, headers: dict[str, str]) -> None:
    anonymous = TestClient(app)
    page = anonymous.get("/staff/knowledge")
    assert page.status_code == 200
    assert '<script src="/static/knowledge.js"></script>' in page.text
    assert anonymous.get(f"{KB}/articles", headers=headers).status_code == 401  # a kiosk token is not enough
    assert anonymous.get(FEED).status_code == 401


def test_leads_are_erased_after_thirty_days(app: FastAPI, kiosk: TestClient, clock: ManualClock) -> None:
    lead = {"id": "lead-0002-abcdef", "article_id": "promo-ru", "lang": "ru", "name": "Борис",
            "phone": "+7 912 000-00-00", "consent": True, "at": clock.now().isoformat()}  # fmt: skip
    assert kiosk.post("/api/v1/leads", json=lead).status_code == 200
    clock.advance(timedelta(days=29))
    assert app.state.sweeper.run_once().tasks.get("knowledge leads erased", 0) == 0
    clock.advance(timedelta(days=2))
    assert app.state.sweeper.run_once().tasks["knowledge leads erased"] == 1
