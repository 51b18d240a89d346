"""The card session after a card is read: language, PIN on the chip, then statement, balance, services, loss report.

No Kivy here. The card number lives only inside the reader's ``CardData`` for as long as it takes to
make the card token (a keyed hash the bank provisions, ``[card] token_key_file``); then it is wiped.
What stays for the session is the masked number, the token, and when the chip accepted the PIN.
The PIN itself passes straight to the reader and is never kept, logged or put in an exception.

Everything here needs central (commercial data is never cached on a kiosk): without it, the visitor
is told so plainly, and nothing is queued for later. The session ends, and all of it is forgotten,
when the card is removed, on idle, or when the visitor finishes (``kiosk.session`` wipe hooks).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from devices.card import CardRemoved, ReaderLost
from devices.printer import PrinterError
from devices.receipts.statement import (
    BlockData,
    StatementData,
    StatementLine,
    block_receipt,
    statement_receipt,
)
from kiosk.session import CardIdentity, Session
from server_sync.errors import CentralBusy, CentralError, CentralRejected, CentralUnavailable
from server_sync.gateway import CentralGateway
from service_common.clock import Clock

log = logging.getLogger(__name__)

LANG_FROM_CARD = {"ru": "ru", "zh": "zh-Hant", "en": "en"}
"""ISO 639-1 codes of the card's 5F2D to the kiosk's languages."""
UNBLOCK_PIN_S = 60.0
"""Unblocking needs the PIN entered for it: one verified earlier in the session is not enough."""


class CardLike(Protocol):
    """What the service needs of ``devices.card.CardData`` (the full number stays inside it)."""

    pan_masked: str
    expiry: str
    label: str
    lang_pref: list[str]
    pin_cvm: bool

    def token(self, key: bytes) -> str: ...

    def wipe(self) -> None: ...


class PinResultLike(Protocol):
    ok: bool
    tries_left: int | None
    blocked: bool


class PinReader(Protocol):
    def verify_pin(self, pin: str) -> Any: ...


class CardServiceError(Exception):
    """Why a card operation did not happen, as a key the screen turns into words.

    offline (central unreachable), busy (``retry_after`` s), pin_needed (verify the PIN again),
    no_pin (the card does not allow a PIN here), pin_blocked, unknown_card, not_blocked, no_session,
    refused (any other answer of central), printer.
    """

    def __init__(self, reason: str, *, retry_after: int | None = None, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.retry_after = retry_after


MAX_RANGE_DAYS = 92  # central's limit: about three months, both ends included
HISTORY_DAYS = 366  # how far back a visitor may ask at the kiosk


class RangeProblem(ValueError):
    """Dates a visitor typed that cannot make a statement period; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # format | order | too_long | future | too_old


def day_digits(text: str) -> str:
    """What a visitor typed on the numeric keypad, shown as DD.MM.YYYY while typing."""
    digits = "".join(c for c in text if c.isdigit())[:8]
    parts = [digits[:2], digits[2:4], digits[4:]]
    return ".".join(p for p in parts if p)


def parse_day(text: str) -> date:
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) != 8:
        raise RangeProblem("format")
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError as exc:
        raise RangeProblem("format") from exc


def date_range(first: str, last: str, today: date) -> tuple[date, date]:
    """A statement period from two typed dates: in order, not in the future, at most three months."""
    start, end = parse_day(first), parse_day(last)
    if end < start:
        raise RangeProblem("order")
    if end > today:
        raise RangeProblem("future")
    if (today - start).days > HISTORY_DAYS:
        raise RangeProblem("too_old")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeProblem("too_long")
    return start, end


@dataclass(frozen=True)
class StatementQuery:
    period: str = "last10"  # last10 | this_month | last_month | range
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    voucher: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"period": self.period}
        if self.period == "range":
            out["date_from"] = self.date_from.isoformat() if self.date_from else None
            out["date_to"] = self.date_to.isoformat() if self.date_to else None
        if self.amount_min is not None:
            out["amount_min"] = str(self.amount_min)
        if self.amount_max is not None:
            out["amount_max"] = str(self.amount_max)
        if self.voucher:
            out["voucher"] = self.voucher
        return out

    @property
    def filtered(self) -> bool:
        return self.amount_min is not None or self.amount_max is not None or bool(self.voucher)


