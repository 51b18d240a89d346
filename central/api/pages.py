"""Web pages: the visitor's ticket page (/t/...), the hall board (/board/...), the counter console (/counter).

Static HTML, CSS and JavaScript from ``central/static`` (no CDN, no build step); the ticket
page is rendered here because a phone scanning the QR code should get its answer in one
request. Pages send a strict Content-Security-Policy (scripts and styles from this server
only) and ``Referrer-Policy: no-referrer`` so the ticket link's signature does not leak.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape
from pathlib import Path as FsPath
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import HTMLResponse

from central import db
from central.context import Ctx
from central.queue import engine as rules
from central.queue import store
from central.queue.schemas import Ticket
from service_common.i18n import is_next, shown_wait

STATIC_DIR = FsPath(__file__).resolve().parent.parent / "static"
LANGS = ("ru", "zh-Hant", "en")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=8)
def _static_page(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=HEADERS)


@router.get("/board/{center_id}", response_class=HTMLResponse)
async def board_page(ctx: Ctx, center_id: Annotated[str, Path(max_length=16)]) -> HTMLResponse:
    """The hall TV (1920x1080): the page polls /api/v1/board/{center_id} twice a second."""
    c = db.centers
    with ctx.engine.connect() as conn:
        known = conn.execute(sa.select(c.c.id).where(c.c.id == center_id)).first() is not None
    if not known:
        return _page(_message("Not found", f"No center {center_id}."), 404)
    return _page(_static_page("board.html"))


@router.get("/counter", response_class=HTMLResponse)
async def counter_page() -> HTMLResponse:
    """The staff console; everything after sign-in happens through /api/v1/staff and /api/v1/counters."""
    return _page(_static_page("counter.html"))


# ----- the visitor's ticket page -----

TEXT: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Ваш талон",
        "ahead": "Перед вами: {n}",
        "next": "Вы следующий",
        "wait": "Примерное ожидание: {m} мин",
        "called": "Пройдите к окну {counter}",
        "serving": "Вас обслуживают у окна {counter}",
        "done": "Обслуживание завершено. Спасибо!",
        "no_show": "Вы не подошли по вызову. Обратитесь к администратору.",
        "parked": "Талон отложен у окна {counter}. Ожидайте повторного вызова.",
        "void": "Талон недействителен.",
        "old": "Талон выдан {date} и больше не действует.",
        "refresh": "Страница обновляется автоматически.",
        "missing": "Талон не найден",
        "missing_body": "Проверьте ссылку или QR-код на талоне.",
    },
    "zh-Hant": {
        "title": "您的號碼牌",
        "ahead": "前方等候人數：{n}",
        "next": "下一位就是您",
        "wait": "預估等候時間：約 {m} 分鐘",
        "called": "請至 {counter} 號櫃檯",
        "serving": "{counter} 號櫃檯正在為您服務",
        "done": "服務已完成，謝謝您！",
        "no_show": "叫號時您未到場，請洽服務人員。",
        "parked": "您的號碼牌暫停於 {counter} 號櫃檯，請等候再次叫號。",
        "void": "此號碼牌已作廢。",
        "old": "此號碼牌於 {date} 發出，已失效。",
        "refresh": "本頁面會自動更新。",
        "missing": "查無此號碼牌",
        "missing_body": "請確認號碼牌上的連結或 QR 碼。",
    },
    "en": {
        "title": "Your ticket",
        "ahead": "People ahead of you: {n}",
        "next": "You are next",
        "wait": "Estimated wait: about {m} min",
        "called": "Please go to counter {counter}",
        "serving": "You are being served at counter {counter}",
        "done": "Your visit is complete. Thank you!",
        "no_show": "You missed your call. Please ask a member of staff.",
        "parked": "Your ticket is on hold at counter {counter}. Please wait to be called again.",
        "void": "This ticket is void.",
        "old": "This ticket was issued on {date} and is no longer valid.",
        "refresh": "This page updates itself.",
        "missing": "Ticket not found",
        "missing_body": "Please check the link or the QR code on your ticket.",
    },
}
REFRESH_SECONDS = 10


def choose_language(explicit: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the browser's Accept-Language (any Chinese gets zh-Hant), else Russian."""
    if explicit in LANGS:
        return explicit
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-Hant"
        if tag.startswith("ru"):
            return "ru"
        if tag.startswith("en"):
            return "en"
    return "ru"


