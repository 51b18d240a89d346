"""The HTTP transport to central: one request in, decoded JSON or a ``server_sync.errors`` error out.

Built on a ``requests.Session`` that callers may inject (tests mount their own adapters, a bank
may add client certificates). Every call has a connect and a read timeout, and every failure is
classified by what central may have done (never sent / unknown). Endpoints and their URL paths
live in :mod:`server_sync.gateway`, not here.

``requests`` (with urllib3, about 0.15 s of imports) is imported on the first request, which
the kiosk makes from a worker thread: it is off the way to the first frame.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING, Any

from server_sync.errors import (
    CentralBusy,
    CentralNoAnswer,
    CentralNotFound,
    CentralRejected,
    CentralUnauthorized,
    CentralUnreachable,
)
from service_common import __version__
from service_common.card_attestation import attestation_key

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

NOT_DONE_STATUS = {408, 425, 429}
"""Answers that say central did nothing with the request: as good as never sent."""


class CentralClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        verify: bool = True,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._token, self._verify = token, verify
        self._session = session
        self._session_lock = threading.Lock()
        if session is not None:
            self._prepare(session)

    def _prepare(self, session: requests.Session) -> None:
        session.headers.update(
            {"Authorization": f"Bearer {self._token}", "User-Agent": f"service-kiosk/{__version__}"}
        )
        session.verify = self._verify

    def card_attestation_key(self) -> bytes:
        """The kiosk's PIN-attestation key, derived from its token (see service_common.card_attestation)."""
        return attestation_key(self._token)

    @property
    def session(self) -> requests.Session:
        """The HTTP session, made on first use (see the module's note on import time)."""
        with self._session_lock:
            if self._session is None:
                import requests

                self._session = requests.Session()
                self._prepare(self._session)
            return self._session

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request and return its decoded JSON body, or raise a ``CentralError``."""
        url = self.base_url + path
        kwargs.setdefault("timeout", self.timeout)
        shown = safe_path(path)  # messages end up in logs: no booking codes in them
        import requests

        try:
            response = self.session.request(method, url, **kwargs)
        except requests.ConnectTimeout as exc:
            raise CentralUnreachable(f"central unreachable ({method} {shown})") from exc
        except requests.Timeout as exc:
            raise CentralNoAnswer(f"central did not answer in time ({method} {shown})") from exc
        except requests.ConnectionError as exc:
            if _never_sent(exc):
                raise CentralUnreachable(f"central unreachable ({method} {shown})") from exc
            raise CentralNoAnswer(f"connection to central lost ({method} {shown})") from exc
        except requests.RequestException as exc:
            raise CentralNoAnswer(f"request failed ({method} {shown}): {type(exc).__name__}") from exc
        status = response.status_code
        if status == 429:
            wait = response.headers.get("Retry-After", "")
            raise CentralBusy(
                f"central answered 429 (not done) to {method} {shown}", int(wait) if wait.isdigit() else None
            )
        if status in NOT_DONE_STATUS:
            raise CentralUnreachable(f"central answered {status} (not done) to {method} {shown}")
        if status >= 500:
            raise CentralNoAnswer(f"central answered {status} to {method} {shown}")
        if status >= 400:
            code, message, details = _error_body(response)
            error_cls: type[CentralRejected] = CentralRejected
            if status in (401, 403):
                error_cls = CentralUnauthorized
            elif status == 404:
                error_cls = CentralNotFound
            raise error_cls(status, code, message, details)
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            # A captive portal or a misrouted proxy: whatever answered was not central.
            raise CentralNoAnswer(f"central sent a body that is not JSON ({method} {shown})") from exc

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


_CODE_IN_PATH = re.compile(r"(/appointments/)\d+(\d{3})(?=/|$)")


def safe_path(path: str) -> str:
    """``/appointments/12345678/check-in`` → ``/appointments/*****678/check-in``: codes are half-secret."""
    return _CODE_IN_PATH.sub(lambda m: m.group(1) + "*****" + m.group(2), path)


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made, so the request cannot have reached central."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, NewConnectionError | ConnectTimeoutError):
            return True
        seen = getattr(seen, "reason", None) or (
            seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        )
    return False


def _error_body(response: requests.Response) -> tuple[str, str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return "http_error", response.text[:200], {}
    if isinstance(body, dict):
        detail = body.get("detail")
        rest = {k: v for k, v in body.items() if k not in ("error", "message", "detail")}
        return str(body.get("error", "http_error")), str(body.get("message", detail or "")), rest
    return "http_error", str(body)[:200], {}
