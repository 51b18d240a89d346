"""Request and response bodies of ``/api/v1/cards/...``: amounts are decimal strings, times UTC."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.schemas import Currency, Decimal, I18nText, IsoDate, IsoDateTime, Out

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardAuth(In):
    """The card by token and the kiosk's attestation that its PIN was verified (see the README)."""

    token: Hex64 = Field(description="HMAC-SHA256 of the card number under the bank's token key, hex")
    pin_verified_at: IsoDateTime = Field(description="When the chip accepted the PIN")
    issued_at: IsoDateTime = Field(description="When the kiosk signed this request; must be within 90 s")
    nonce: Hex32 = Field(description="Random, new for every request: a second use is refused")
    mac: Hex64 = Field(description="HMAC-SHA256 under the kiosk's attestation key, hex")


class CardRequest(In):
    card: CardAuth


class CardChange(In):
    """A block or an unblock: ``request_id`` makes a repeat after a lost answer get the first answer again."""

    card: CardAuth
    request_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Kiosk-made UUID, the same on every repeat of one visitor action; the idempotency key",
    )


class StatementRequest(In):
    card: CardAuth
    period: Literal["last10", "this_month", "last_month", "range"]
    date_from: IsoDate | None = Field(None, description="First day of a `range` (the center's dates)")
    date_to: IsoDate | None = Field(None, description="Last day of a `range`, included; at most 92 days")
    amount_min: Amount | None = Field(None, description="Smallest absolute amount kept, included")
    amount_max: Amount | None = Field(None, description="Largest absolute amount kept, included")
    voucher: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}$")] | None = None


class OperationOut(Out):
    at: IsoDateTime
    description: str
    amount: Decimal = Field(description="Signed: negative is money out of the account")
    voucher: str


class StatementOut(Out):
    account: str
    currency: Currency
    period_from: IsoDateTime
    period_to: IsoDateTime = Field(description="Excluded")
    opening_balance: Decimal
    closing_balance: Decimal
    total_in: Decimal = Field(description="Sum of the shown operations' credits")
    total_out: Decimal = Field(description="Sum of the shown operations' debits, as a positive number")
    operations: list[OperationOut] = Field(description="Oldest first, filters applied")


class BalanceOut(Out):
    account: str
    currency: Currency
    available: Decimal
    blocked: bool
    block_reference: str | None


class ServiceOut(Out):
    code: str
    name: I18nText
    since: IsoDateTime


class ServicesOut(Out):
    services: list[ServiceOut]


class BlockOut(Out):
    reference: str
    blocked_at: IsoDateTime
    balance_before: BalanceOut
    already_blocked: bool = Field(description="The card was blocked before: the existing block's reference")


class UnblockOut(Out):
    reference: str = Field(description="The reference of the block just lifted")
