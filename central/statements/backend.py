"""The adapter interface between central and a bank's core system: where a bank plugs in.

Central resolves what the visitor asked for (a period in the center's time zone, filters) and
checks the kiosk (token, PIN attestation, rate limit, audit); an adapter only answers for a card
token. Amounts are :class:`~decimal.Decimal` (never floats), signed from the account's side:
negative is money out. An adapter never sees a card number: cards are known by token (HMAC-SHA256
of the number under the bank's token key, which the bank provisions to its kiosks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class CardUnknown(Exception):
    """The core system knows no card with this token."""


class NotBlocked(Exception):
    """Unblock asked for a card that has no temporary block."""


@dataclass(frozen=True)
class Operation:
    at: datetime
    description: str
    amount: Decimal
    voucher: str
    """The receipt (authorization) number printed on the merchant's slip: what visitors search by."""


@dataclass(frozen=True)
class Period:
    """``start``..``end`` (end excluded), or, when ``last`` is set, the last ``last`` operations before ``end``."""

    end: datetime
    start: datetime | None = None
    last: int | None = None


@dataclass(frozen=True)
class Filters:
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    """Bounds on the operation's absolute amount, both included."""
    voucher: str | None = None

    def keep(self, op: Operation) -> bool:
        size = abs(op.amount)
        if self.amount_min is not None and size < self.amount_min:
            return False
        if self.amount_max is not None and size > self.amount_max:
            return False
        return self.voucher is None or op.voucher == self.voucher


@dataclass(frozen=True)
class Statement:
    currency: str
    account: str
    """The account number as the bank shows it to its customer, masked."""
    start: datetime
    end: datetime
    opening: Decimal
    closing: Decimal
    operations: list[Operation] = field(default_factory=list)
    """Oldest first, already filtered; opening and closing are the account's, filters aside."""


@dataclass(frozen=True)
class Balance:
    available: Decimal
    currency: str
    account: str
    blocked: bool
    block_reference: str | None


@dataclass(frozen=True)
class ConnectedService:
    code: str
    name: dict[str, str]
    """Keys ``ru``, ``zh-Hant``, ``en``, like every multilingual text of the API."""
    since: datetime


@dataclass(frozen=True)
class BlockResult:
    reference: str
    blocked_at: datetime
    balance_before: Balance
    already: bool
    """True when the card was already blocked: the existing reference comes back (a retry is harmless)."""


class StatementBackend(Protocol):
    def balance(self, card_token: str) -> Balance: ...

    def operations(self, card_token: str, period: Period, filters: Filters) -> Statement: ...

    def services(self, card_token: str) -> list[ConnectedService]: ...

    def block_temporarily(self, card_token: str, kiosk_id: str) -> BlockResult:
        """Block until unblocked; idempotent for an already blocked card."""
        ...

    def unblock(self, card_token: str, kiosk_id: str) -> str:
        """Lift the temporary block and return its reference; raises :class:`NotBlocked`."""
        ...
