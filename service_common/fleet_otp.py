"""One-time technician codes that central issues and a kiosk checks offline.

A technician often comes because the kiosk is broken, sometimes offline: the kiosk must check the
code without asking central. Both sides know the SHA-256 of the kiosk's token (central keeps only
that; the kiosk can compute it), so the code is an HMAC under it: two digits of random nonce and
six digits of HMAC-SHA256 over (kiosk id, 15-minute slot, nonce). A code is good in its slot and
the next one (15 to 30 minutes) and once only (the kiosk remembers the codes it took). Rotating the
kiosk's token invalidates every code issued before. Stdlib only: service_common imports nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

SLOT = timedelta(minutes=15)
_CODE = re.compile(r"^\d{8}$")


def _slot(now: datetime) -> int:
    return int(now.timestamp() // SLOT.total_seconds())


def _digits(key: bytes, kiosk_id: str, slot: int, nonce: str) -> str:
    digest = hmac.new(key, f"{kiosk_id}:{slot}:{nonce}".encode(), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F  # HOTP's dynamic truncation (RFC 4226)
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def key_from_token_hash(token_hash_hex: str) -> bytes:
    return bytes.fromhex(token_hash_hex)


def key_from_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def issue(key: bytes, kiosk_id: str, now: datetime) -> tuple[str, datetime]:
    """A fresh code and the moment it stops working."""
    nonce = f"{secrets.randbelow(100):02d}"
    slot = _slot(now)
    valid_until = datetime.fromtimestamp((slot + 2) * SLOT.total_seconds(), tz=now.tzinfo)
    return nonce + _digits(key, kiosk_id, slot, nonce), valid_until


def verify(key: bytes, kiosk_id: str, code: str, now: datetime) -> bool:
    if not _CODE.match(code):
        return False
    nonce, digits = code[:2], code[2:]
    slot = _slot(now)
    return any(hmac.compare_digest(_digits(key, kiosk_id, s, nonce), digits) for s in (slot, slot - 1))


def digest(code: str) -> str:
    """What the kiosk keeps of a used code: enough to refuse it again, not enough to read it."""
    return hashlib.sha256(code.encode()).hexdigest()[:16]
