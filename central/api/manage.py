"""The visitor's manage page, from the link in the reminder: /a/{code}. Cancel or reschedule, no login.

Server-rendered HTML with plain forms (no JavaScript), in Russian, Traditional Chinese or English.
The last four digits of the phone prove the visitor (with a lock-out); after that each form
carries the signed field ``t`` (central.appointments.visitor), so the digits are asked once.
Every step is a POST, so the field never lands in a URL, a log line or a Referer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Row

from central import db
from central.api.manage_texts import TEXT
from central.api.pages import HEADERS, choose_language
from central.appointments import visitor
from central.appointments.booking import AppointmentDesk
from central.appointments.records import BookingRefusal, code_ok
from central.appointments.reminders import BABEL_LOCALES, comma, local_texts, pick
from central.appointments.schemas import AppointmentEnvelope

router = APIRouter(include_in_schema=False)
MAX_FORM = 4096
LANG_NAMES = (("ru", "Русский"), ("zh-Hant", "繁體中文"), ("en", "English"))
CodePath = Annotated[str, Path(max_length=16)]


def _desk(request: Request) -> AppointmentDesk:
    desk: AppointmentDesk = request.app.state.appointments
    return desk


def _html(body: str, lang: str, title: str, status: int = 200) -> HTMLResponse:
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/static/manage.css"></head>'
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status, headers=HEADERS)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > MAX_FORM:
        return {}
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {k: v[0] for k, v in parsed.items()}


def _hidden(**fields: str) -> str:
    return "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in fields.items() if v)


def _lang_links(lang: str) -> str:
    current = ' aria-current="true"'
    return (
        '<nav class="langs">'
        + "".join(
            f'<a href="?lang={code}"{current if code == lang else ""}>{label}</a>'
            for code, label in LANG_NAMES
        )
        + "</nav>"
    )


def _lang_buttons(code: str, token: str, lang: str) -> str:
    """Language choice after the digits: a form, so the signed field stays out of the URL."""
    current = ' aria-current="true"'
    buttons = "".join(
        f'<button name="lang" value="{c}"{current if c == lang else ""}>{label}</button>'
        for c, label in LANG_NAMES
    )
    return f'<form class="langs" method="post" action="/a/{code}/view">{_hidden(t=token)}{buttons}</form>'


def _message(title: str, body: str, lang: str, status: int) -> HTMLResponse:
    return _html(
        f'<main class="card"><h1>{escape(title)}</h1><p>{escape(body)}</p></main>', lang, title, status
    )


def _missing(lang: str) -> HTMLResponse:
    text = TEXT[lang]
    return _message(text["missing"], text["missing_body"], lang, 404)


def _ask(code: str, lang: str, explicit: bool, note: str = "", status: int = 200) -> HTMLResponse:
    text = TEXT[lang]
    alert = f'<p class="alert" role="alert">{escape(note)}</p>' if note else ""
    body = (
        f'{_lang_links(lang)}<main class="card"><h1>{escape(text["title"])}</h1>'
        f'<p class="code">{escape(text["code"])}{"：" if lang == "zh-Hant" else ": "}<b>{escape(code)}</b></p>{alert}'
        f'<form method="post" action="/a/{code}">'
        f"<p>{escape(text['ask'])}</p><label>{escape(text['digits'])}"
        '<input name="last4" inputmode="numeric" pattern="[0-9]{4}" maxlength="4" autocomplete="off" required '
        "autofocus></label>"
        f"{_hidden(lang=lang if explicit else '')}"
        f'<button class="primary" type="submit">{escape(text["continue"])}</button></form></main>'
    )
    return _html(body, lang, text["title"], status)


# ----- the booking as the visitor sees it -----


@dataclass(frozen=True)
class Found:
    """A booking the visitor has proven, with its center and service."""

    row: Row[Any]
    place: Any


def _load(desk: AppointmentDesk, code: str, last4: str) -> Found | None:
    """The booking with its center and service, or None when code and digits do not match."""
    c, s = db.centers, db.services
    with desk.ctx.engine.connect() as conn:
        try:
            row = desk._by_code(conn, code, last4)
        except BookingRefusal:
            return None
        place = conn.execute(
            sa.select(c.c.name, c.c.address, c.c.timezone, s.c.name.label("service"))
            .join(s, s.c.center_id == c.c.id)
            .where(c.c.id == row.center_id, s.c.id == row.service_id)
        ).one()
    return Found(row, place)


def _details(found: Found, lang: str) -> str:
    row, place, text = found.row, found.place, TEXT[lang]
    when = local_texts(row.slot_start_utc, ZoneInfo(place.timezone), lang)
    address = pick(place.address, lang)
    where = pick(place.name, lang) + (f"{comma(lang)}{address}" if address else "")
    items = (
        ("code", row.code),
        ("service", pick(place.service, lang)),
        ("when", f"{when['date']}{' ' if lang == 'zh-Hant' else ', '}{when['time']}"),
        ("where", where),
        ("status", _status(row, text)),
    )
    cells = "".join(f'<dt>{escape(text[k])}</dt><dd data-field="{k}">{escape(v)}</dd>' for k, v in items)
    return f'<dl class="details">{cells}</dl>'


def _status(row: Row[Any], text: dict[str, str]) -> str:
    moved_to = str(row.cancelled_by or "").removeprefix("rescheduled:")
    if row.status == "cancelled" and moved_to != str(row.cancelled_by or ""):
        return text["st_moved"].format(code=moved_to)
    return text.get(f"st_{row.status}", str(row.status))


def _changeable(found: Found, now: datetime) -> bool:
    row = found.row
    return bool(row.status == "confirmed" and row.slot_start_utc > now)


def _view(desk: AppointmentDesk, found: Found, token: str, lang: str, note: str = "") -> HTMLResponse:
    code, text = found.row.code, TEXT[lang]
    alert = f'<p class="notice" role="status">{escape(note)}</p>' if note else ""
    actions = ""
    if _changeable(found, desk.now()):
        hidden = _hidden(t=token, lang=lang)
        actions = (
            '<div class="actions">'
            f'<form method="post" action="/a/{code}/reschedule">{hidden}'
            f'<button class="primary" id="reschedule" type="submit">{escape(text["reschedule"])}</button></form>'
            f'<form method="post" action="/a/{code}/cancel">{hidden}'
            f'<button class="danger" id="cancel" type="submit">{escape(text["cancel"])}</button></form></div>'
        )
    elif found.row.status == "confirmed":
        actions = f'<p class="muted">{escape(text["past"])}</p>'
    body = (
        f'{_lang_buttons(code, token, lang)}<main class="card"><h1>{escape(text["title"])}</h1>{alert}'
        f"{_details(found, lang)}{actions}</main>"
    )
    return _html(body, lang, text["title"])


def _back(code: str, token: str, lang: str) -> str:
    text = TEXT[lang]
    return (
        f'<form method="post" action="/a/{code}/view">{_hidden(t=token, lang=lang)}'
        f'<button class="quiet" type="submit">{escape(text["back"])}</button></form>'
    )


# ----- routes -----


@router.get("/a/{code}", response_class=HTMLResponse)
async def manage_page(
    code: CodePath,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    accept_language: Annotated[str | None, Header(max_length=512)] = None,
) -> HTMLResponse:
    """Ask for the phone's last four digits; the same page for any well-formed code (no probing)."""
    chosen = choose_language(lang, accept_language)
    if not code_ok(code):
        return _missing(chosen)
    return _ask(code, chosen, explicit=lang == chosen)


