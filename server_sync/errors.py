"""What can go wrong talking to central, split by what the caller may do about it.

Three outcomes matter, and every failure says which one it is:

- ``CentralUnreachable`` (outcome ``not_sent``): the request never reached central, or central
  answered that it did nothing (429, 408). Nothing happened there.
- ``CentralNoAnswer`` (outcome ``unknown``): the request was sent, but no usable answer came
  back (a read timeout, a reset, a 5xx from central or a proxy, a body that is not central's).
  Central may have done it. Only repeating the same request id finds out.
- ``CentralRejected``: central answered and refused; the same request will be refused again.

``CentralUnavailable`` is the parent of the first two: "keep it and try again later".
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

Outcome = Literal["not_sent", "unknown", "answered"]


class CentralError(Exception):
    """Base of every failure of a call to central."""

    outcome: ClassVar[Outcome] = "answered"


class CentralUnavailable(CentralError):
    """Central could not be reached or did not answer usably; the same request may succeed later."""

    outcome: ClassVar[Outcome] = "unknown"


class CentralUnreachable(CentralUnavailable):
    """The request never reached central (refused, no route, connect timeout) or central did nothing."""

    outcome: ClassVar[Outcome] = "not_sent"


class CentralBusy(CentralUnreachable):
    """Central answered 429: it did nothing, and says when to ask again (``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CentralNoAnswer(CentralUnavailable):
    """Sent, but no usable answer: central may or may not have acted on it."""

    outcome: ClassVar[Outcome] = "unknown"


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
