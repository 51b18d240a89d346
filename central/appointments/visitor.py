"""The visitor's own access to a booking by code and phone digits: lock-out and the signed form field.

The public manage page (/a/CODE) has no login. The last four digits of the phone prove the
visitor; five wrong tries within 15 minutes lock the code for 15 minutes, so the 10,000
combinations cannot be walked. Once proven, every later form carries ``t``, an HMAC of
code + digits + expiry under a central secret: the digits are not asked again, and a form
posted from another site (which cannot know them) is refused like a forged one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db

SECRET_NAME = "manage_form_hmac"  # noqa: S105  (a row name, not a secret)
T = TypeVar("T")

LOCK_TRIES = 5
LOCK_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
FORM_TTL = timedelta(minutes=30)
"""How long a proven page stays usable without asking for the digits again."""
KEEP_ATTEMPTS = timedelta(days=1)

_keys: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def form_key(engine: Engine) -> bytes:
    key = _keys.get(engine)
    if key is None:
        key = _keys[engine] = db.load_or_create_secret(engine, SECRET_NAME)
    return key


# ----- lock-out -----


def locked_until(engine: Engine, code: str, now: datetime) -> datetime | None:
    """The end of the lock when the last five wrong tries fell within 15 minutes and it has not passed."""
    m = db.manage_attempts
    with engine.connect() as conn:
        recent = list(
            conn.execute(
                sa.select(m.c.at).where(m.c.code == code).order_by(m.c.at.desc()).limit(LOCK_TRIES)
            ).scalars()
        )
    if len(recent) < LOCK_TRIES or recent[0] - recent[-1] > LOCK_WINDOW:
        return None
    until: datetime = recent[0] + LOCK_FOR
    return until if now < until else None


def note_wrong(engine: Engine, code: str, now: datetime) -> None:
    m = db.manage_attempts
    with db.write_transaction(engine) as conn:
        conn.execute(sa.delete(m).where(m.c.code == code, m.c.at < now - KEEP_ATTEMPTS))
        conn.execute(sa.insert(m).values(code=code, at=now))


class Locked(Exception):
    """Too many wrong digits for this code lately: nothing is looked up until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class WrongDigits(Exception):
    """Code and digits do not match; ``locked`` is set when this very try locked the code."""

    def __init__(self, locked: datetime | None) -> None:
        super().__init__("code and phone digits do not match")
        self.locked = locked


def prove(engine: Engine, code: str, now: datetime, find: Callable[[], T | None]) -> T:
    """The one lock-out of everything that takes a code and the phone's last four digits.

    ``find`` returns None when they do not match. Five wrong tries in 15 minutes lock the code for
    15 minutes (the page and the kiosk alike), so the 10,000 combinations cannot be walked; the
    right digits clear earlier typos.
    """
    until = locked_until(engine, code, now)
    if until is not None:
        raise Locked(until)
    found = find()
    if found is None:
        note_wrong(engine, code, now)
        raise WrongDigits(locked_until(engine, code, now))
    forget(engine, code)
    return found


def forget(engine: Engine, code: str) -> None:
    """After the right digits: earlier typos no longer count towards a lock."""
    m = db.manage_attempts
    with db.write_transaction(engine) as conn:
        conn.execute(sa.delete(m).where(m.c.code == code))


# ----- the signed form field -----


def _mac(key: bytes, code: str, last4: str, expires: int) -> str:
    raw = hmac.new(key, f"{code}|{last4}|{expires}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def sign(key: bytes, code: str, last4: str, now: datetime) -> str:
    expires = int((now + FORM_TTL).timestamp())
    return f"{last4}.{expires}.{_mac(key, code, last4, expires)}"


@dataclass(frozen=True)
class Proof:
    last4: str
    expires: datetime


def verify(key: bytes, code: str, token: str, now: datetime) -> Proof | None:
    """The digits a valid, unexpired ``t`` was made for; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) != 4 or not parts[1].isdigit():
        return None
    last4, expires, mac = parts[0], int(parts[1]), parts[2]
    if not hmac.compare_digest(_mac(key, code, last4, expires), mac) or expires <= now.timestamp():
        return None
    return Proof(last4, datetime.fromtimestamp(expires, now.tzinfo))
