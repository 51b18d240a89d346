"""How a reminder leaves central: the channel interface and the reference adapters that write files.

A channel's ``send`` either returns (delivered to the gateway), raises :class:`ChannelUnavailable`
(the gateway is down: the outbox retries with back-off) or :class:`ChannelRejected` (this message
can never go, e.g. a bad address: the outbox gives up at once). The reference adapters write one
file per reminder, named by the reminder's id and renamed into place, so a resend after a crash
replaces the file instead of making a second one. A bank plugs its own gateway in by
configuration (see :func:`channel_from_spec`). Kept free of database and web imports.

A channel that keeps a copy (the file adapters do: phone, code and text) also has
``forget(reminder_id)``, which the retention sweep calls once the booking's personal data is
erased (central.appointments.retention); a gateway that keeps nothing need not have it.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Literal, Protocol

from central.appointments.settings import ReminderSettings

ChannelKind = Literal["sms", "email"]
CRLF = "\r\n"
ICS_LINE_OCTETS = 75


class ChannelUnavailable(Exception):
    """The gateway cannot take messages now; try again later."""


class ChannelRejected(Exception):
    """The gateway refuses this message for good (bad number or address, content refused)."""


@dataclass(frozen=True)
class CalendarEvent:
    """What the .ics attachment describes; times are aware (written in UTC)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    stamp: datetime
    alarm_before: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderMessage:
    """One reminder ready to go: the texts are already in the visitor's language."""

    reminder_id: str
    appointment_id: str
    channel: ChannelKind
    to: str
    language: str
    subject: str
    text: str
    made_at: datetime
    """When this send was prepared (central's clock): the e-mail's Date and the calendar's DTSTAMP."""
    event: CalendarEvent | None = None


class Channel(Protocol):
    def send(self, message: ReminderMessage) -> None:
        """Deliver or raise ChannelUnavailable / ChannelRejected; may be called again for the same id."""


def forget_file(path: Path) -> None:
    """Delete a reminder's file; already gone (a gateway picked it up) is fine."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise ChannelUnavailable(f"cannot delete in {path.parent}: {exc.strerror or exc}") from None


# ----- iCalendar (RFC 5545), by hand: the format is small and a dependency would be larger -----


def ics_escape(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def ics_fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, ICS_LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, ICS_LINE_OCTETS  # the continuation's leading space counts
        current += ch
        size += width
    out.append(current)
    return CRLF.join(out)


def ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"-PT{minutes // 60}H" if minutes % 60 == 0 else f"-PT{minutes}M"


def build_ics(event: CalendarEvent) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Service kiosk central//Appointments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{ics_time(event.stamp)}",
        f"DTSTART:{ics_time(event.start)}",
        f"DTEND:{ics_time(event.end)}",
        f"SUMMARY:{ics_escape(event.summary)}",
        f"LOCATION:{ics_escape(event.location)}",
        f"DESCRIPTION:{ics_escape(event.description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{ics_escape(event.summary)}",
        f"TRIGGER:{_duration(event.alarm_before)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(ics_fold(line) + CRLF for line in lines).encode("utf-8")


def build_email(message: ReminderMessage, sender: str, host: str) -> EmailMessage:
    """The e-mail: a plain text body and, when there is an event, an .ics attachment."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.made_at.astimezone(UTC))
    mail["Message-ID"] = f"<{message.reminder_id}@{host}>"  # the same on a resend: receivers may dedupe
    mail["Content-Language"] = message.language
    mail.set_content(message.text)
    if message.event is not None:
        mail.add_attachment(
            build_ics(message.event),
            maintype="text",
            subtype="calendar",
            filename="appointment.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return mail


# ----- the reference adapters -----


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and rename: readers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ChannelUnavailable(f"cannot write {path.parent}: {exc.strerror or exc}") from None


class FileSmsChannel:
    """``<reminder id>.json`` with ``{"to", "text"}`` for a gateway (or a person) to pick up."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, message: ReminderMessage) -> None:
        body = json.dumps({"to": message.to, "text": message.text}, ensure_ascii=False, indent=1)
        write_atomically(self.directory / f"{message.reminder_id}.json", body.encode("utf-8") + b"\n")

    def forget(self, reminder_id: str) -> None:
        forget_file(self.directory / f"{reminder_id}.json")


class FileEmailChannel:
    """``<reminder id>.eml``: a complete message a mail transfer agent can send as it is."""

    def __init__(self, directory: Path, sender: str, host: str = "localhost") -> None:
        self.directory = Path(directory)
        self.sender = sender
        self.host = host

    def send(self, message: ReminderMessage) -> None:
        mail = build_email(message, self.sender, self.host)
        write_atomically(self.directory / f"{message.reminder_id}.eml", mail.as_bytes())

    def forget(self, reminder_id: str) -> None:
        forget_file(self.directory / f"{reminder_id}.eml")


# ----- choosing adapters by configuration -----


class SpecError(ValueError):
    """A channel spec that cannot work; the message says why."""


def spec_problem(spec: str) -> str | None:
    """Config check: ``""``, ``file:/dir`` or ``python:package.module:factory``."""
    if spec == "" or (spec.startswith("file:") and spec[5:].strip()):
        return None
    if spec.startswith("python:"):
        module, _, attr = spec[7:].partition(":")
        if module and attr and all(p.isidentifier() for p in [*module.split("."), attr]):
            return None
    return 'empty, "file:/directory" or "python:package.module:factory"'


def channel_from_spec(
    kind: ChannelKind, spec: str, settings: ReminderSettings, default_dir: Path, host: str
) -> Channel:
    """Build one channel. ``python:pkg.mod:factory`` calls ``factory(kind, settings)`` once at start-up."""
    problem = spec_problem(spec)
    if problem is not None:
        raise SpecError(f"reminders.{kind}: {problem}")
    if spec.startswith("python:"):
        module_name, _, attr = spec[7:].partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise SpecError(f"reminders.{kind}: cannot load {spec[7:]}: {exc}") from None
        channel: Channel = factory(kind, settings)
        return channel
    directory = Path(spec[5:]).expanduser() if spec else default_dir / kind
    if kind == "sms":
        return FileSmsChannel(directory)
    return FileEmailChannel(directory, settings.sender, host)
