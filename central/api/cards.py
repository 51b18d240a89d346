"""Card statements, balance, services, temporary block and unblock, for a kiosk that verified the PIN.

Every request carries the card token and the PIN attestation in its body (never a card number,
never in a URL where proxies log it). The order of checks: kiosk token (router), rate limit per
card token (429 + Retry-After), attestation (403), then the bank's adapter. Blocks and unblocks are
audited in ``card_audit``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from central.auth import CurrentKiosk, Kiosk, bearer
from central.context import Context, Ctx
from central.errors import ApiError, responses
from central.schemas import I18nText
from central.statements import audit
from central.statements import backend as sb
from central.statements.guard import AttestationRefused, RateLimiter, check_attestation
from central.statements.schemas import (
    BalanceOut,
    BlockOut,
    CardAuth,
    CardChange,
    CardRequest,
    OperationOut,
    ServiceOut,
    ServicesOut,
    StatementOut,
    StatementRequest,
    UnblockOut,
)

router = APIRouter(prefix="/cards", tags=["cards"])

MAX_RANGE_DAYS = 92
_REFUSED = (
    "`bad_period` when a range lacks a date, ends before it starts, is longer than 92 days or is in the "
    "future, or when amount_min exceeds amount_max"
)
_ERRORS = responses(403, 404, 409, 422, 429, refused=_REFUSED)


async def get_backend(request: Request) -> sb.StatementBackend:
    backend: sb.StatementBackend = request.app.state.statements
    return backend


async def get_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.card_limiter
    return limiter


Backend = Annotated[sb.StatementBackend, Depends(get_backend)]
Limiter = Annotated[RateLimiter, Depends(get_limiter)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _admit(
    ctx: Context, limiter: RateLimiter, kiosk: Kiosk, creds: Credentials, card: CardAuth, operation: str
) -> None:
    wait = limiter.retry_after(card.token)
    if wait is not None:
        raise ApiError(429, "rate_limited", "too many requests for this card", {"Retry-After": str(wait)})
    assert creds is not None  # the router's require_kiosk refused a request without one
    try:
        check_attestation(
            ctx.engine,
            ctx.clock,
            kiosk_token=creds.credentials,
            kiosk_id=kiosk.id,
            operation=operation,
            card_token=card.token,
            pin_verified_at=card.pin_verified_at,
            issued_at=card.issued_at,
            nonce=card.nonce,
            mac=card.mac,
        )
    except AttestationRefused as e:
        raise ApiError(403, e.code, e.message) from None


def _unknown() -> ApiError:
    return ApiError(404, "card_unknown", "the bank knows no card with this token")


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC)


def _balance_out(b: sb.Balance) -> BalanceOut:
    return BalanceOut(
        account=b.account,
        currency=b.currency,
        available=_money(b.available),
        blocked=b.blocked,
        block_reference=b.block_reference,
    )


def _period(ctx: Context, body: StatementRequest) -> sb.Period:
    now = ctx.clock.now()
    tz = ctx.clock.tz
    today = now.date()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tz)

    if body.period == "last10":
        return sb.Period(end=now, last=10)
    if body.period == "this_month":
        return sb.Period(start=midnight(today.replace(day=1)), end=now)
    if body.period == "last_month":
        first = today.replace(day=1)
        return sb.Period(start=midnight((first - timedelta(days=1)).replace(day=1)), end=midnight(first))
    if body.date_from is None or body.date_to is None:
        raise ApiError(422, "bad_period", "a range needs date_from and date_to")
    if body.date_to < body.date_from or (body.date_to - body.date_from).days >= MAX_RANGE_DAYS:
        raise ApiError(422, "bad_period", f"a range is 1 to {MAX_RANGE_DAYS} days")
    if body.date_from > today:
        raise ApiError(422, "bad_period", "the range is in the future")
    return sb.Period(start=midnight(body.date_from), end=min(now, midnight(body.date_to + timedelta(days=1))))


def _filters(body: StatementRequest) -> sb.Filters:
    low = Decimal(body.amount_min) if body.amount_min is not None else None
    high = Decimal(body.amount_max) if body.amount_max is not None else None
    if low is not None and high is not None and low > high:
        raise ApiError(422, "bad_period", "amount_min exceeds amount_max")
    return sb.Filters(amount_min=low, amount_max=high, voucher=body.voucher)


@router.post("/statement", response_model=StatementOut, responses=_ERRORS)
async def card_statement(
    ctx: Ctx,
    kiosk: CurrentKiosk,
    creds: Credentials,
    backend: Backend,
    limiter: Limiter,
    body: StatementRequest,
) -> StatementOut:
    """Operations of a period (last 10, this month, last month, or a range of up to 92 days), filtered."""
    period, filters = _period(ctx, body), _filters(body)
    _admit(ctx, limiter, kiosk, creds, body.card, "statement")
    try:
        st = backend.operations(body.card.token, period, filters)
    except sb.CardUnknown:
        raise _unknown() from None
    ops = [
        OperationOut(at=_utc(o.at), description=o.description, amount=_money(o.amount), voucher=o.voucher)
        for o in st.operations
    ]
    return StatementOut(
        account=st.account,
        currency=st.currency,
        period_from=_utc(st.start),
        period_to=_utc(st.end),
        opening_balance=_money(st.opening),
        closing_balance=_money(st.closing),
        total_in=_money(sum((o.amount for o in st.operations if o.amount > 0), Decimal(0))),
        total_out=_money(-sum((o.amount for o in st.operations if o.amount < 0), Decimal(0))),
        operations=ops,
    )


@router.post("/balance", response_model=BalanceOut, responses=_ERRORS)
async def card_balance(
    ctx: Ctx, kiosk: CurrentKiosk, creds: Credentials, backend: Backend, limiter: Limiter, body: CardRequest
) -> BalanceOut:
    _admit(ctx, limiter, kiosk, creds, body.card, "balance")
    try:
        return _balance_out(backend.balance(body.card.token))
    except sb.CardUnknown:
        raise _unknown() from None


@router.post("/services", response_model=ServicesOut, responses=_ERRORS)
async def card_services(
    ctx: Ctx, kiosk: CurrentKiosk, creds: Credentials, backend: Backend, limiter: Limiter, body: CardRequest
) -> ServicesOut:
    """Services connected to the card (notifications, online banking, ...)."""
    _admit(ctx, limiter, kiosk, creds, body.card, "services")
    try:
        found = backend.services(body.card.token)
    except sb.CardUnknown:
        raise _unknown() from None
    return ServicesOut(
        services=[
            ServiceOut(code=s.code, name=I18nText.model_validate(s.name), since=_utc(s.since)) for s in found
        ]
    )


def _audit(ctx: Context, kiosk: Kiosk, action: str, body: CardChange, reference: str) -> None:
    audit.record(
        ctx.engine,
        at=ctx.clock.now(),
        action=action,
        card_token=body.card.token,
        kiosk_id=kiosk.id,
        center_id=kiosk.center_id,
        reference=reference,
        request_id=body.request_id,
    )


def _earlier(ctx: Context, kiosk: Kiosk, action: str, body: CardChange) -> str | None:
    try:
        return audit.earlier(
            ctx.engine, body.request_id, kiosk_id=kiosk.id, card_token=body.card.token, action=action
        )
    except audit.RequestIdReused:
        raise ApiError(409, "request_id_reused", "this request id was used for another request") from None


@router.post("/block", response_model=BlockOut, responses=_ERRORS)
async def card_block(
    ctx: Ctx, kiosk: CurrentKiosk, creds: Credentials, backend: Backend, limiter: Limiter, body: CardChange
) -> BlockOut:
    """Block the card temporarily (lost or stolen); a card already blocked answers its existing block.

    A repeat with the request id of a block that succeeded answers as the first time (not "already").
    """
    _admit(ctx, limiter, kiosk, creds, body.card, "block")
    try:
        result = backend.block_temporarily(body.card.token, kiosk.id)
    except sb.CardUnknown:
        raise _unknown() from None
    already = result.already
    if not already:
        _audit(ctx, kiosk, "block", body, result.reference)
    elif _earlier(ctx, kiosk, "block", body) == result.reference:
        already = False  # this very request blocked it; its first answer was lost
    return BlockOut(
        reference=result.reference,
        blocked_at=_utc(result.blocked_at),
        balance_before=_balance_out(result.balance_before),
        already_blocked=already,
    )


@router.post("/unblock", response_model=UnblockOut, responses=_ERRORS)
async def card_unblock(
    ctx: Ctx, kiosk: CurrentKiosk, creds: Credentials, backend: Backend, limiter: Limiter, body: CardChange
) -> UnblockOut:
    """Lift a temporary block; needs a PIN verified for this very request (409 ``not_blocked``).

    A repeat with the request id of an unblock that succeeded answers its reference again.
    """
    _admit(ctx, limiter, kiosk, creds, body.card, "unblock")
    done = _earlier(ctx, kiosk, "unblock", body)
    if done is not None:  # never lift a block twice for one request (the card may be blocked anew)
        return UnblockOut(reference=done)
    try:
        reference = backend.unblock(body.card.token, kiosk.id)
    except sb.CardUnknown:
        raise _unknown() from None
    except sb.NotBlocked:
        done = _earlier(ctx, kiosk, "unblock", body)  # a concurrent repeat of this request lifted it
        if done is not None:
            return UnblockOut(reference=done)
        raise ApiError(409, "not_blocked", "the card has no temporary block") from None
    _audit(ctx, kiosk, "unblock", body, reference)
    return UnblockOut(reference=reference)
