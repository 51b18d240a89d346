"""The kiosk's signed word that the chip accepted the cardholder's PIN, as kiosk and central compute it.

Why a separate signature when every request already carries the kiosk's bearer token: the token
says *which kiosk* asks, not that *this card's* holder proved the PIN at *this moment*. The
attestation binds (under a key that is the kiosk's own) the card token, the operation, the time the PIN was verified, the time of
this request and a one-time nonce under a key only that kiosk and central can derive:

- central refuses an attestation whose ``issued_at`` is outside a short window (stale), or
  whose ``pin_verified_at`` is older than a kiosk session can last, so a leaked request is
  worthless minutes later;
- central remembers every nonce for that window, so a recorded request cannot be replayed
  (a second "block" or "unblock", or a statement fetched again by someone else);
- the operation is signed, so a "balance" attestation cannot be turned into an "unblock".

The key is ``HMAC-SHA256(kiosk token, "card-attestation-v1")``: per kiosk, provisioned with the
token (nothing new for a technician to install), never sent, and not derivable from central's
database (which stores only the token's SHA-256); central derives it from the bearer token of
the request it is checking. Rotating the kiosk token rotates it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

VERSION = "v1"
OPERATIONS = ("statement", "balance", "services", "block", "unblock")


def attestation_key(kiosk_token: str) -> bytes:
    return hmac.new(kiosk_token.encode("utf-8"), b"card-attestation-v1", hashlib.sha256).digest()


def _utc(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("naive datetime in an attestation")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Attestation:
    pin_verified_at: datetime
    issued_at: datetime
    nonce: str
    mac: str

    def as_json(self) -> dict[str, str]:
        return {
            "pin_verified_at": _utc(self.pin_verified_at),
            "issued_at": _utc(self.issued_at),
            "nonce": self.nonce,
            "mac": self.mac,
        }


def mac(
    key: bytes,
    *,
    operation: str,
    card_token: str,
    pin_verified_at: datetime,
    issued_at: datetime,
    nonce: str,
) -> str:
    message = "|".join((VERSION, operation, card_token, _utc(pin_verified_at), _utc(issued_at), nonce))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    key: bytes, *, operation: str, card_token: str, pin_verified_at: datetime, now: datetime
) -> Attestation:
    """A fresh attestation for one request (a new nonce every time: never reuse one)."""
    nonce = secrets.token_hex(16)
    # Whole seconds on both sides, so the signed text is what the JSON carries.
    verified = pin_verified_at.replace(microsecond=0)
    issued = now.replace(microsecond=0)
    value = mac(
        key,
        operation=operation,
        card_token=card_token,
        pin_verified_at=verified,
        issued_at=issued,
        nonce=nonce,
    )
    return Attestation(pin_verified_at=verified, issued_at=issued, nonce=nonce, mac=value)


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii", "replace"), given.encode("ascii", "replace"))
