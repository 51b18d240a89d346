"""Card statements, balance, services, block and unblock: the kiosk's side of ``/api/v1/cards``.

Each call signs a fresh PIN attestation (new nonce, this operation, now) with the kiosk's own key,
so a repeat after an unknown outcome is a new request that central accepts once more. Reading
calls are harmless to repeat. ``block`` and ``unblock`` carry a kiosk-made ``request_id``, the same
on every repeat of one visitor action, so central answers a repeat with its first answer instead of
acting twice (or saying "not blocked" for a card this very request unblocked). Nothing here goes to
the outbox: without central the visitor is told so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from server_sync.client import CentralClient
from service_common import card_attestation

CARDS = "/api/v1/cards"
JSON = dict[str, Any]
T = TypeVar("T")


class CardsCalls:
    client: CentralClient
    _call: Callable[..., Any]
    with_patience: Callable[[Callable[[float | None], Any], str], Any]

    def _card_call(
        self,
        operation: str,
        card_token: str,
        pin_verified_at: datetime,
        now: Callable[[], datetime],
        extra: JSON,
    ) -> JSON:
        key = self.client.card_attestation_key()

        def once(read_timeout: float | None) -> JSON:
            att = card_attestation.sign(
                key, operation=operation, card_token=card_token, pin_verified_at=pin_verified_at, now=now()
            )
            body = {"card": {"token": card_token, **att.as_json()}, **extra}
            result: JSON = self._call("POST", f"{CARDS}/{operation}", body=body, read_timeout=read_timeout)
            return result

        result: JSON = self.with_patience(once, f"card {operation}")
        return result

    def card_statement(
        self, card_token: str, pin_verified_at: datetime, now: Callable[[], datetime], query: JSON
    ) -> JSON:
        """``query``: period (last10, this_month, last_month, range), date_from/date_to, amount_min/max, voucher."""
        return self._card_call("statement", card_token, pin_verified_at, now, query)

    def card_balance(self, card_token: str, pin_verified_at: datetime, now: Callable[[], datetime]) -> JSON:
        return self._card_call("balance", card_token, pin_verified_at, now, {})

    def card_services(self, card_token: str, pin_verified_at: datetime, now: Callable[[], datetime]) -> JSON:
        return self._card_call("services", card_token, pin_verified_at, now, {})

    def card_block(self, card_token: str, pin_verified_at: datetime, now: Callable[[], datetime]) -> JSON:
        return self._card_call("block", card_token, pin_verified_at, now, {"request_id": str(uuid.uuid4())})

    def card_unblock(self, card_token: str, pin_verified_at: datetime, now: Callable[[], datetime]) -> JSON:
        return self._card_call("unblock", card_token, pin_verified_at, now, {"request_id": str(uuid.uuid4())})
