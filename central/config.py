"""The central's configuration: one optional TOML file, every key with a default.

Precedence: command-line flags over the file (``--config PATH``, else ``$KIOSK_CENTRAL_CONFIG``)
over the defaults below. Unknown keys and wrong types stop the program with one line
``PATH: key: problem`` (exit code 2), the same rule as the kiosk's own file.

Example::

    [server]
    host = "127.0.0.1"      # loopback unless a reverse proxy or firewall is in front
    port = 8470
    db = "/var/lib/kiosk-central/central.db"   # a file path (SQLite) or a SQLAlchemy URL
    log_level = "INFO"
    timezone = "Europe/Moscow"
    public_url = "https://queue.example.bank"   # base of the ticket links (QR); default http://HOST:PORT
    workers = 0                 # processes on the port; 0: 1 on SQLite, the core count on PostgreSQL
    handlers = "auto"           # "inline" | "threads" | "auto" (inline on SQLite, threads otherwise)
    handler_threads = 4         # per worker, with handlers = "threads"

    [queue]
    default_service_min = 5     # minutes per visitor while a service has fewer than min_samples today
    service_samples = 10        # the estimate averages this many latest finished tickets per service
    min_samples = 3
    board_calls = 8             # calls shown on the hall board
    staff_idle_min = 30         # a counter console silent this long is signed out (its counter closes)
    staff_max_hours = 12

    [queue.bonus_min]           # minutes of waiting a priority is worth (see central/queue/engine.py)
    appointment = 20
    disability = 15
    pregnancy = 15
    veteran = 15

    [appointments]
    hold_minutes = 5            # a held slot is kept this long while the visitor types name and phone
    max_active_per_person = 2   # future bookings per phone (0: no limit)
    max_cancellations = 3       # this many cancellations within cancellation_window_days ...
    cancellation_window_days = 30
    cooldown_days = 7           # ... and the phone may not book for this long
    checkin_early_min = 15      # check-in opens this long before the slot
    checkin_late_min = 10       # and closes this long after its start
    sweep_seconds = 30          # how often no-shows are marked missed and expired holds deleted
    personal_data_days = 3      # name, phone, e-mail and reminder files are erased this long after the slot

    [reminders]
    before_hours = 24           # the SMS (and e-mail, if given) goes this long before the slot;
    min_lead_hours = 2          # a later booking gets it at once if the slot is this far off, else none
    batch = 200                 # one sweep sends at most this many, so a backlog never blocks it
    sms = "file:/var/spool/kiosk-central/sms"       # default: outbox/sms beside the database
    email = "file:/var/spool/kiosk-central/email"   # default: outbox/email beside the database
    sender = "Service center <no-reply@example.bank>"

    [appeals]
    no_answer_asks = 3          # "are you satisfied?" answered "no answer" is asked again this many times
    repeat_similarity = 0.8     # text similarity (0-1) from which an appeal of the same contact is a repeat
    repeat_answered = 2         # a repeat is proposed for rejection once answered this many times
    followup_after_days = 3     # working days after a complaint's answer (and between asks) to ask "satisfied?"
    [fleet]
    missed_for_offline = 3      # a kiosk is offline after this many heartbeat intervals without one
    back_after = 2              # ... and online again after this many heartbeats in a row
    alert_to = ["sms:+79120000000", "email:duty@example.bank"]   # paper low, printer down, offline
    escalate_to = ["sms:+79120000001"]   # also told when it is the center's only ticket printer

Reminder channels: ``file:DIR`` is the reference adapter (one ``<id>.json`` SMS or ``<id>.eml``
e-mail per reminder, renamed into place). A bank's gateway plugs in as ``python:package.module:factory``:
central imports the module at start-up and calls ``factory(kind, settings)`` once, with ``kind``
``"sms"`` or ``"email"`` and the :class:`~central.appointments.settings.ReminderSettings`; the
returned object needs one method, ``send(message: ReminderMessage) -> None``, raising
``ChannelUnavailable`` (retried after 1, 5, 15, 60 minutes; failed after 6 tries) or
``ChannelRejected`` (failed at once), both from :mod:`central.appointments.channels`. ``send``
may be called twice for one ``message.reminder_id`` (after a crash): use it as the gateway's
idempotency key where there is one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from central.appeals.settings import AppealSettings
from central.appointments.channels import spec_problem
from central.appointments.settings import AppointmentSettings, ReminderSettings
from central.fleet.state import FleetSettings
from central.queue.engine import QueueSettings
from service_common.tomlconfig import check, from_mapping, load_file

ENV_VAR = "KIOSK_CENTRAL_CONFIG"
HANDLER_MODES = ("auto", "inline", "threads")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _tz_check(value: object) -> str | None:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (expected an IANA name such as Europe/Moscow)"
    return None


def _port_check(value: object) -> str | None:
    return None if isinstance(value, int) and 0 <= value <= 65535 else "a port number from 0 to 65535"


def _non_empty(value: object) -> str | None:
    return None if str(value).strip() else "must not be empty"


def _url_check(value: object) -> str | None:
    text = str(value)
    if not text or (text.startswith(("http://", "https://")) and not text.endswith("/")):
        return None
    return "an http:// or https:// URL without a trailing slash (or empty for http://HOST:PORT)"


def _at_least(low: float) -> Callable[[object], str | None]:
    def check_value(value: object) -> str | None:
        return None if isinstance(value, int | float) and value >= low else f"a number of at least {low:g}"

    return check_value


@dataclass
class ServerSection:
    host: str = field(default="127.0.0.1", metadata=check(_non_empty))
    port: int = field(default=8470, metadata=check(_port_check))
    db: str = field(default="./central.db", metadata=check(_non_empty))
    log_level: str = field(
        default="INFO", metadata=check(lambda v: None if v in LOG_LEVELS else ", ".join(LOG_LEVELS))
    )
    timezone: str = field(default="Europe/Moscow", metadata=check(_tz_check))
    public_url: str = field(default="", metadata=check(_url_check))
    workers: int = field(default=0, metadata=check(_at_least(0)))
    handlers: str = field(
        default="auto", metadata=check(lambda v: None if v in HANDLER_MODES else ", ".join(HANDLER_MODES))
    )
    """Where handlers run: "inline" on the event loop, "threads" on handler_threads threads (central.offload);
    "auto": inline on SQLite, threads otherwise."""
    handler_threads: int = field(default=4, metadata=check(_at_least(1)))
    """Worker processes; 0: 1 on SQLite, the core count on PostgreSQL ($KIOSK_CENTRAL_WORKERS overrides)."""


@dataclass
class BonusSection:
    """Bonus minutes per priority; ``none`` is always 0 (a walk-in is the reference)."""

    disability: float = field(default=15, metadata=check(_at_least(0)))
    pregnancy: float = field(default=15, metadata=check(_at_least(0)))
    veteran: float = field(default=15, metadata=check(_at_least(0)))
    appointment: float = field(default=20, metadata=check(_at_least(0)))


@dataclass
class QueueSection:
    default_service_min: float = field(default=5, metadata=check(_at_least(0.1)))
    service_samples: int = field(default=10, metadata=check(_at_least(1)))
    min_samples: int = field(default=3, metadata=check(_at_least(1)))
    board_calls: int = field(default=8, metadata=check(_at_least(1)))
    staff_idle_min: int = field(default=30, metadata=check(_at_least(1)))
    staff_max_hours: int = field(default=12, metadata=check(_at_least(1)))
    lease_ceiling: int = field(default=999, metadata=check(_at_least(10)))
    default_daily_volume: int = field(default=200, metadata=check(_at_least(1)))
    bonus_min: BonusSection = field(default_factory=BonusSection)

    def settings(self) -> QueueSettings:
        bonus = {"none": 0.0, **{k: float(v) for k, v in asdict(self.bonus_min).items()}}
        return QueueSettings(
            bonus_min=bonus,
            default_service_min=float(self.default_service_min),
            service_samples=self.service_samples,
            min_samples=self.min_samples,
            board_calls=self.board_calls,
            staff_idle_min=self.staff_idle_min,
            staff_max_hours=self.staff_max_hours,
            lease_ceiling=self.lease_ceiling,
            default_daily_volume=self.default_daily_volume,
        )


@dataclass
class AppointmentsSection:
    hold_minutes: float = field(default=5, metadata=check(_at_least(0.5)))
    max_active_per_person: int = field(default=2, metadata=check(_at_least(0)))
    max_cancellations: int = field(default=3, metadata=check(_at_least(0)))
    cancellation_window_days: float = field(default=30, metadata=check(_at_least(0)))
    cooldown_days: float = field(default=7, metadata=check(_at_least(0)))
    checkin_early_min: float = field(default=15, metadata=check(_at_least(0)))
    checkin_late_min: float = field(default=10, metadata=check(_at_least(0)))
    sweep_seconds: float = field(default=30, metadata=check(_at_least(1)))
    personal_data_days: float = field(default=3, metadata=check(_at_least(1)))

    def settings(self) -> AppointmentSettings:
        return AppointmentSettings(**asdict(self))


def _sender_check(value: object) -> str | None:
    text = str(value)
    return None if "@" in text and "\n" not in text and "\r" not in text else "an e-mail address"


@dataclass
class RemindersSection:
    before_hours: float = field(default=24, metadata=check(_at_least(0)))
    min_lead_hours: float = field(default=2, metadata=check(_at_least(0)))
    batch: int = field(default=200, metadata=check(_at_least(1)))
    sms: str = field(default="", metadata=check(spec_problem))
    email: str = field(default="", metadata=check(spec_problem))
    sender: str = field(default="kiosk-central@localhost", metadata=check(_sender_check))

    def settings(self) -> ReminderSettings:
        return ReminderSettings(**asdict(self))


def _recipients_check(value: object) -> str | None:
    ok = isinstance(value, list) and all(
        isinstance(v, str) and v.partition(":")[0] in ("sms", "email") and v.partition(":")[2] for v in value
    )
    return None if ok else 'a list of "sms:NUMBER" or "email:ADDRESS"'


@dataclass
class FleetSection:
    missed_for_offline: int = field(default=3, metadata=check(_at_least(1)))
    back_after: int = field(default=2, metadata=check(_at_least(1)))
    alert_to: list[str] = field(
        default_factory=lambda: ["sms:duty-technician"], metadata=check(_recipients_check)
    )
    escalate_to: list[str] = field(
        default_factory=lambda: ["sms:duty-supervisor"], metadata=check(_recipients_check)
    )

    def settings(self) -> FleetSettings:
        return FleetSettings(
            missed_for_offline=self.missed_for_offline,
            back_after=self.back_after,
            alert_to=tuple(self.alert_to),
            escalate_to=tuple(self.escalate_to),
        )


@dataclass
class AppealsSection:
    no_answer_asks: int = field(default=3, metadata=check(_at_least(0)))
    repeat_similarity: float = field(default=0.8, metadata=check(_at_least(0.1)))
    repeat_answered: int = field(default=2, metadata=check(_at_least(1)))
    followup_after_days: int = field(default=3, metadata=check(_at_least(0)))

    def settings(self) -> AppealSettings:
        return AppealSettings(**asdict(self))


@dataclass
class CentralConfig:
    server: ServerSection = field(default_factory=ServerSection)
    queue: QueueSection = field(default_factory=QueueSection)
    appointments: AppointmentsSection = field(default_factory=AppointmentsSection)
    reminders: RemindersSection = field(default_factory=RemindersSection)
    appeals: AppealsSection = field(default_factory=AppealsSection)
    fleet: FleetSection = field(default_factory=FleetSection)
    source: str = field(default="<defaults>", compare=False, metadata={"internal": True})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.server.timezone)


def load(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> CentralConfig:
    """Load the file the way every ``kiosk-central`` command does; raises ConfigError."""
    env = dict(os.environ) if env is None else env
    chosen = path or env.get(ENV_VAR) or None
    if chosen:
        cfg = load_file(CentralConfig, Path(chosen))
        cfg.source = str(chosen)
        return cfg
    return from_mapping(CentralConfig, {}, "<defaults>")
