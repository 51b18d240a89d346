"""What can go wrong talking to central, split by what the caller should do about it.

``CentralUnavailable`` means "keep it and retry later" (no connection, timeout, 5xx, 429);
``CentralRejected`` means "retrying the same request will not help" (4xx). Callers catch
one or the other, never a bare ``requests`` exception.
"""

from __future__ import annotations

from typing import Any


class CentralError(Exception):
    """Base of every failure of a call to central."""


class CentralUnavailable(CentralError):
    """Central could not be reached or could not answer now; the same request may succeed later."""


class CentralUnreachable(CentralUnavailable):
    """The request never reached central (refused, no route, connect timeout): nothing happened there.

    Only this failure lets a caller do the same thing another way (an offline check-in) without
    the risk that central did it too; after a read timeout or a 5xx it may have.
    """


class CentralRejected(CentralError):
    """Central understood the request and refused it; retrying unchanged will not help."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}  # the rest of the error body (e.g. ``opens_at``, ``until``)
        super().__init__(f"HTTP {status} {code}: {message}")


class CentralUnauthorized(CentralRejected):
    """The kiosk's token is missing, wrong or revoked: a technician must enrol it again."""


class CentralNotFound(CentralRejected):
    """The thing asked for does not exist at central."""
