"""The reminder outbox: rows written with the booking, sent later by the sweep through the channels.

Rows are inserted in the booking's own transaction (:func:`schedule`), so a booking never
exists without its reminders and a cancelled one never keeps them (:func:`cancel_pending`).
:meth:`Outbox.send_due` claims due rows by pushing ``next_try_at`` on (a lease: a crashed
sweep's rows come back after :data:`CLAIM`), sends each outside any transaction, then marks it.
The channels write by reminder id, so a resend after a crash replaces rather than duplicates.
Logs name the reminder id and channel only: never a phone number or an address.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date, format_time
from sqlalchemy.engine import Connection, Engine

from central import db
from central.appointments.channels import (
    CalendarEvent,
    Channel,
    ChannelKind,
    ChannelRejected,
    ChannelUnavailable,
    ReminderMessage,
    channel_from_spec,
)
from central.appointments.settings import ReminderSettings
from central.context import Context

log = logging.getLogger("central.reminders")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
"""Waits after the 1st, 2nd, 3rd and later failed tries while the gateway is unavailable."""
MAX_ATTEMPTS = 6
CLAIM = timedelta(minutes=5)
"""How long a sweep holds the rows it is sending; a crashed sweep's rows are due again after this."""
BABEL_LOCALES = {"ru": "ru", "zh-Hant": "zh_Hant", "en": "en"}
DAY_PATTERNS = {"ru": "EEEE, d MMMM", "zh-Hant": "M月d日 EEEE", "en": "EEEE, MMMM d"}
"""Weekday and date without the year (a booking is at most weeks ahead), as each language writes it."""


# ----- scheduling (inside the booking's transaction) -----


def due_time(slot_start: datetime, now: datetime, settings: ReminderSettings) -> datetime | None:
    """When to remind: ``before_hours`` ahead; a late booking at once if the slot is far enough off."""
    due = slot_start - timedelta(hours=settings.before_hours)
    if due > now:
        return due
    if slot_start - now > timedelta(hours=settings.min_lead_hours):
        return now
    return None


def schedule(
    conn: Connection,
    appointment_id: str,
    slot_start: datetime,
    email: str | None,
    now: datetime,
    settings: ReminderSettings,
) -> int:
    """Insert the reminders of a new booking (SMS always, e-mail if given); returns how many."""
    due = due_time(slot_start, now, settings)
    if due is None:
        return 0
    kinds: list[ChannelKind] = ["sms", "email"] if email else ["sms"]
    conn.execute(
        sa.insert(db.reminders),
        [
            {
                "id": uuid.uuid4().hex,
                "appointment_id": appointment_id,
                "channel": kind,
                "due_at": due,
                "status": "pending",
                "attempts": 0,
                "next_try_at": due,
                "created_at": now,
            }
            for kind in kinds
        ],
    )
    return len(kinds)


def cancel_pending(conn: Connection, appointment_id: str) -> int:
    r = db.reminders
    result = conn.execute(
        sa.update(r)
        .where(r.c.appointment_id == appointment_id, r.c.status == "pending")
        .values(status="cancelled")
    )
    return int(result.rowcount)


# ----- the texts -----

SMS = {
    "ru": "{center}: напоминаем о записи «{service}» {day} в {time}. Код {code}. "
    "Отменить или перенести: {link}",
    "zh-Hant": "{center}：提醒您已預約「{service}」，時間 {day} {time}。預約代碼 {code}。取消或改期：{link}",
    "en": "{center}: reminder of your appointment ({service}) on {day} at {time}. Code {code}. "
    "Cancel or reschedule: {link}",
}
SUBJECT = {
    "ru": "Напоминание о записи: {service}, {day} {time}",
    "zh-Hant": "預約提醒：{service}，{day} {time}",
    "en": "Appointment reminder: {service}, {day} {time}",
}
EMAIL = {
    "ru": (
        "Здравствуйте, {name}!\n\nНапоминаем о вашей записи.\n\n"
        "Услуга: {service}\nКогда: {date}, {time}\nГде: {center}, {address}\nКод записи: {code}\n\n"
        "По приходе введите код записи в терминале, чтобы получить талон.\n"
        "Отменить или перенести запись: {link}\n\n"
        "Приглашение для календаря — во вложении. Письмо отправлено автоматически, отвечать на него не нужно.\n"
    ),
    "zh-Hant": (
        "{name} 您好：\n\n提醒您已預約以下服務。\n\n"
        "服務項目：{service}\n時間：{date} {time}\n地點：{center}，{address}\n預約代碼：{code}\n\n"
        "到場後請在服務機輸入預約代碼以取得號碼牌。\n取消或改期：{link}\n\n"
        "行事曆邀請已附於本郵件。本郵件由系統自動發送，請勿直接回覆。\n"
    ),
    "en": (
        "Hello {name},\n\nThis is a reminder of your appointment.\n\n"
        "Service: {service}\nWhen: {date}, {time}\nWhere: {center}, {address}\nBooking code: {code}\n\n"
        "When you arrive, enter the booking code at the kiosk to get your ticket.\n"
        "Cancel or reschedule: {link}\n\n"
        "A calendar invitation is attached. This message was sent automatically; please do not reply.\n"
    ),
}
ICS_DESCRIPTION = {
    "ru": "Код записи: {code}\nОтменить или перенести: {link}",
    "zh-Hant": "預約代碼：{code}\n取消或改期：{link}",
    "en": "Booking code: {code}\nCancel or reschedule: {link}",
}


