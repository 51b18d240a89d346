"""What central checks before a card request reaches the bank: the PIN attestation and the rate limit.

See :mod:`service_common.card_attestation` for why the attestation exists and how it is signed.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from central import db
from service_common import card_attestation
from service_common.clock import Clock

FRESHNESS = timedelta(seconds=90)
"""How far ``issued_at`` may be from central's clock either way (kiosk clocks drift a little)."""
SESSION_MAX = timedelta(minutes=15)
"""A PIN verified longer ago than this is no longer an identification (a kiosk session is shorter)."""
FRESH_PIN = {"unblock": timedelta(minutes=2)}
"""Operations that need the PIN asked again for them, not just earlier in the session."""


class AttestationRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_attestation(
    engine: Engine,
    clock: Clock,
    *,
    kiosk_token: str,
    kiosk_id: str,
    operation: str,
    card_token: str,
    pin_verified_at: datetime,
    issued_at: datetime,
    nonce: str,
    mac: str,
) -> None:
    """Raise :class:`AttestationRefused` unless the attestation is genuine, fresh and new; then spend its nonce."""
    key = card_attestation.attestation_key(kiosk_token)
    expected = card_attestation.mac(
        key,
        operation=operation,
        card_token=card_token,
        pin_verified_at=pin_verified_at,
        issued_at=issued_at,
        nonce=nonce,
    )
    if not card_attestation.matches(expected, mac):
        raise AttestationRefused("attestation_invalid", "the PIN attestation does not verify")
    now = clock.now()
    if abs(now - issued_at) > FRESHNESS:
        raise AttestationRefused("attestation_stale", "the PIN attestation is too old or from the future")
    if pin_verified_at > issued_at or issued_at - pin_verified_at > FRESH_PIN.get(operation, SESSION_MAX):
        raise AttestationRefused("pin_expired", "the PIN was verified too long ago: ask for it again")
    n = db.card_nonces
    try:
        with db.write_transaction(engine) as conn:
            # Nonces older than the window can no longer pass the freshness check: forget them.
            conn.execute(sa.delete(n).where(n.c.seen_at < now - 2 * FRESHNESS))
            conn.execute(sa.insert(n).values(nonce=nonce, kiosk_id=kiosk_id, seen_at=now))
    except IntegrityError:
        raise AttestationRefused("attestation_replayed", "this PIN attestation was already used") from None


class RateLimiter:
    """At most ``limit`` requests per card token in any ``window`` seconds, counted in the database.

    Per card, not per kiosk: it slows down someone working through a stolen card's data from
    several kiosks, while a visitor's normal use (a few screens) never meets it. The counts live in
    the database so every worker and every central behind the proxy enforce one limit together.

    A sliding-window counter: the current fixed window's count plus the previous window's, weighted
    by how much of it still lies inside the last ``window`` seconds. One row per card and window; a
    row older than the previous window is deleted as the limiter passes by.
    """

    def __init__(self, engine: Engine, clock: Clock, limit: int = 20, window: int = 60) -> None:
        self.engine = engine
        self.clock = clock
        self.limit = limit
        self.window = window

    def retry_after(self, key: str) -> int | None:
        """None and counts the request if it is allowed; else the whole seconds to wait."""
        try:
            return self._count(key)
        except IntegrityError:  # two workers made the window's row at once (PostgreSQL): count again
            return self._count(key)

    def _count(self, key: str) -> int | None:
        t = self.clock.now().timestamp()
        slot = int(t // self.window)
        into = (t - slot * self.window) / self.window  # how far into the current window, 0..1
        r = db.card_rate
        with db.write_transaction(self.engine) as conn:
            conn.execute(sa.delete(r).where(r.c.slot < slot - 1))
            counts = dict(
                conn.execute(
                    sa.select(r.c.slot, r.c.count).where(r.c.card_token == key, r.c.slot >= slot - 1)
                ).all()
            )
            previous, current = counts.get(slot - 1, 0), counts.get(slot, 0)
            if previous * (1 - into) + current >= self.limit:
                return self._wait(previous, current, into)
            if slot in counts:
                conn.execute(
                    sa.update(r).where(r.c.card_token == key, r.c.slot == slot).values(count=r.c.count + 1)
                )
            else:
                conn.execute(sa.insert(r).values(card_token=key, slot=slot, count=1))
        return None

    def _wait(self, previous: int, current: int, into: float) -> int:
        """Seconds until the weighted count falls below the limit (the current window's end at most)."""
        if current >= self.limit or previous == 0:
            return max(1, math.ceil((1 - into) * self.window))
        free_at = 1 - (self.limit - current) / previous  # the fraction of this window where it frees up
        return max(1, math.ceil((free_at - into) * self.window))
