"""The signed token in a booking's QR code, checked on the kiosk with no connection.

Central signs ``A1.<payload>.<signature>`` with Ed25519 (central/appointments/token.py); the kiosk
holds only the public keys (``GET /appointments/verification``), so a kiosk that is taken apart
cannot make bookings of its own. The payload names the code, center, service and slot, which is
everything an offline check-in needs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PREFIX = "A1."


class BadToken(ValueError):
    """Not a token of ours, altered, or signed by a key this kiosk does not know."""


@dataclass(frozen=True)
class Claims:
    code: str
    center_id: str
    service_id: str
    slot_start: datetime  # UTC
    slot_end: datetime


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadToken("not base64url") from exc


def looks_like_token(text: str) -> bool:
    return text.startswith(PREFIX) and text.count(".") == 2


def verify(token: str, keys: Mapping[str, bytes]) -> Claims:
    """The token's claims, if one of ``keys`` (key id → raw public key) signed exactly this text."""
    if not looks_like_token(token):
        raise BadToken("not an appointment token")
    signed, _, signature = token.rpartition(".")
    try:
        payload = json.loads(b64url_decode(signed[len(PREFIX) :]))
        key = keys.get(str(payload["k"]))
        if key is None:
            raise BadToken("signed by an unknown key")
        Ed25519PublicKey.from_public_bytes(key).verify(b64url_decode(signature), signed.encode("ascii"))
        return Claims(
            code=str(payload["c"]),
            center_id=str(payload["ce"]),
            service_id=str(payload["sv"]),
            slot_start=datetime.fromtimestamp(int(payload["st"]), UTC),
            slot_end=datetime.fromtimestamp(int(payload["en"]), UTC),
        )
    except InvalidSignature as exc:
        raise BadToken("signature does not match") from exc
    except (KeyError, TypeError, ValueError, UnicodeError) as exc:
        if isinstance(exc, BadToken):
            raise
        raise BadToken("malformed token") from exc


def keys_from(verification: Mapping[str, object]) -> dict[str, bytes]:
    """Key id → raw public key from central's verification document; unknown algorithms skipped."""
    out: dict[str, bytes] = {}
    for entry in verification.get("keys", []) or []:  # type: ignore[attr-defined]
        if isinstance(entry, dict) and entry.get("algorithm") == "Ed25519":
            try:
                out[str(entry["id"])] = b64url_decode(str(entry["public_key"]))
            except (KeyError, BadToken):
                continue
    return out