def pick(text: Any, lang: str) -> str:
    """One language of a stored multilingual object (``{"ru": ..., "zh-Hant": ..., "en": ...}``)."""
    if isinstance(text, Mapping):
        return str(text.get(lang) or text.get("en") or text.get("ru") or "")
    return str(text or "")


def local_texts(moment: datetime, zone: ZoneInfo, lang: str) -> dict[str, str]:
    """The slot's local date and time as a visitor of ``lang`` writes them (Babel/CLDR)."""
    local = moment.astimezone(zone)
    locale = BABEL_LOCALES.get(lang, "ru")
    texts = {
        "day": format_date(local, DAY_PATTERNS.get(lang, DAY_PATTERNS["ru"]), locale=locale),
        "date": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
    }
    # CLDR's narrow no-break spaces ("9:00\u202fPM") would push an English SMS out of GSM-7 into UCS-2.
    return {k: v.replace("\u202f", " ").replace("\u00a0", " ") for k, v in texts.items()}


def comma(lang: str) -> str:
    """The list separator: a full-width comma in Chinese text."""
    return "，" if lang == "zh-Hant" else ", "


def manage_link(public_url: str, code: str) -> str:
    return f"{public_url}/a/{code}"


@dataclass(frozen=True)
class Due:
    """A claimed reminder with what its message needs."""

    id: str
    channel: ChannelKind
    attempts: int
    appointment_id: str
    status: str
    slot_start: datetime
    slot_minutes: int
    code: str
    name: str
    phone: str | None
    email: str | None
    language: str
    timezone: str
    center_name: Any
    center_address: Any
    service_name: Any


def compose(item: Due, public_url: str, now: datetime) -> ReminderMessage:
    lang = item.language if item.language in SMS else "ru"
    link = manage_link(public_url, item.code)
    center, service = pick(item.center_name, lang), pick(item.service_name, lang)
    address = pick(item.center_address, lang)
    values = {
        "center": center,
        "service": service,
        "address": address,
        "code": item.code,
        "link": link,
        "name": item.name,
        **local_texts(item.slot_start, ZoneInfo(item.timezone), lang),
    }
    subject = SUBJECT[lang].format(**values)
    event = None
    if item.channel == "email":
        event = CalendarEvent(
            uid=f"{item.appointment_id}@{urlsplit(public_url).hostname or 'kiosk-central'}",
            start=item.slot_start,
            end=item.slot_start + timedelta(minutes=item.slot_minutes),
            summary=service,
            location=f"{center}{comma(lang)}{address}" if address else center,
            description=ICS_DESCRIPTION[lang].format(**values),
            stamp=now,
        )
    return ReminderMessage(
        reminder_id=item.id,
        appointment_id=item.appointment_id,
        channel=item.channel,
        to=(item.phone if item.channel == "sms" else item.email) or "",
        language=lang,
        subject=subject,
        text=(SMS if item.channel == "sms" else EMAIL)[lang].format(**values),
        made_at=now,
        event=event,
    )


# ----- sending -----


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    cancelled: int = 0


