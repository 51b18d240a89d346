"""The signed appointment token: what lets a kiosk check a booking in while central is unreachable.

The kiosk keeps central's public key(s) and the upcoming bookings' tokens; a code typed on the
keypad is then verified without the network. Format (the kiosk has its own verifier, so it is fixed)::

    token   = "A1." + b64url(payload) + "." + b64url(Ed25519 signature over the ASCII of "A1." + b64url(payload))
    payload = compact JSON, sorted keys: {"c": code, "ce": center_id, "en": slot end, "k": key id,
              "st": slot start, "sv": service_id}   (times: integer Unix seconds, UTC)

``b64url`` is URL-safe base64 without padding; the key id is the first 8 hex digits of the
SHA-256 of the raw 32-byte public key. Pure: no I/O, the seed comes from the caller.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = "A1"
ALGORITHM = "Ed25519"
SECRET_NAME = "appointment_signing_key"  # noqa: S105  (a row name, not a secret)
"""The name of the seed in ``central_secrets`` (:func:`central.db.load_or_create_secret`)."""


class TokenError(ValueError):
    """The token is malformed, signed by an unknown key, or its signature does not match."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not text or "=" in text:
        raise TokenError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("not base64url") from exc


def public_key(seed: bytes) -> bytes:
    """The raw 32-byte Ed25519 public key of the 32-byte seed."""
    return (
        Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:8]


def _unix(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("a token's times must be timezone-aware")
    return int(instant.timestamp())


@functools.lru_cache(maxsize=8)
def _signer(seed: bytes) -> tuple[Ed25519PrivateKey, str]:
    """The key object and its id, made once per seed: loading it cost 2 % of a booking's time."""
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return private, key_id(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def sign(
    seed: bytes, *, code: str, center_id: str, service_id: str, slot_start: datetime, slot_end: datetime
) -> str:
    """The token of one booking (confirmed or checked in)."""
    private, kid = _signer(seed)
    payload = {
        "k": kid,
        "c": code,
        "ce": center_id,
        "sv": service_id,
        "st": _unix(slot_start),
        "en": _unix(slot_end),
    }
    text = f"{VERSION}.{b64url(json.dumps(payload, separators=(',', ':'), sort_keys=True).encode('utf-8'))}"
    return f"{text}.{b64url(private.sign(text.encode('ascii')))}"


def verify(token: str, keys: Mapping[str, bytes]) -> dict[str, Any]:
    """The payload of a token signed by one of ``keys`` (key id -> raw public key); TokenError otherwise."""
    parts = token.split(".")
    if not token.isascii() or len(parts) != 3 or parts[0] != VERSION:
        raise TokenError(f"not an {VERSION} token")
    try:
        payload = json.loads(b64url_decode(parts[1]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TokenError("payload is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str):
        raise TokenError("payload has no key id")
    public = keys.get(payload["k"])
    if public is None:
        raise TokenError(f"unknown key {payload['k']!r}")
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(b64url_decode(parts[2]), signed)
    except (InvalidSignature, ValueError) as exc:
        raise TokenError("bad signature") from exc
    return payload
