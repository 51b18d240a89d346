"""The appointment settings alone: light to import, so the CLI and config need no web stack."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppointmentSettings:
    """The knobs of booking; defaults are the product's, the config file may change them."""

    hold_minutes: float = 5
    max_active_per_person: int = 2
    max_cancellations: int = 3
    cancellation_window_days: float = 30
    cooldown_days: float = 7
    checkin_early_min: float = 15
    checkin_late_min: float = 10
    sweep_seconds: float = 30
    """How often ``serve`` sweeps: no-shows marked missed, expired holds deleted (appointments.sweeper)."""
    personal_data_days: float = 3
    """A booking's name, phone and e-mail (and its reminder files) are erased this long after its slot;
    the phone's HMAC stays for the fair-use limits (appointments.retention)."""


@dataclass(frozen=True)
class ReminderSettings:
    """When reminders go and through what; ``sms``/``email`` are channel specs (central.appointments.channels).

    An empty spec means the reference file adapter in ``outbox/sms`` or ``outbox/email`` beside
    the SQLite database (or the working directory for a database URL).
    """

    before_hours: float = 24
    min_lead_hours: float = 2
    batch: int = 200
    sms: str = ""
    email: str = ""
    sender: str = "kiosk-central@localhost"
