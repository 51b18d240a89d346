"""What appointment code shares: refusals, booking codes, phones, schedules read from their tables,
bookings counted per slot, and the API view of a row (with its signed token).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central import db
from central.appointments import slots as engine
from central.appointments import statements
from central.appointments import token as signing
from central.appointments.schemas import (
    Appointment,
    AppointmentStatus,
)
from central.errors import ApiError

PHONE_KEY = "phone_hmac"
SCHEDULE_TTL_S = 10.0
"""How long a service's schedule is reused before it is read again from the database."""
CODE_DIGITS = 7
"""Random digits of a code; one Luhn check digit follows, so a mistyped digit is caught at once."""
UPCOMING_AHEAD = timedelta(hours=36)
"""How far ahead GET /appointments/upcoming lists bookings: today's and tomorrow's, for an offline day."""
CLOCK_SKEW = timedelta(minutes=2)
"""How far a kiosk's ``checked_in_at`` may be ahead of central's clock before it is refused."""


class BookingRefusal(ApiError):
    """A 409 (or 404/403) with the slot engine's reason as the code, and maybe a time to show."""

    def __init__(
        self, status: int, code: str, message: str, service_id: str | None = None, **times: datetime
    ) -> None:
        super().__init__(status, code, message)
        self.times = times
        self.service_id = service_id  # too_late: the kiosk offers a walk-in ticket for this service


# ----- small pure helpers -----


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``: every single-digit typo and most swaps are caught."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def code_ok(code: str) -> bool:
    return code.isdigit() and len(code) == CODE_DIGITS + 1 and luhn_digit(code[:-1]) == code[-1]


def new_code() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    return body + luhn_digit(body)


def normalise_phone(phone: str) -> str | None:
    """``+7 (912) 345-67-89``, ``89123456789`` and ``9123456789`` are one person: ``+79123456789``.

    A number written with ``+`` (or ``00``) is taken as international as it stands, so ``+81 3 ...``
    never becomes Russian. Without it, only Russian forms are understood (8/7 and 11 digits, or a
    10-digit mobile starting with 9); any other national number needs its country code, because
    ``0912 345 678`` could be anyone's.
    """
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    elif not text.startswith("+"):
        if len(digits) == 11 and digits[0] in "78":
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits
        else:
            return None
    return "+" + digits if 8 <= len(digits) <= 15 and not digits.startswith("0") else None


# ----- the phone key -----


# ----- loading a schedule -----


def _hhmm(text: str) -> time:
    return time.fromisoformat(text)


@dataclass(frozen=True)
class ServiceSchedule:
    service_id: str
    center_id: str
    schedule: engine.BookingSchedule


def load_schedule(conn: Connection, service_id: str, *, lock: bool = False) -> ServiceSchedule:
    """The service's booking schedule built from its rows; 404 when it takes no appointments.

    ``lock`` takes the service's settings row FOR UPDATE: on PostgreSQL that serialises the
    count-then-insert of concurrent bookings of one service, as BEGIN IMMEDIATE does on SQLite
    (where SQLAlchemy leaves FOR UPDATE out).
    """
    bs, sv, ce = db.booking_settings, db.services, db.centers
    if lock:
        conn.execute(sa.select(bs.c.service_id).where(bs.c.service_id == service_id).with_for_update())
    row = conn.execute(
        sa.select(bs, sv.c.center_id, ce.c.timezone)
        .join(sv, sv.c.id == bs.c.service_id)
        .join(ce, ce.c.id == sv.c.center_id)
        .where(bs.c.service_id == service_id, sv.c.active)
    ).first()
    if row is None:
        raise BookingRefusal(404, "not_found", f"service {service_id!r} takes no appointments")
    windows: dict[int, list[engine.Window]] = {}
    breaks: dict[int, list[engine.Window]] = {}
    for table, into in ((db.booking_schedules, windows), (db.booking_breaks, breaks)):
        for w in conn.execute(sa.select(table).where(table.c.service_id == service_id)):
            into.setdefault(w.weekday, []).append((_hhmm(w.start), _hhmm(w.end)))
    ex = db.schedule_exceptions
    exceptions: dict[date, list[engine.Window] | None] = {}
    for e in conn.execute(sa.select(ex).where(ex.c.center_id == row.center_id)):
        exceptions[e.date] = None if e.closed else [(_hhmm(a), _hhmm(b)) for a, b in (e.windows or [])]
    schedule = engine.BookingSchedule(
        windows=windows,
        breaks=breaks,
        slot_minutes=row.slot_minutes,
        capacity=row.capacity,
        buffer_minutes=row.buffer_minutes,
        min_notice=timedelta(minutes=row.min_notice_min),
        horizon=row.horizon_days,
        holidays=row.holiday_country or None,
        tz=row.timezone,
        exceptions=exceptions,
    )
    return ServiceSchedule(service_id, row.center_id, schedule)


def booking_counts(
    conn: Connection, service_id: str, lo: datetime, hi: datetime, now: datetime
) -> dict[datetime, int]:
    """Places taken per slot start in ``[lo, hi)``: bookings, check-ins and live holds."""
    params = {"service_id": service_id, "lo": lo, "hi": hi, "now": now}
    return {start: int(n) for start, n in conn.execute(statements.COUNTS_BY_SLOT, params)}


def count_in_slot(conn: Connection, service_id: str, start: datetime, now: datetime) -> int:
    params = {"service_id": service_id, "start": start.astimezone(UTC), "now": now}
    return int(conn.execute(statements.COUNT_IN_SLOT, params).scalar_one())


def _day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for any zone's local days ``first``..``last``."""
    lo = datetime.combine(first - timedelta(days=1), time(), UTC)
    return lo, datetime.combine(last + timedelta(days=2), time(), UTC)


def _refuse(reason: str) -> BookingRefusal:
    code = "slot_full" if reason == "full" else reason
    return BookingRefusal(409, code, f"the slot cannot be booked: {reason}")


class _Fake:
    """Row-like access to a dict of values, so a row about to be inserted renders like a stored one."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


def _appointment(
    row: Any,
    sched: engine.BookingSchedule,
    *,
    status: AppointmentStatus | None = None,
    code: str | None = None,
    seed: bytes | None = None,
) -> Appointment:
    """The API view of a row; with ``seed``, a confirmed or checked-in booking carries its signed token."""
    start = row.slot_start_utc.astimezone(sched.zone)
    end = (row.slot_start_utc + sched.slot_length).astimezone(sched.zone)
    code, status = code or row.code, status or row.status
    token = None
    if seed is not None and status in ("confirmed", "checked_in"):
        token = signing.sign(
            seed,
            code=code,
            center_id=row.center_id,
            service_id=row.service_id,
            slot_start=start,
            slot_end=end,
        )
    return Appointment(
        id=row.id,
        code=code,
        center_id=row.center_id,
        service_id=row.service_id,
        slot_start=start,
        slot_end=end,
        status=status,
        token=token,
    )