@router.post("/a/{code}", response_class=HTMLResponse)
async def manage_prove(
    request: Request, code: CodePath, accept_language: Annotated[str | None, Header(max_length=512)] = None
) -> HTMLResponse:
    form = await _form(request)
    lang = choose_language(form.get("lang"), accept_language)
    if not code_ok(code):
        return _missing(lang)
    desk = _desk(request)
    engine, now = desk.ctx.engine, desk.now()
    last4 = form.get("last4", "").strip()
    try:
        found = visitor.prove(
            engine,
            code,
            now,
            lambda: _load(desk, code, last4) if len(last4) == 4 and last4.isdigit() else None,
        )
    except visitor.Locked:
        return _ask(code, lang, "lang" in form, TEXT[lang]["locked"], 429)
    except visitor.WrongDigits as wrong:
        note, status = (TEXT[lang]["locked"], 429) if wrong.locked else (TEXT[lang]["wrong"], 403)
        return _ask(code, lang, "lang" in form, note, status)
    if "lang" not in form:
        lang = choose_language(found.row.language, None)
    return _view(desk, found, visitor.sign(visitor.form_key(engine), code, last4, now), lang)


async def _proven(
    request: Request, code: str, accept_language: str | None
) -> tuple[AppointmentDesk, dict[str, str], str, Found | None, HTMLResponse | None]:
    """The form, its language and the booking, or the page to answer with instead."""
    form = await _form(request)
    desk = _desk(request)
    proof = visitor.verify(visitor.form_key(desk.ctx.engine), code, form.get("t", ""), desk.now())
    found = None if proof is None or not code_ok(code) else _load(desk, code, proof.last4)
    lang = choose_language(form.get("lang") or (found.row.language if found else None), accept_language)
    if found is None:
        if not code_ok(code):
            return desk, form, lang, None, _missing(lang)
        return desk, form, lang, None, _ask(code, lang, False, TEXT[lang]["expired"], 403)
    return desk, form, lang, found, None


@router.post("/a/{code}/view", response_class=HTMLResponse)
async def manage_view(
    request: Request, code: CodePath, accept_language: Annotated[str | None, Header(max_length=512)] = None
) -> HTMLResponse:
    desk, form, lang, found, refusal = await _proven(request, code, accept_language)
    if refusal is not None or found is None:
        return refusal or _missing(lang)
    return _view(desk, found, form["t"], lang)


