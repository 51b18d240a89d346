"""The public pages: the visitor's ticket page behind a signed link, the board and console HTML."""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from central.api.pages import choose_language
from central.app import create_app
from service_common.clock import ManualClock

from .queue_helpers import act, new_ticket, open_counter, sign_in


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_ticket_page_in_three_languages(client: TestClient, headers: dict[str, str]) -> None:
    new_ticket(client, headers)
    ticket = new_ticket(client, headers)
    url = local(ticket["status_url"])
    ru = client.get(url)
    assert ru.status_code == 200
    assert ru.headers["content-type"].startswith("text/html")
    assert ru.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in ru.headers["content-security-policy"]
    assert 'http-equiv="refresh"' in ru.text
    assert "A002" in ru.text
    assert "Перед вами: 1" in ru.text
    assert "Примерное ожидание: 5 мин" in ru.text
    zh = client.get(url, headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-Hant">' in zh.text
    assert "前方等候人數：1" in zh.text
    en = client.get(url + "&lang=en", headers={"Accept-Language": "ru"})
    assert "People ahead of you: 1" in en.text
    assert "Cards and accounts" in en.text


def test_ticket_page_says_where_to_go_when_called(client: TestClient, headers: dict[str, str]) -> None:
    ticket = new_ticket(client, headers)
    sign_in(client)
    open_counter(client, "C01-2", ["C01-A"])
    act(client, "call-next", "C01-2")
    page = client.get(local(ticket["status_url"]) + "&lang=en")
    assert "Please go to counter 2" in page.text
    assert 'class="card called"' in page.text
    zh = client.get(local(ticket["status_url"]) + "&lang=zh-Hant")
    assert "請至 2 號櫃檯" in zh.text


def test_a_wrong_signature_looks_like_no_ticket(client: TestClient, headers: dict[str, str]) -> None:
    ticket = new_ticket(client, headers)
    good = client.get(local(ticket["status_url"]))
    assert good.status_code == 200
    for url in (
        f"/t/{ticket['id']}",
        f"/t/{ticket['id']}?s=AAAAAAAAAAAAAAAAAAAAAA",
        f"/t/{'0' * 32}?s=AAAAAAAAAAAAAAAAAAAAAA",
    ):
        response = client.get(url + "&lang=en" if "?" in url else url + "?lang=en")
        assert response.status_code == 404
        assert "Ticket not found" in response.text


def test_the_signing_key_survives_a_restart(
    seeded: Engine, clock: ManualClock, headers: dict[str, str]
) -> None:
    with TestClient(create_app(seeded, clock)) as first:
        ticket = new_ticket(first, headers)
    with TestClient(create_app(seeded, clock, public_url="https://queue.example.bank/")) as second:
        assert second.get(local(ticket["status_url"])).status_code == 200
        later = new_ticket(second, headers)
    assert later["status_url"].startswith("https://queue.example.bank/t/")


def test_yesterdays_ticket_page_says_so(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    ticket = new_ticket(client, headers)
    clock.advance(timedelta(days=1))
    page = client.get(local(ticket["status_url"]) + "&lang=en")
    assert "was issued on 2026-11-23 and is no longer valid" in page.text


@pytest.mark.parametrize(
    ("explicit", "header", "chosen"),
    [
        ("en", "zh-TW", "en"),
        (None, "zh-CN,zh;q=0.9", "zh-Hant"),
        (None, "de-DE,de;q=0.9,en;q=0.8,ru;q=0.7", "en"),
        (None, "en;q=0.5,ru;q=0.9", "ru"),
        (None, None, "ru"),
        ("xx", "fr", "ru"),
    ],
)
def test_language_choice(explicit: str | None, header: str | None, chosen: str) -> None:
    assert choose_language(explicit, header) == chosen


def test_board_and_console_pages(client: TestClient) -> None:
    board = client.get("/board/C01")
    assert board.status_code == 200
    assert '<script src="/static/board.js"></script>' in board.text
    assert "Reconnecting" in board.text
    assert client.get("/board/C99").status_code == 404
    console = client.get("/counter")
    assert console.status_code == 200
    assert '<script src="/static/counter.js"></script>' in console.text
    for asset in (
        "board.js",
        "board.css",
        "counter.js",
        "counter.css",
        "ticket.css",
        "staff.js",
        "appointments.js",
    ):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset
    assert "http" not in client.get("/static/board.js").text.replace("HTTP ", "")  # no CDN, no remote calls


def test_board_feed_is_public_and_small(
    client: TestClient, headers: dict[str, str], clock: ManualClock
) -> None:
    empty = client.get("/api/v1/board/C01")
    assert empty.status_code == 200
    assert empty.json()["calls"] == []
    assert empty.json()["timezone"] == "Europe/Moscow"
    sign_in(client)
    open_counter(client)
    for _ in range(10):
        new_ticket(client, headers)
    for _ in range(10):
        act(client, "call-next")
        clock.advance(timedelta(seconds=20))
        act(client, "finish")
    board = client.get("/api/v1/board/C01").json()
    assert len(board["calls"]) == 8  # [queue] board_calls
    assert board["calls"][0]["display"] == "A010"
    assert board["time"] == clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get("/api/v1/board/C99").status_code == 404
