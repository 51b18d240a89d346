"""Counter staff: accounts, passwords and browser sessions.

Passwords are hashed with scrypt (n=2**14, r=8, p=1, 16-byte salt), stored as
``scrypt$n$r$p$salt$hash`` so the cost can be raised later without breaking old hashes.
A new account gets a random initial password that must be changed at the first sign-in.
Sessions are random tokens in an HttpOnly SameSite=Strict cookie; like kiosk tokens, only
their SHA-256 is stored. A session ends after ``staff_idle_min`` without a request (the counter
console polls, so an open console keeps it alive) or ``staff_max_hours`` after sign-in.
Kept free of web imports so the command line stays quick to start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.queue.engine import QueueSettings
from central.tokens import hash_token, new_token
from service_common.clock import Clock

ROLES = db.STAFF_ROLES
MIN_PASSWORD = 10
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class StaffAdminError(Exception):
    """A refusal worth one line to the operator."""


class PasswordRejected(Exception):
    """The new password does not meet the rules; the message says why."""


@dataclass(frozen=True)
class StaffSession:
    token_hash: str
    username: str
    role: str
    center_id: str | None
    must_change: bool


# ----- passwords -----


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so timing does not reveal which names exist."""
    return hash_password("not a real password", salt=b"\0" * 16)


def check_new_password(new: str, username: str) -> None:
    if len(new) < MIN_PASSWORD:
        raise PasswordRejected(f"the new password needs at least {MIN_PASSWORD} characters")
    if new.strip().lower() == username.lower():
        raise PasswordRejected("the new password must not be the username")


# ----- accounts (the command line) -----


def add(engine: Engine, username: str, role: str, center_id: str | None, clock: Clock) -> str:
    """Create ``username`` (or reset its password) and return a random initial password.

    The account must change it at the first sign-in. Resetting an existing account signs
    out its sessions, like rotating a kiosk token.
    """
    if not _USERNAME.match(username):
        raise StaffAdminError(f"bad username {username!r}: lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise StaffAdminError(f"bad role {role!r}: {' or '.join(ROLES)}")
    password = secrets.token_urlsafe(12)
    set_account(engine, username, role, center_id, password, must_change=True, clock=clock)
    return password


def set_account(
    engine: Engine,
    username: str,
    role: str,
    center_id: str | None,
    password: str,
    *,
    must_change: bool,
    clock: Clock,
) -> None:
    st, c = db.staff, db.centers
    values = {
        "role": role,
        "center_id": center_id,
        "password_hash": hash_password(password),
        "must_change": must_change,
    }
    with db.write_transaction(engine) as conn:
        if (
            center_id is not None
            and conn.execute(sa.select(c.c.id).where(c.c.id == center_id)).first() is None
        ):
            raise StaffAdminError(f"unknown center {center_id!r}")
        if not conn.execute(sa.update(st).where(st.c.username == username).values(**values)).rowcount:
            conn.execute(sa.insert(st).values(username=username, created_at=clock.now(), **values))
        _end_sessions(conn, db.staff_sessions.c.username == username)


def _end_sessions(conn: sa.Connection, which: sa.ColumnElement[bool]) -> None:
    """Delete the sessions matching ``which`` and close the counters they had open."""
    ss, c = db.staff_sessions, db.counters
    conn.execute(
        sa.update(c)
        .where(c.c.opened_session.in_(sa.select(ss.c.token_hash).where(which)))
        .values(opened_session=None, opened_by=None, opened_at=None, serving=None)
    )
    conn.execute(sa.delete(ss).where(which))


def password_matches(engine: Engine, username: str, password: str) -> bool:
    """Whether ``password`` is the account's current one (the demo seed avoids re-hashing with it)."""
    st = db.staff
    with engine.connect() as conn:
        stored = conn.execute(sa.select(st.c.password_hash).where(st.c.username == username)).scalar()
    return stored is not None and verify_password(password, stored)


@dataclass(frozen=True)
class StaffInfo:
    username: str
    role: str
    center_id: str | None
    must_change: bool
    created_at: datetime


def list_all(engine: Engine) -> list[StaffInfo]:
    st = db.staff
    with engine.connect() as conn:
        rows = conn.execute(sa.select(st).order_by(st.c.username)).all()
    return [StaffInfo(r.username, r.role, r.center_id, bool(r.must_change), r.created_at) for r in rows]


# ----- sign-in and sessions (the web) -----


def sign_in(
    engine: Engine, username: str, password: str, now: datetime, settings: QueueSettings
) -> str | None:
    """A new session token, or None for a wrong username or password (the caller cannot tell which)."""
    st, ss = db.staff, db.staff_sessions
    with engine.connect() as conn:
        stored = conn.execute(sa.select(st.c.password_hash).where(st.c.username == username)).scalar()
    if not verify_password(password, stored or _dummy_hash()) or stored is None:
        return None
    token = new_token()
    with db.write_transaction(engine) as conn:
        conn.execute(
            sa.insert(ss).values(
                token_hash=hash_token(token),
                username=username,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(minutes=settings.staff_idle_min),
            )
        )
    return token


def authenticate(engine: Engine, token: str, now: datetime, settings: QueueSettings) -> StaffSession | None:
    """The live session of ``token``; each request pushes the idle expiry on (written once a minute)."""
    st, ss = db.staff, db.staff_sessions
    token_hash = hash_token(token)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(ss.c.created_at, ss.c.last_seen_at, ss.c.expires_at, st.c.username, st.c.role)
            .add_columns(st.c.center_id, st.c.must_change)
            .join(st, st.c.username == ss.c.username)
            .where(ss.c.token_hash == token_hash)
        ).first()
    if row is None or row.expires_at <= now:
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION or now < row.last_seen_at:
        hard_end = row.created_at + timedelta(hours=settings.staff_max_hours)
        expires = min(now + timedelta(minutes=settings.staff_idle_min), hard_end)
        with db.write_transaction(engine) as conn:
            conn.execute(
                sa.update(ss)
                .where(ss.c.token_hash == token_hash)
                .values(last_seen_at=now, expires_at=expires)
            )
    return StaffSession(token_hash, row.username, row.role, row.center_id, bool(row.must_change))


def sign_out(engine: Engine, session: StaffSession) -> None:
    """End the session and close the counter it had open."""
    with db.write_transaction(engine) as conn:
        _end_sessions(conn, db.staff_sessions.c.token_hash == session.token_hash)


def change_password(engine: Engine, session: StaffSession, old: str, new: str) -> bool:
    """Set a new password (False when ``old`` is wrong); other sessions of the account end."""
    st, ss = db.staff, db.staff_sessions
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(st.c.password_hash).where(st.c.username == session.username)
        ).scalar_one()
    if not verify_password(old, stored):
        return False
    check_new_password(new, session.username)
    if new == old:
        raise PasswordRejected("the new password must differ from the old one")
    with db.write_transaction(engine) as conn:
        conn.execute(
            sa.update(st)
            .where(st.c.username == session.username)
            .values(password_hash=hash_password(new), must_change=False)
        )
        _end_sessions(conn, sa.and_(ss.c.username == session.username, ss.c.token_hash != session.token_hash))
    return True