@dataclass(frozen=True)
class StatementView:
    account: str
    currency: str
    period_from: datetime
    period_to: datetime
    opening: Decimal
    closing: Decimal
    total_in: Decimal
    total_out: Decimal
    operations: tuple[StatementLine, ...]
    query: StatementQuery


@dataclass(frozen=True)
class BalanceView:
    account: str
    currency: str
    available: Decimal
    blocked: bool
    block_reference: str | None


@dataclass(frozen=True)
class BlockView:
    reference: str
    blocked_at: datetime
    balance_before: Decimal
    currency: str
    already: bool


@dataclass(frozen=True)
class ServiceView:
    code: str
    name: dict[str, str]
    since: datetime


@dataclass
class CardSession:
    """One visitor's card, after the number was turned into its token and wiped."""

    masked: str
    label: str
    token: str = field(repr=False)
    pin_cvm: bool
    language: str | None
    pin_verified_at: datetime | None = None
    tries_left: int | None = None
    pin_blocked: bool = False

    @property
    def identified(self) -> bool:
        return self.pin_verified_at is not None


def _dt(text: str, tz: Any) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(tz)


class StatementsService:
    def __init__(
        self,
        gateway: CentralGateway | None,
        clock: Clock,
        session: Session,
        token_key: bytes,
        printer: Any = None,
        center_name: Any = None,
        release: Callable[[], None] | None = None,
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.session = session
        self._key = token_key
        self.printer = printer
        self._center_name = center_name or (lambda _lang: "")
        self.card: CardSession | None = None
        self._release = release  # the reader's "forget the card conversation"
        self._lock = threading.Lock()
        session.on_wipe(lambda _reason: self.end())

    # ----- the card and its PIN -----
    def begin(self, data: CardLike) -> CardSession:
        """Take a freshly read card: its token, its masked number, its language; the number is wiped here."""
        try:
            token = data.token(self._key)
        finally:
            data.wipe()
        language = next((LANG_FROM_CARD[c] for c in data.lang_pref if c in LANG_FROM_CARD), None)
        card = CardSession(data.pan_masked, data.label, token, data.pin_cvm, language)
        with self._lock:
            self.card = card
        self.session.card = CardIdentity(masked_pan=data.pan_masked, scheme=data.label, expiry=data.expiry)
        log.info("card session started (%s)", data.pan_masked)
        return card

    def end(self) -> None:
        """Forget the card (token, PIN state); called on every session wipe."""
        with self._lock:
            had = self.card is not None
            self.card = None
        if had:
            log.info("card session ended")
            if self._release is not None:
                # Off the calling (UI) thread: the reader's lock may be held by a read in progress.
                threading.Thread(target=self._release, name="card-release", daemon=True).start()

    def card_event(self, event: object) -> bool:
        """The reader's event, on the UI thread: a card pulled out (or the reader gone) ends the session."""
        if isinstance(event, CardRemoved | ReaderLost) and self.card is not None:
            self.session.wipe("card removed")
            return True
        return False

    def _current(self) -> CardSession:
        card = self.card
        if card is None:
            raise CardServiceError("no_session")
        return card

    def verify_pin(self, reader: PinReader, pin: str) -> PinResultLike:
        """VERIFY on the chip (blocking: run on a worker). The PIN goes to the reader and nowhere else."""
        card = self._current()
        if not card.pin_cvm:
            raise CardServiceError("no_pin")
        if card.pin_blocked:
            raise CardServiceError("pin_blocked")
        result: PinResultLike = reader.verify_pin(pin)
        del pin
        card.tries_left = result.tries_left
        card.pin_blocked = result.blocked
        if result.ok:
            card.pin_verified_at = self.clock.now()
            log.info("PIN verified on the chip")
        else:
            log.info("PIN refused by the chip (tries left: %s)", result.tries_left)
        return result

    # ----- central -----
    def _ask(self, what: str, call: Any) -> Any:
        card = self._current()
        if card.pin_verified_at is None:
            raise CardServiceError("pin_needed")
        if self.gateway is None:
            raise CardServiceError("offline", detail="the kiosk is not enrolled with central")
        try:
            return call(self.gateway, card.token, card.pin_verified_at, self.clock.now)
        except CentralBusy as exc:
            raise CardServiceError("busy", retry_after=exc.retry_after) from None
        except CentralUnavailable as exc:
            log.info("card %s: central unavailable: %s", what, exc)
            raise CardServiceError("offline", detail=str(exc)) from None
        except CentralRejected as exc:
            reason = {
                "pin_expired": "pin_needed",
                "card_unknown": "unknown_card",
                "not_blocked": "not_blocked",
            }.get(exc.code, "refused")
            log.warning("card %s refused by central: %s", what, exc.code)
            raise CardServiceError(reason, detail=exc.code) from None
        except CentralError as exc:
            raise CardServiceError("refused", detail=str(exc)) from None

    def statement(self, query: StatementQuery) -> StatementView:
        body = self._ask("statement", lambda g, t, v, n: g.card_statement(t, v, n, query.as_json()))
        tz = self.clock.tz
        ops = tuple(
            StatementLine(_dt(o["at"], tz), o["description"], Decimal(o["amount"]), o["voucher"])
            for o in body["operations"]
        )
        return StatementView(
            account=body["account"],
            currency=body["currency"],
            period_from=_dt(body["period_from"], tz),
            period_to=_dt(body["period_to"], tz),
            opening=Decimal(body["opening_balance"]),
            closing=Decimal(body["closing_balance"]),
            total_in=Decimal(body["total_in"]),
            total_out=Decimal(body["total_out"]),
            operations=ops,
            query=query,
        )

    def balance(self) -> BalanceView:
        b = self._ask("balance", lambda g, t, v, n: g.card_balance(t, v, n))
        return BalanceView(
            b["account"], b["currency"], Decimal(b["available"]), b["blocked"], b["block_reference"]
        )

    def services(self) -> list[ServiceView]:
        body = self._ask("services", lambda g, t, v, n: g.card_services(t, v, n))
        return [ServiceView(s["code"], s["name"], _dt(s["since"], self.clock.tz)) for s in body["services"]]

    def block(self) -> BlockView:
        """The temporary block, once the visitor confirmed; a repeat answers the same reference."""
        b = self._ask("block", lambda g, t, v, n: g.card_block(t, v, n))
        before = b["balance_before"]
        return BlockView(
            b["reference"], _dt(b["blocked_at"], self.clock.tz), Decimal(before["available"]),
            before["currency"], b["already_blocked"],
        )  # fmt: skip

    def unblock(self) -> str:
        """Lift the block: needs the PIN verified for this (within :data:`UNBLOCK_PIN_S`)."""
        card = self._current()
        if card.pin_verified_at is None or self.clock.now() - card.pin_verified_at > timedelta(
            seconds=UNBLOCK_PIN_S
        ):
            raise CardServiceError("pin_needed")
        body = self._ask("unblock", lambda g, t, v, n: g.card_unblock(t, v, n))
        return str(body["reference"])

    # ----- paper -----
    def statement_data(self, view: StatementView, lang: str, filters_text: str = "") -> StatementData:
        card = self._current()
        return StatementData(
            center_name=self._center_name(lang),
            card_masked=card.masked,
            account=view.account,
            currency=view.currency,
            period_from=view.period_from,
            period_to=view.period_to,
            opening=view.opening,
            closing=view.closing,
            total_in=view.total_in,
            total_out=view.total_out,
            operations=view.operations,
            issued_at=self.clock.now(),
            filters=filters_text,
        )

    def print_statement(self, view: StatementView, lang: str, filters_text: str = "") -> Any:
        return self._print(statement_receipt(self.statement_data(view, lang, filters_text), lang))

    def print_block(self, view: BlockView, lang: str) -> Any:
        card = self._current()
        data = BlockData(
            self._center_name(lang), card.masked, view.reference, view.blocked_at, view.balance_before,
            view.currency, self.clock.now(),
        )  # fmt: skip
        return self._print(block_receipt(data, lang))

    def _print(self, receipt: Any) -> Any:
        if self.printer is None:
            raise CardServiceError("printer", detail="no printer")
        try:
            return self.printer.print_receipt(receipt)
        except PrinterError as exc:
            raise CardServiceError("printer", detail=str(exc)) from None
