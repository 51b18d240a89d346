"""Staff sign-in on the kiosk with a PIN, stored only as a salted scrypt hash.

A PIN has few digits, so the hash alone would not stop a patient attacker at the screen:
after ``MAX_FAILURES`` wrong PINs in a row the sign-in locks for ``LOCKOUT``.

The same directory serves technicians (kiosk.services.technician) over their own table, with
the wrong PINs kept on disk so that restarting the app does not lift the lock; the lock always
ends after ``LOCKOUT``, so nobody is locked out for good.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from offline_cache.db import CacheDB
from offline_cache.staff import StaffStore
from service_common.clock import Clock

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
_PIN = re.compile(r"^\d{4,8}$")
_NAME = re.compile(r"^[\w.-]{1,32}$")
# scrypt cost: about 30 ms per check on the kiosk's CPU; a PIN check runs on a worker thread.
_N, _R, _P = 2**14, 8, 1


class StaffError(ValueError):
    """A staff operation was refused; the message is for the technician or staff member."""


class StaffLocked(StaffError):
    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"too many wrong PINs; sign-in locked until {until:%H:%M}")


@dataclass(frozen=True)
class StaffMember:
    name: str


def _hash(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32).hex()


class PinStore(Protocol):
    def put(self, name: str, pin_hash: str, salt_hex: str, at: datetime) -> None: ...
    def remove(self, name: str) -> bool: ...
    def names(self) -> list[str]: ...
    def hashes(self) -> list[tuple[str, str, str]]: ...


class FailureLog(Protocol):
    """Wrong PINs kept on disk: ``since(t)`` lists those after ``t``; ``clear()`` after a right one."""

    def add(self, at: datetime) -> None: ...
    def since(self, at: datetime) -> list[datetime]: ...
    def clear(self) -> None: ...


class StaffDirectory:
    def __init__(
        self,
        cache: CacheDB,
        clock: Clock,
        *,
        store: PinStore | None = None,
        failures: FailureLog | None = None,
        who: str = "staff",
    ) -> None:
        self.store: PinStore = store or StaffStore(cache)
        self.failures = failures
        self.who = who
        self.clock = clock
        self._failures = 0
        self._locked_until: datetime | None = None
        self._lock = threading.Lock()

    def add(self, name: str, pin: str) -> None:
        """Add a staff member or change their PIN."""
        if not _NAME.match(name):
            raise StaffError("a name is 1-32 letters, digits, '.', '_' or '-'")
        if not _PIN.match(pin):
            raise StaffError("a PIN is 4 to 8 digits")
        if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
            raise StaffError("choose a PIN that is not all one digit or a run such as 1234")
        salt = secrets.token_bytes(16)
        self.store.put(name, _hash(pin, salt), salt.hex(), self.clock.now())
        log.info("%s PIN set for %s", self.who, name)

    def remove(self, name: str) -> bool:
        return self.store.remove(name)

    def names(self) -> list[str]:
        return self.store.names()

    def sign_in(self, pin: str) -> StaffMember | None:
        """The staff member whose PIN this is, or None; raises StaffLocked while locked out."""
        now = self.clock.now()
        with self._lock:
            until = self._locked(now)
            if until is not None:
                raise StaffLocked(until)
        rows = self.store.hashes()
        match = None
        for name, stored, salt in rows:  # every row is checked, so timing does not tell who matched
            if hmac.compare_digest(_hash(pin, bytes.fromhex(salt)), stored):
                match = name
        with self._lock:
            if match is not None:
                self.succeeded()
                log.info("%s %s signed in", self.who, match)
                return StaffMember(match)
            self.failed(now)
        return None

    def succeeded(self) -> None:
        """A right PIN (or code): the count of wrong ones starts again."""
        self._failures = 0
        self._locked_until = None
        if self.failures is not None:
            self.failures.clear()

    def failed(self, now: datetime) -> None:
        """Count a wrong PIN; raises StaffLocked when this one starts the lock."""
        if self.failures is not None:
            self.failures.add(now)
            count = len(self.failures.since(now - LOCKOUT))
        else:
            self._failures += 1
            count = self._failures
        log.warning("wrong %s PIN (%d in a row)", self.who, count)
        if count >= MAX_FAILURES:
            self._failures = 0
            self._locked_until = now + LOCKOUT
            log.warning("%s sign-in locked until %s", self.who, self._locked_until.isoformat())
            raise StaffLocked(self._locked_until)

    def _locked(self, now: datetime) -> datetime | None:
        if self.failures is not None:
            recent = self.failures.since(now - LOCKOUT)
            if len(recent) >= MAX_FAILURES and now < max(recent) + LOCKOUT:
                return max(recent) + LOCKOUT
            return None
        if self._locked_until is not None and now < self._locked_until:
            return self._locked_until
        return None

    def locked_until(self) -> datetime | None:
        with self._lock:
            return self._locked(self.clock.now())
