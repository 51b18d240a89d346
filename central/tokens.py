"""Kiosk tokens: 32 random bytes, URL-safe base64, shown once; only their SHA-256 is stored.

Kept free of web imports so the command line stays quick to start.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_changes = 0


def note_change() -> None:
    """A token was revoked or replaced by this process: its cached checks (:mod:`central.auth`) end now."""
    global _changes
    _changes += 1


def changes() -> int:
    return _changes
