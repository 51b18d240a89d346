"""What central checks before a card request reaches the bank: the PIN attestation and the rate limit.

See :mod:`service_common.card_attestation` for why the attestation exists and how it is signed.
"""

from __future__ import annotations

import math
import threading
from collections import deque
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
    """At most ``limit`` requests per card token in any ``window`` seconds, in this process.

    Per card, not per kiosk: it slows down someone working through a stolen card's data from
    several kiosks, while a visitor's normal use (a few screens) never meets it.
    """

    def __init__(self, clock: Clock, limit: int = 20, window: float = 60.0) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """None and counts the request if it is allowed; else the whole seconds to wait."""
        now = self.clock.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:  # drop idle cards so memory stays bounded
                self._seen = {k: q for k, q in self._seen.items() if q and q[-1] > now - self.window}
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, math.ceil(times[0] + self.window - now))
            times.append(now)
            return None
