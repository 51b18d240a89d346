"""The public appeal status page (/appeals/status?n=NUMBER): the receipt's QR code opens it.

No login: the last four digits of the phone (or the e-mail) prove the visitor, with the same
lock-out as the kiosk's lookup (central.appeals.lookup). After the answer to a complaint it asks
"are you satisfied?" (the follow-up message links here) and takes the answer, proving again. The
page reuses the manage page's look (manage.css) and its form handling.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse

from central.api.appeals import Settings
from central.api.manage import _form, _html, _lang_links
from central.api.pages import choose_language
from central.appeals import lookup
from central.appeals.schemas import AppealStatusOut
from central.context import Ctx

router = APIRouter(include_in_schema=False)
ANSWERS = ("satisfied", "not_satisfied", "no_answer")

TEXT = {
    "ru": {
        "title": "Статус обращения", "number": "Номер обращения", "ask": "Введите последние 4 цифры телефона "
        "или e-mail, указанные в обращении.", "digits": "Последние 4 цифры телефона или e-mail",
        "continue": "Показать", "wrong": "Номер или цифры не подходят.", "locked": "Слишком много неверных "
        "попыток. Попробуйте снова через 15 минут.", "deadline": "Срок ответа", "status": "Статус",
        "answer": "Ответ", "history": "История", "info": "Нам нужны сведения",
        "rate": "Вы довольны ответом?", "satisfied": "Да", "not_satisfied": "Нет",
        "no_answer": "Затрудняюсь ответить", "thanks": "Спасибо за ответ.",
    },
    "zh-Hant": {
        "title": "申訴進度", "number": "申訴編號", "ask": "請輸入申訴時留下的電話末四碼或電子郵件。",
        "digits": "電話末四碼或電子郵件", "continue": "查詢", "wrong": "編號或號碼不符。",
        "locked": "錯誤次數過多，請於 15 分鐘後再試。", "deadline": "答覆期限", "status": "狀態", "answer": "答覆",
        "history": "紀錄", "info": "我們需要您補充資料",
        "rate": "您滿意這個答覆嗎？", "satisfied": "滿意", "not_satisfied": "不滿意", "no_answer": "不確定",
        "thanks": "感謝您的回覆。",
    },
    "en": {
        "title": "Appeal status", "number": "Appeal number", "ask": "Enter the last 4 digits of the phone or "
        "the e-mail you gave in the appeal.", "digits": "Last 4 phone digits or e-mail", "continue": "Show",
        "wrong": "The number or the digits do not match.", "locked": "Too many wrong tries. Please try again "
        "in 15 minutes.", "deadline": "Answer due by", "status": "Status", "answer": "Answer",
        "history": "History", "info": "We need more information",
        "rate": "Are you satisfied with the answer?", "satisfied": "Yes", "not_satisfied": "No",
        "no_answer": "Not sure", "thanks": "Thank you for your answer.",
    },
}  # fmt: skip
STATUS_WORDS = {
    "ru": {"registered": "зарегистрировано", "needs_info": "нужны сведения", "in_progress": "в работе",
           "extended": "срок продлён", "answered": "дан ответ", "closed": "закрыто", "rejected": "отклонено",
           "overdue": "в работе"},
    "zh-Hant": {"registered": "已登記", "needs_info": "需補件", "in_progress": "處理中", "extended": "已延期",
                "answered": "已答覆", "closed": "已結案", "rejected": "已駁回", "overdue": "處理中"},
    "en": {"registered": "registered", "needs_info": "information needed", "in_progress": "in progress",
           "extended": "deadline extended", "answered": "answered", "closed": "closed", "rejected": "rejected",
           "overdue": "in progress"},
}  # fmt: skip
"""What the visitor reads: "overdue" is the office's problem, shown as still in progress."""


def _ask(number: str, lang: str, note: str = "", status: int = 200) -> HTMLResponse:
    text = TEXT[lang]
    alert = f'<p class="alert" role="alert">{escape(note)}</p>' if note else ""
    body = (
        f'{_lang_links(lang)}<main class="card"><h1>{escape(text["title"])}</h1>{alert}'
        '<form method="post" action="/appeals/status">'
        f'<label>{escape(text["number"])}<input name="n" value="{escape(number)}" maxlength="40" required></label>'
        f"<p>{escape(text['ask'])}</p><label>{escape(text['digits'])}"
        '<input name="last4" maxlength="254" autocomplete="off" required autofocus></label>'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<button class="primary" type="submit">{escape(text["continue"])}</button></form></main>'
    )
    return _html(body, lang, text["title"], status)