def _message(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/static/ticket.css"></head>'
        f'<body><main class="card"><h1>{escape(title)}</h1><p>{escape(body)}</p></main></body></html>'
    )


def _status_line(ticket: Ticket, text: dict[str, str], today: bool) -> tuple[str, str]:
    """The headline and the detail line for the ticket's state."""
    if not today and ticket.status in ("waiting", "called", "parked"):
        return text["old"].format(date=ticket.business_date.isoformat()), ""
    counter = ticket.counter or ""
    if ticket.status == "waiting":
        head = text["next"] if is_next(ticket.people_ahead) else text["ahead"].format(n=ticket.people_ahead)
        wait = shown_wait(ticket.people_ahead, ticket.estimated_wait_min)  # the kiosk's rule too
        return head, "" if wait is None else text["wait"].format(m=wait)
    return text[ticket.status].format(counter=counter), ""


def render_ticket(ticket: Ticket, names: dict[str, Any], lang: str, sig: str, today: bool) -> str:
    text = TEXT[lang]
    head, detail = _status_line(ticket, text, today)
    called = ticket.status == "called" and today
    current = ' aria-current="true"'
    langs = " ".join(
        f'<a href="?s={escape(sig)}&amp;lang={code}"{current if code == lang else ""}>{label}</a>'
        for code, label in (("ru", "Русский"), ("zh-Hant", "繁體中文"), ("en", "English"))
    )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f"<title>{escape(ticket.display)} · {escape(text['title'])}</title>"
        '<link rel="stylesheet" href="/static/ticket.css"></head><body>'
        f'<nav class="langs">{langs}</nav>'
        f'<main class="card{" called" if called else ""}" data-status="{ticket.status}">'
        f'<p class="center">{escape(names["center"].get(lang, ""))}</p>'
        f"<h1>{escape(text['title'])}</h1>"
        f'<p class="number">{escape(ticket.display)}</p>'
        f'<p class="service">{escape(names["service"].get(lang, ""))}</p>'
        f'<p class="status">{escape(head)}</p>'
        + (f'<p class="detail">{escape(detail)}</p>' if detail else "")
        + f'<p class="refresh">{escape(text["refresh"])}</p></main></body></html>'
    )


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
async def ticket_page(
    ctx: Ctx,
    ticket_id: Annotated[str, Path(max_length=32)],
    s: Annotated[str, Query(max_length=64)] = "",
    lang: Annotated[str | None, Query(max_length=8)] = None,
    accept_language: Annotated[str | None, Header(max_length=512)] = None,
) -> HTMLResponse:
    """The visitor's live place in line, from the QR code on the ticket; refreshes every 10 s.

    A wrong signature answers exactly like an unknown ticket, so ids cannot be probed.
    """
    chosen = choose_language(lang, accept_language)
    missing = _message(TEXT[chosen]["missing"], TEXT[chosen]["missing_body"], chosen)
    if not s or not ctx.links.verify(ctx.engine, ticket_id, s):
        return _page(missing, 404)
    try:
        ticket = store.get_ticket(ctx, ticket_id)
    except store.Refusal:
        return _page(missing, 404)
    c, sv = db.centers, db.services
    with ctx.engine.connect() as conn:
        center = conn.execute(sa.select(c.c.name, c.c.timezone).where(c.c.id == ticket.center_id)).one()
        service = conn.execute(sa.select(sv.c.name).where(sv.c.id == ticket.service_id)).scalar_one()
    now: datetime = ctx.clock.now()
    today = ticket.business_date == rules.business_date(now, store.zone(center.timezone))
    names = {"center": center.name, "service": service}
    return _page(render_ticket(ticket, names, chosen, s, today))