@router.post("/a/{code}/cancel", response_class=HTMLResponse)
async def manage_cancel(
    request: Request, code: CodePath, accept_language: Annotated[str | None, Header(max_length=512)] = None
) -> HTMLResponse:
    """First the question, then (``confirm=yes``) the cancellation; it counts towards the cool-down."""
    desk, form, lang, found, refusal = await _proven(request, code, accept_language)
    if refusal is not None or found is None:
        return refusal or _missing(lang)
    token, text = form["t"], TEXT[lang]
    if not _changeable(found, desk.now()):
        return _view(desk, found, token, lang)
    if form.get("confirm") != "yes":
        body = (
            f'<main class="card"><h1>{escape(text["title"])}</h1>{_details(found, lang)}'
            f'<p class="question">{escape(text["cancel_q"])}</p><div class="actions">'
            f'<form method="post" action="/a/{code}/cancel">{_hidden(t=token, lang=lang, confirm="yes")}'
            f'<button class="danger" id="cancel-yes" type="submit">{escape(text["cancel_yes"])}</button></form>'
            f"{_back(code, token, lang)}</div></main>"
        )
        return _html(body, lang, text["title"])
    desk.cancel(code, found.row.phone[-4:])
    done = _load(desk, code, found.row.phone[-4:])
    assert done is not None
    return _view(desk, done, token, lang, text["cancelled"])


def _day_label(day: date, lang: str) -> str:
    return format_skeleton("MMMEd", day, locale=BABEL_LOCALES.get(lang, "ru"))


@router.post("/a/{code}/reschedule", response_class=HTMLResponse)
async def manage_reschedule(
    request: Request, code: CodePath, accept_language: Annotated[str | None, Header(max_length=512)] = None
) -> HTMLResponse:
    """Pick a day, then a time; the move books the new slot before it releases the old one."""
    desk, form, lang, found, refusal = await _proven(request, code, accept_language)
    if refusal is not None or found is None:
        return refusal or _missing(lang)
    token, text, row = form["t"], TEXT[lang], found.row
    note = ""
    # Before the "still changeable?" check: a repeated submit (request_id seen) gets the first answer.
    if form.get("slot") and form.get("request_id"):
        try:
            slot = datetime.fromisoformat(form["slot"])
            if slot.tzinfo is None:
                raise ValueError("naive")
            _created, _body = desk.reschedule(code, row.phone[-4:], form["request_id"][:64], slot)
        except ValueError:
            note = text["taken"]
        except BookingRefusal as exc:
            note = (
                text["taken"]
                if exc.code == "slot_full"
                else text["refused"].format(why=exc.code.replace("_", " "))
            )
        else:
            return _moved(desk, row, _body, lang)
    if not _changeable(found, desk.now()):
        return _view(desk, found, token, lang)
    day = _parse_day(form.get("day", ""))
    if day is None:
        try:
            days = desk.days(row.service_id, None, None)
        except BookingRefusal:
            days = []
        buttons = "".join(
            f'<button name="day" value="{d.isoformat()}" type="submit">{escape(_day_label(d, lang))}</button>'
            for d in days
        )
        picker = f'<div class="grid">{buttons}</div>' if days else f"<p>{escape(text['no_days'])}</p>"
        body = (
            f'<main class="card"><h1>{escape(text["pick_day"])}</h1>'
            f'<form method="post" action="/a/{code}/reschedule">{_hidden(t=token, lang=lang)}{picker}</form>'
            f"{_back(code, token, lang)}</main>"
        )
        return _html(body, lang, text["pick_day"])
    zone = ZoneInfo(found.place.timezone)
    try:
        slots = desk.free_slots(row.service_id, day)
    except BookingRefusal:
        slots = []
    buttons = "".join(
        f'<button name="slot" value="{s.start.isoformat()}" type="submit">'
        f"{escape(local_texts(s.start, zone, lang)['time'])}</button>"
        for s in slots
        if s.start.astimezone(zone) != row.slot_start_utc.astimezone(zone)
    )
    alert = f'<p class="alert" role="alert">{escape(note)}</p>' if note else ""
    picker = f'<div class="grid">{buttons}</div>' if buttons else f"<p>{escape(text['no_times'])}</p>"
    hidden = _hidden(t=token, lang=lang, day=day.isoformat(), request_id=uuid.uuid4().hex)
    body = (
        f'<main class="card"><h1>{escape(text["pick_time"])}</h1>'
        f'<p class="day">{escape(_day_label(day, lang))}</p>{alert}'
        f'<form method="post" action="/a/{code}/reschedule">{hidden}{picker}</form>'
        f'<form method="post" action="/a/{code}/reschedule">{_hidden(t=token, lang=lang)}'
        f'<button class="quiet" type="submit">{escape(text["pick_day"])}</button></form>'
        f"{_back(code, token, lang)}</main>"
    )
    return _html(body, lang, text["pick_time"])


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _moved(desk: AppointmentDesk, old: Row[Any], body: bytes, lang: str) -> HTMLResponse:
    """The new booking, with a form field signed for its new code (same phone, same digits)."""
    new_code = AppointmentEnvelope.model_validate_json(body).appointment.code
    last4 = str(old.phone)[-4:]
    found = _load(desk, new_code, last4)
    assert found is not None
    token = visitor.sign(visitor.form_key(desk.ctx.engine), new_code, last4, desk.now())
    return _view(desk, found, token, lang, TEXT[lang]["moved"].format(code=new_code))
