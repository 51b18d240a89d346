"""Public ticket links ``{public_url}/t/{id}?s={sig}``: the signature keeps ticket ids from being enumerated.

The HMAC key is made on first use and kept in ``central_secrets``, so every central process
on one database signs alike and a restart does not break the QR codes already printed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from central import db

KEY_NAME = "ticket_link_hmac"
SIG_CHARS = 22
"""22 base64url characters: 132 bits of the SHA-256 HMAC, plenty against guessing."""


def load_or_create_key(engine: Engine) -> bytes:
    return db.load_or_create_secret(engine, KEY_NAME)


@dataclass
class Links:
    """Where ticket links point; ``public_url`` is set once the server knows its address."""

    public_url: str
    _key: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def key(self, engine: Engine) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = load_or_create_key(engine)
        return self._key

    def sign(self, engine: Engine, ticket_id: str) -> str:
        mac = hmac.new(self.key(engine), ticket_id.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii")[:SIG_CHARS]

    def verify(self, engine: Engine, ticket_id: str, sig: str) -> bool:
        return hmac.compare_digest(self.sign(engine, ticket_id), sig)

    def status_url(self, engine: Engine, ticket_id: str) -> str:
        return f"{self.public_url}/t/{ticket_id}?s={self.sign(engine, ticket_id)}"
