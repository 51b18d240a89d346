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
from central.api.pages import HEADERS, choose_language
from central.appointments import visitor
from central.appointments.booking import AppointmentDesk
from central.appointments.records import BookingRefusal, code_ok
from central.appointments.reminders import BABEL_LOCALES, comma, local_texts, pick
from central.appointments.schemas import AppointmentEnvelope

router = APIRouter(include_in_schema=False)
MAX_FORM = 4096
LANG_NAMES = (("ru", "Русский"), ("zh-Hant", "繁體中文"), ("en", "English"))

TEXT: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Ваша запись",
        "code": "Код записи",
        "ask": "Введите последние 4 цифры номера телефона, указанного при записи.",
        "digits": "Последние 4 цифры телефона",
        "continue": "Продолжить",
        "wrong": "Цифры не подходят к этому коду. Проверьте и попробуйте ещё раз.",
        "locked": "Слишком много неверных попыток. Попробуйте снова через 15 минут.",
        "expired": "Страница устарела. Введите цифры телефона ещё раз.",
        "missing": "Запись не найдена",
        "missing_body": "Проверьте ссылку из сообщения.",
        "service": "Услуга",
        "where": "Где",
        "when": "Когда",
        "status": "Статус",
        "st_confirmed": "Подтверждена",
        "st_cancelled": "Отменена",
        "st_checked_in": "Вы отметились в терминале",
        "st_missed": "Пропущена",
        "st_held": "Не подтверждена",
        "st_moved": "Перенесена, новый код записи: {code}",
        "past": "Время записи уже прошло: изменить её нельзя.",
        "cancel": "Отменить запись",
        "reschedule": "Перенести на другое время",
        "cancel_q": "Отменить запись? Это время освободится для других посетителей.",
        "cancel_yes": "Да, отменить",
        "back": "Назад",
        "cancelled": "Запись отменена.",
        "pick_day": "Выберите день",
        "pick_time": "Выберите время",
        "no_days": "Свободных дней сейчас нет. Попробуйте позже или обратитесь в офис.",
        "no_times": "На этот день свободного времени больше нет. Выберите другой день.",
        "moved": "Запись перенесена. Новый код записи: {code}. Прежний код больше не действует.",
        "taken": "Это время только что заняли. Выберите другое.",
        "refused": "Перенести запись не удалось: {why}.",
        "cooldown": "Перенос и отмена временно недоступны для этого номера.",
    },
    "zh-Hant": {
        "title": "您的預約",
        "code": "預約代碼",
        "ask": "請輸入預約時所留電話號碼的末四碼。",
        "digits": "電話號碼末四碼",
        "continue": "繼續",
        "wrong": "號碼與此預約代碼不符，請確認後再試一次。",
        "locked": "錯誤次數過多，請於 15 分鐘後再試。",
        "expired": "頁面已逾時，請重新輸入電話號碼末四碼。",
        "missing": "查無此預約",
        "missing_body": "請確認簡訊或郵件中的連結。",
        "service": "服務項目",
        "where": "地點",
        "when": "時間",
        "status": "狀態",
        "st_confirmed": "已確認",
        "st_cancelled": "已取消",
        "st_checked_in": "已於服務機報到",
        "st_missed": "未到",
        "st_held": "尚未確認",
        "st_moved": "已改期，新的預約代碼：{code}",
        "past": "預約時間已過，無法再變更。",
        "cancel": "取消預約",
        "reschedule": "改約其他時間",
        "cancel_q": "確定要取消預約嗎？此時段將開放給其他民眾。",
        "cancel_yes": "是，取消預約",
        "back": "返回",
        "cancelled": "預約已取消。",
        "pick_day": "請選擇日期",
        "pick_time": "請選擇時間",
        "no_days": "目前沒有可預約的日期，請稍後再試或洽服務中心。",
        "no_times": "這一天已無空檔，請選擇其他日期。",
        "moved": "預約已改期。新的預約代碼：{code}。原代碼已失效。",
        "taken": "此時段剛被預約，請選擇其他時間。",
        "refused": "無法改期：{why}。",
        "cooldown": "此電話號碼暫時無法改期或取消。",
    },
    "en": {
        "title": "Your appointment",
        "code": "Booking code",
        "ask": "Enter the last 4 digits of the phone number you gave when booking.",
        "digits": "Last 4 digits of your phone",
        "continue": "Continue",
        "wrong": "Those digits do not match this code. Please check and try again.",
        "locked": "Too many wrong tries. Please try again in 15 minutes.",
        "expired": "This page has expired. Please enter the phone digits again.",
        "missing": "Appointment not found",
        "missing_body": "Please check the link in your message.",
        "service": "Service",
        "where": "Where",
        "when": "When",
        "status": "Status",
        "st_confirmed": "Confirmed",
        "st_cancelled": "Cancelled",
        "st_checked_in": "Checked in at the kiosk",
        "st_missed": "Missed",
        "st_held": "Not confirmed",
        "st_moved": "Moved; the new booking code is {code}",
        "past": "The appointment time has passed, so it can no longer be changed.",
        "cancel": "Cancel the appointment",
        "reschedule": "Move to another time",
        "cancel_q": "Cancel this appointment? The time will be offered to other visitors.",
        "cancel_yes": "Yes, cancel it",
        "back": "Back",
        "cancelled": "Your appointment is cancelled.",
        "pick_day": "Choose a day",
        "pick_time": "Choose a time",
        "no_days": "There are no free days right now. Please try later or contact the center.",
        "no_times": "There is no free time left on this day. Please choose another day.",
        "moved": "Your appointment has moved. New booking code: {code}. The old code no longer works.",
        "taken": "Someone has just taken that time. Please choose another.",
        "refused": "The appointment could not be moved: {why}.",
        "cooldown": "Changes are not possible for this phone number at the moment.",
    },
}

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