def default_outbox_dir(engine: Engine) -> Path:
    """``outbox`` beside the SQLite file (central's data directory), else in central's state directory.

    With a database server there is no data directory of ours: systemd's ``StateDirectory=`` (given
    as ``$STATE_DIRECTORY``), else ``~/.local/state/kiosk-central``; never the working directory, which
    may be a checkout or ``/``.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "outbox"
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    return (Path(state) if state else Path.home() / ".local" / "state" / "kiosk-central") / "outbox"


@dataclass
class Outbox:
    """The sending side: the configured channels and the rules for retries."""

    ctx: Context
    settings: ReminderSettings = field(default_factory=ReminderSettings)
    channels: Mapping[str, Channel] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, ctx: Context, settings: ReminderSettings) -> Outbox:
        """Channels from the ``sms``/``email`` specs; raises channels.SpecError for a bad one."""
        default = default_outbox_dir(ctx.engine)
        host = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
        kinds: tuple[tuple[ChannelKind, str], ...] = (("sms", settings.sms), ("email", settings.email))
        chosen: dict[str, Channel] = {
            kind: channel_from_spec(kind, spec, settings, default, host) for kind, spec in kinds
        }
        return cls(ctx, settings, chosen)

    def send_due(self, now: datetime | None = None) -> SendReport:
        """Send what is due, at most ``batch`` reminders; safe to run again and from two processes."""
        now = now or self.ctx.clock.now()
        report = SendReport()
        for item in self._claim(now):
            self._one(item, now, report)
        return report

    def _claim(self, now: datetime) -> list[Due]:
        r, a, c, s, bs = db.reminders, db.appointments, db.centers, db.services, db.booking_settings
        with db.write_transaction(self.ctx.engine) as conn:
            ids = list(
                conn.execute(
                    sa.select(r.c.id)
                    .where(r.c.status == "pending", r.c.next_try_at <= now)
                    .order_by(r.c.next_try_at)
                    .limit(self.settings.batch)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            if not ids:
                return []
            conn.execute(sa.update(r).where(r.c.id.in_(ids)).values(next_try_at=now + CLAIM))
            rows = conn.execute(
                sa.select(
                    r.c.id,
                    r.c.channel,
                    r.c.attempts,
                    r.c.appointment_id,
                    a.c.status,
                    a.c.slot_start_utc,
                    sa.func.coalesce(bs.c.slot_minutes, 30).label("slot_minutes"),
                    a.c.code,
                    a.c.name,
                    a.c.phone,
                    a.c.email,
                    a.c.language,
                    c.c.timezone,
                    c.c.name.label("center_name"),
                    c.c.address,
                    s.c.name.label("service_name"),
                )
                .join(a, a.c.id == r.c.appointment_id)
                .join(c, c.c.id == a.c.center_id)
                .join(s, s.c.id == a.c.service_id)
                .outerjoin(bs, bs.c.service_id == a.c.service_id)
                .where(r.c.id.in_(ids))
                .order_by(r.c.next_try_at)
            ).all()
        return [_due(row) for row in rows]

    def _one(self, item: Due, now: datetime, report: SendReport) -> None:
        if item.status != "confirmed" or item.slot_start <= now:
            self._mark(item.id, status="cancelled", last_error=f"appointment {item.status}")
            report.cancelled += 1
            return
        channel = self.channels.get(item.channel)
        try:
            if channel is None:
                raise ChannelUnavailable(f"no {item.channel} channel configured")
            channel.send(compose(item, self.ctx.links.public_url, now))
        except ChannelRejected as exc:
            log.warning("reminder %s (%s) rejected: %s", item.id, item.channel, type(exc).__name__)
            self._mark(item.id, status="failed", attempts=item.attempts + 1, last_error=_error(exc))
            report.failed += 1
            return
        except Exception as exc:  # unavailable, or a gateway plug-in's bug: retry later either way
            self._retry(item, now, exc, report)
            return
        self._mark(item.id, status="sent", attempts=item.attempts + 1, sent_at=now, last_error=None)
        log.info("reminder %s sent (%s)", item.id, item.channel)
        report.sent += 1

    def _retry(self, item: Due, now: datetime, exc: Exception, report: SendReport) -> None:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning("reminder %s (%s) failed after %d tries", item.id, item.channel, attempts)
            self._mark(item.id, status="failed", attempts=attempts, last_error=_error(exc))
            report.failed += 1
            return
        wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
        log.warning(
            "reminder %s (%s): %s, try %d, next in %s",
            item.id,
            item.channel,
            type(exc).__name__,
            attempts,
            wait,
        )
        self._mark(item.id, attempts=attempts, next_try_at=now + wait, last_error=_error(exc))
        report.retry += 1

    def _mark(self, reminder_id: str, **values: Any) -> None:
        """Record an outcome; a reminder cancelled meanwhile (the visitor cancelled) stays cancelled."""
        r = db.reminders
        with db.write_transaction(self.ctx.engine) as conn:
            conn.execute(sa.update(r).where(r.c.id == reminder_id, r.c.status == "pending").values(**values))


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _due(row: Any) -> Due:
    return Due(
        id=row.id,
        channel=row.channel,
        attempts=row.attempts,
        appointment_id=row.appointment_id,
        status=row.status,
        slot_start=row.slot_start_utc,
        slot_minutes=int(row.slot_minutes),
        code=row.code or "",
        name=row.name or "",
        phone=row.phone,
        email=row.email,
        language=row.language or "ru",
        timezone=row.timezone,
        center_name=row.center_name,
        center_address=row.address,
        service_name=row.service_name,
    )


def send_due(outbox: Outbox, now: datetime | None = None) -> int:
    """The sweep's task: send what is due; returns how many went."""
    return outbox.send_due(now).sent