def _rate_form(view: AppealStatusOut, lang: str, proof: str) -> str:
    """Satisfied / not / not sure, when asked; the proof goes along (the answer proves again)."""
    if not view.can_rate:
        return ""
    text = TEXT[lang]
    buttons = "".join(
        f'<button class="{"primary" if answer == "satisfied" else "secondary"}" type="submit" name="answer" '
        f'value="{answer}" id="rate-{answer}">{escape(text[answer])}</button>'
        for answer in ANSWERS
    )
    return (
        f'<form method="post" action="/appeals/status/satisfaction" id="rate"><h2>{escape(text["rate"])}</h2>'
        f'<input type="hidden" name="n" value="{escape(view.number)}">'
        f'<input type="hidden" name="last4" value="{escape(proof)}">'
        f'<input type="hidden" name="request_id" value="{uuid.uuid4()}">'
        f'<input type="hidden" name="lang" value="{lang}">{buttons}</form>'
    )


def _show(view: AppealStatusOut, lang: str, proof: str = "", thanks: bool = False) -> HTMLResponse:
    text, words = TEXT[lang], STATUS_WORDS[lang]
    history = "".join(
        f"<li>{escape(h.at.strftime('%Y-%m-%d'))} · {escape(words[h.status])}"
        + (
            f" — {escape(h.note if isinstance(h.note, str) else getattr(h.note, lang.replace('-', '_').lower()))}"
            if h.note
            else ""
        )
        + "</li>"
        for h in view.history
    )
    info = (
        f'<p class="alert"><b>{escape(text["info"])}:</b> {escape(view.info_request)}</p>'
        if view.info_request
        else ""
    )
    answer = ""
    if view.answer is not None:
        answer = (
            f'<h2>{escape(text["answer"])}</h2><p id="answer">{escape(view.answer.text)}</p>'
            f"<p>— {escape(view.answer.by_name)}, {escape(view.answer.by_contact)}</p>"
        )
    body = (
        f'{_lang_links(lang)}<main class="card"><h1>{escape(text["title"])} {escape(view.number)}</h1>'
        f'<p>{escape(text["status"])}: <b id="status">{escape(words[view.status])}</b></p>'
        f"<p>{escape(text['deadline'])}: <b>{escape(view.deadline.isoformat() if view.deadline else '—')}</b></p>"
        f"{info}{answer}{_rate_form(view, lang, proof)}"
        + (f'<p class="alert" id="thanks">{escape(text["thanks"])}</p>' if thanks else "")
        + f"<h2>{escape(text['history'])}</h2><ul>{history}</ul></main>"
    )
    return _html(body, lang, text["title"], 200)


@router.get("/appeals/status", response_class=HTMLResponse)
async def appeal_status_page(
    n: Annotated[str, Query(max_length=40)] = "",
    lang: Annotated[str | None, Query(max_length=8)] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    return _ask(n, choose_language(lang, accept_language))


@router.post("/appeals/status", response_class=HTMLResponse)
async def appeal_status_prove(
    request: Request, ctx: Ctx, settings: Settings, accept_language: Annotated[str | None, Header()] = None
) -> HTMLResponse:
    form = await _form(request)
    proven = _proven(ctx, form, accept_language)
    if isinstance(proven, HTMLResponse):
        return proven
    row, lang, proof = proven
    return _show(lookup.status(ctx.engine, row, settings), lang, proof)


def _proven(
    ctx: Ctx, form: dict[str, str], accept_language: str | None
) -> tuple[Any, str, str] | HTMLResponse:
    """The appeal the form's number and proof (phone digits or e-mail) open, or the page asking again."""
    lang = choose_language(form.get("lang"), accept_language)
    number, proof = form.get("n", "")[:40], form.get("last4", "").strip()[:254]
    last4 = proof if len(proof) == 4 and proof.isdigit() else None
    email = proof if "@" in proof else None
    try:
        row = lookup.prove(ctx.engine, number, last4, email, ctx.clock.now())
    except lookup.Locked:
        return _ask(number, lang, TEXT[lang]["locked"], 429)
    except lookup.NotFound:
        return _ask(number, lang, TEXT[lang]["wrong"], 403)
    return row, lang, proof


@router.post("/appeals/status/satisfaction", response_class=HTMLResponse)
async def appeal_status_rate(
    request: Request, ctx: Ctx, settings: Settings, accept_language: Annotated[str | None, Header()] = None
) -> HTMLResponse:
    """The visitor's answer to "are you satisfied?" (the follow-up message links here); once per request id."""
    form = await _form(request)
    proven = _proven(ctx, form, accept_language)
    if isinstance(proven, HTMLResponse):
        return proven
    row, lang, proof = proven
    answer, request_id = form.get("answer", ""), form.get("request_id", "").strip()[:64]
    if answer not in ANSWERS or not request_id:
        return _show(lookup.status(ctx.engine, row, settings), lang, proof)
    try:
        view = lookup.rate(ctx.engine, row, request_id, answer, ctx.clock.now(), settings)
    except lookup.CannotRate:
        return _show(lookup.status(ctx.engine, row, settings), lang, proof)
    return _show(view, lang, proof, thanks=True)
