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
