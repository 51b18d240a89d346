"""The one way to central: a method per endpoint of ``central/openapi.json``, and the retry rule.

Every URL path the kiosk uses is here and nowhere else. Each method returns central's answer or
raises from :mod:`server_sync.errors`, whose class says what central may have done: never
sent (``CentralUnreachable``), unknown (``CentralNoAnswer``) or refused (``CentralRejected``).

The rule for writes that a visitor waits on (a ticket, a check-in): they carry a kiosk-made
request id, so :meth:`CentralGateway.with_patience` repeats an unknown outcome with the same id
while the visitor can wait. Whatever is still not known after that may go the offline way, with
the same request id: central adopts the kiosk's leased number when the record arrives, so the
number on paper is the number central calls (see :func:`may_go_offline`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from server_sync.calls_appeals import AppealCalls
from server_sync.calls_cards import CardsCalls
from server_sync.calls_fleet import FleetCalls
from server_sync.calls_knowledge import KnowledgeCalls
from server_sync.client import CentralClient
from server_sync.errors import CentralError, CentralRejected, CentralUnavailable

log = logging.getLogger(__name__)

API = "/api/v1"
APPOINTMENTS = f"{API}/appointments"
JSON = dict[str, Any]
T = TypeVar("T")

RETRY_PAUSES_S = (0.2, 0.5, 1.0, 1.0)
"""Pauses between repeats of an unknown outcome (real time: this is network latency, not business time)."""


def may_go_offline(exc: CentralError) -> bool:
    """The one rule for "may the kiosk do this itself now?" (a leased number, a token checked here).

    Yes when central was never reached or did nothing, and when the outcome stayed unknown after
    :meth:`CentralGateway.with_patience`: the offline record carries the same request id, and
    central reconciles it with whatever it made (it adopts the printed number). No when central
    answered with a refusal: that answer stands.
    """
    return isinstance(exc, CentralUnavailable)


class CentralGateway(KnowledgeCalls, CardsCalls, FleetCalls, AppealCalls):
    """Typed calls to central through one :class:`CentralClient`; tells listeners when the link comes back."""

    def __init__(self, client: CentralClient, *, patience_s: float = 8.0) -> None:
        self.client = client
        self.patience_s = patience_s
        self._link_up: bool | None = None
        self.last_error = ""  # the latest failure, for `kiosk sync status` and the technician
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def booking_page_url(self) -> str:
        """Central's page for a booking, by this kiosk's address: the fallback when central names no public one."""
        return f"{self.client.base_url}/a/"

    @property
    def link_up(self) -> bool | None:
        """None until the first call; then whether the last call reached central."""
        return self._link_up

    def on_link_up(self, listener: Callable[[], None]) -> None:
        """Called (on the calling thread) after the first call that reaches central following a failure."""
        self._listeners.append(listener)

    # ----- the transport, with link tracking -----
    def _call(self, method: str, path: str, *, body: Any = None, params: JSON | None = None,
              read_timeout: float | None = None, headers: dict[str, str] | None = None) -> Any:  # fmt: skip
        kwargs: JSON = {}
        if headers:
            kwargs["headers"] = headers
        if body is not None or method == "POST":
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        if read_timeout is not None:
            kwargs["timeout"] = (self.client.timeout[0], max(0.5, read_timeout))
        try:
            answer = self.client.request(method, path, **kwargs)
        except CentralUnavailable as exc:
            self.last_error = str(exc)
            self._set_link(False)
            raise
        except CentralRejected as exc:
            self.last_error = str(exc)
            self._set_link(True)
            raise
        self._set_link(True)
        return answer

    def _set_link(self, up: bool) -> None:
        with self._lock:
            came_back = up and self._link_up is False
            self._link_up = up
        if came_back:
            log.info("central reachable again")
            for listener in self._listeners:
                try:
                    listener()
                except Exception:  # a listener's bug must not fail the call that succeeded
                    log.exception("link-up listener failed")

    def with_patience(self, call: Callable[[float | None], T], what: str) -> T:
        """Run an idempotent ``call`` (given the read timeout left), repeating an unknown outcome.

        Stops at an answer, at "never sent" (nothing to find out), or when the visitor's
        patience is spent; then the last error is raised for the caller's offline decision.
        """
        deadline = time.monotonic() + self.patience_s
        pauses = iter(RETRY_PAUSES_S)
        while True:
            left = deadline - time.monotonic()
            try:
                return call(min(self.client.timeout[1], left))
            except CentralUnavailable as exc:
                if exc.outcome == "not_sent":
                    raise
                pause = next(pauses, None)
                if pause is None or time.monotonic() + pause + 0.5 > deadline:
                    log.warning("%s: outcome still unknown after %.1f s: %s", what, self.patience_s, exc)
                    raise
                log.info("%s: outcome unknown (%s), asking again with the same request id", what, exc)
                time.sleep(pause)

    # ----- public information -----
    def health(self) -> JSON:
        result: JSON = self._call("GET", "/health")
        return result

    def me(self) -> JSON:
        result: JSON = self._call("GET", f"{API}/kiosk/me")
        return result

    def centers(self) -> list[JSON]:
        result: list[JSON] = self._call("GET", f"{API}/centers")["centers"]
        return result

    def announcements(self, center_id: str) -> list[JSON]:
        body = self._call("GET", f"{API}/announcements", params={"center_id": center_id})
        result: list[JSON] = body["announcements"]
        return result

    def rates(self) -> JSON:
        result: JSON = self._call("GET", f"{API}/rates")
        return result

    # ----- the queue -----
    def queue(self, center_id: str) -> JSON:
        result: JSON = self._call("GET", f"{API}/queue", params={"center_id": center_id})
        return result

    def create_ticket(self, body: JSON, *, patient: bool = False) -> JSON:
        """``POST /tickets``: an online ticket, or an offline one (with ``lease_id`` and ``number``)."""

        def once(read_timeout: float | None) -> JSON:
            ticket: JSON = self._call("POST", f"{API}/tickets", body=body, read_timeout=read_timeout)[
                "ticket"
            ]
            return ticket

        return self.with_patience(once, "ticket") if patient else once(None)

    def void_ticket(self, ticket_id: str, reason: str) -> JSON:
        ticket: JSON = self._call("POST", f"{API}/tickets/{ticket_id}/void", body={"reason": reason})[
            "ticket"
        ]
        return ticket

    def create_lease(self, request_id: str, service_id: str, size: int) -> JSON:
        body = {"request_id": request_id, "service_id": service_id, "size": size}
        lease: JSON = self._call("POST", f"{API}/leases", body=body)["lease"]
        return lease

    # ----- appointments -----
    def appointment_days(self, service_id: str) -> list[date]:
        body = self._call("GET", f"{APPOINTMENTS}/days", params={"service_id": service_id})
        return [date.fromisoformat(d) for d in body["days"]]

    def appointment_slots(self, service_id: str, day: date) -> list[JSON]:
        params = {"service_id": service_id, "date": day.isoformat()}
        slots: list[JSON] = self._call("GET", f"{APPOINTMENTS}/slots", params=params)["slots"]
        return slots

    def hold(self, request_id: str, service_id: str, slot_start: datetime) -> JSON:
        body = {"request_id": request_id, "service_id": service_id, "slot_start": slot_start.isoformat()}
        hold: JSON = self._call("POST", f"{APPOINTMENTS}/holds", body=body)["hold"]
        return hold

    def release_hold(self, hold_id: str) -> None:
        self._call("POST", f"{APPOINTMENTS}/holds/{hold_id}/release")

    def confirm_hold(self, hold_id: str, body: JSON) -> JSON:
        appointment: JSON = self._call("POST", f"{APPOINTMENTS}/holds/{hold_id}/confirm", body=body)[
            "appointment"
        ]
        return appointment

    def lookup_appointment(self, code: str, phone_last4: str) -> JSON:
        body = self._call("POST", f"{APPOINTMENTS}/{code}/lookup", body={"phone_last4": phone_last4})
        appointment: JSON = body["appointment"]
        return appointment

    def cancel_appointment(self, code: str, phone_last4: str) -> JSON:
        body = self._call("POST", f"{APPOINTMENTS}/{code}/cancel", body={"phone_last4": phone_last4})
        appointment: JSON = body["appointment"]
        return appointment

    def reschedule_appointment(
        self, code: str, phone_last4: str, request_id: str, slot_start: datetime
    ) -> JSON:
        body = {"phone_last4": phone_last4, "request_id": request_id, "slot_start": slot_start.isoformat()}
        appointment: JSON = self._call("POST", f"{APPOINTMENTS}/{code}/reschedule", body=body)["appointment"]
        return appointment

    def check_in(self, code: str, body: JSON, *, patient: bool = False) -> JSON:
        """``POST /appointments/{code}/check-in``: ``{"appointment", "ticket"}``.

        ``body`` has the kiosk's ``request_id`` (which central gives the ticket it makes) and, for a
        check-in made offline, ``ticket_request_id`` and ``checked_in_at``.
        """

        def once(read_timeout: float | None) -> JSON:
            answer: JSON = self._call(
                "POST", f"{APPOINTMENTS}/{code}/check-in", body=body, read_timeout=read_timeout
            )
            return answer

        return self.with_patience(once, "check-in") if patient else once(None)

    def appointment_verification(self) -> JSON:
        result: JSON = self._call("GET", f"{APPOINTMENTS}/verification")
        return result

    def upcoming_appointments(self) -> JSON:
        result: JSON = self._call("GET", f"{APPOINTMENTS}/upcoming")
        return result

    # ----- the demo server's clock (only served by `kiosk-central serve --clock`) -----
    def set_demo_clock(self, now: datetime) -> JSON:
        result: JSON = self._call("POST", "/demo/clock", body={"now": now.isoformat()})
        return result

    def close(self) -> None:
        self.client.close()
