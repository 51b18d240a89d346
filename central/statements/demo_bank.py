"""The reference adapter: a demo core bank whose cards are known by token and whose history is generated.

Operations are generated per card and day from a seed made of the card token and the date, so a
statement is the same after a restart, for any period, without storing any history; balances are
an opening figure at :data:`ANCHOR` carried day by day. Temporary blocks are real rows
(``card_blocks``) so a block survives a restart like it would in a core system.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from central import db
from central.statements.backend import (
    Balance,
    BlockResult,
    CardUnknown,
    ConnectedService,
    Filters,
    NotBlocked,
    Operation,
    Period,
    Statement,
)
from service_common.card_token import DEMO_CARD_PANS, DEMO_TOKEN_KEY, card_token
from service_common.clock import Clock

ANCHOR = date(2026, 1, 1)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoCard:
    pan: str = field(repr=False)  # a demo/test number, yet kept out of any repr that might reach a log
    """Only used to compute the token at start-up; never stored, logged or returned."""
    account: str
    currency: str
    opening: Decimal
    services: tuple[str, ...]


def _card(pan: str, opening: str, services: tuple[str, ...] = ("sms", "online")) -> DemoCard:
    return DemoCard(pan, f"40817810*******{pan[-4:]}", "RUB", Decimal(opening), services)


#: Each demo account by the simulator profile (and application) whose card opens it; the numbers come from
#: ``service_common.card_token.DEMO_CARD_PANS``, the one table of them, and the demo kiosks send their tokens
#: under the contract's demo key (``DEMO_TOKEN_KEY``).
_ACCOUNTS: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {
    ("visa", 0): ("84250.00", ("sms", "online", "cashback")),
    ("mastercard", 0): ("152300.00", ("sms", "online")),
    ("blocked", 0): ("40000.00", ("sms",)),
    ("no_pdol", 0): ("45000.00", ("sms", "online")),
    ("track2", 0): ("64000.00", ("sms", "online")),
    ("multi", 1): ("99000.00", ("sms", "online")),
    ("pse", 0): ("60000.00", ("sms", "cashback")),
    ("aid_list", 0): ("30000.00", ()),
}

DEMO_CARDS = tuple(
    _card(DEMO_CARD_PANS[profile][app], opening, services)
    for (profile, app), (opening, services) in _ACCOUNTS.items()
)

SERVICE_NAMES = {
    "sms": {"ru": "СМС-уведомления", "zh-Hant": "簡訊通知", "en": "SMS notifications"},
    "online": {"ru": "Интернет-банк", "zh-Hant": "網路銀行", "en": "Online banking"},
    "cashback": {"ru": "Кешбэк 1%", "zh-Hant": "1% 現金回饋", "en": "1% cashback"},
}

_SPENDING = (
    ("Супермаркет «Перекрёсток»", 300, 6500),
    ("Аптека «Ригла»", 150, 2500),
    ("Кафе «Шоколадница»", 250, 1800),
    ("АЗС «Лукойл»", 1200, 4000),
    ("Метро, пополнение «Тройки»", 500, 1500),
    ("Снятие наличных, банкомат", 1000, 10000),
    ("Перевод по номеру телефона", 500, 8000),
    ("Интернет-магазин Ozon", 400, 9000),
)


@lru_cache(maxsize=100_000)
def _day(token: str, day: date, tz: tzinfo) -> tuple[Operation, ...]:
    rng = random.Random(f"{token}:{day.isoformat()}")  # noqa: S311 - demo data, seeded on purpose
    ops: list[tuple[int, str, Decimal]] = []
    if day.day in (5, 20):
        ops.append(
            (9 * 60, "Зачисление заработной платы", Decimal(rng.randrange(7_000_000, 8_500_000)) * CENT)
        )
    for _ in range(rng.choices((0, 1, 2, 3, 4, 5), weights=(8, 20, 27, 22, 13, 10))[0]):
        what, low, high = rng.choice(_SPENDING)
        ops.append(
            (rng.randrange(8 * 60, 22 * 60), what, -Decimal(rng.randrange(low * 60, high * 60)) * CENT)
        )
    ops.sort(key=lambda o: o[0])
    out = []
    for minute, what, amount in ops:
        at = datetime.combine(day, time(minute // 60, minute % 60), tz)
        out.append(Operation(at=at, description=what, amount=amount, voucher=f"{rng.randrange(10**6):06d}"))
    return tuple(out)


@lru_cache(maxsize=100_000)
def _day_total(token: str, day: date, tz: tzinfo) -> Decimal:
    return sum((o.amount for o in _day(token, day, tz)), Decimal("0.00"))


class DemoCoreBank:
    """A :class:`~central.statements.backend.StatementBackend` with generated history and stored blocks."""

    def __init__(self, engine: Engine, clock: Clock, key: bytes = DEMO_TOKEN_KEY) -> None:
        self.engine = engine
        self.clock = clock
        self.cards = {card_token(key, c.pan): c for c in DEMO_CARDS}

    def _card(self, token: str) -> DemoCard:
        card = self.cards.get(token)
        if card is None:
            raise CardUnknown(token)
        return card

    def _ops(self, token: str, start: datetime, end: datetime) -> list[Operation]:
        tz = self.clock.tz
        out: list[Operation] = []
        day = start.astimezone(tz).date()
        last = end.astimezone(tz).date()
        while day <= last:
            out.extend(o for o in _day(token, day, tz) if start <= o.at < end)
            day += timedelta(days=1)
        return out

    def _balance_at(self, token: str, when: datetime) -> Decimal:
        """The balance just before ``when``."""
        tz = self.clock.tz
        card = self._card(token)
        day = when.astimezone(tz).date()
        total = card.opening
        if day >= ANCHOR:
            d = ANCHOR
            while d < day:
                total += _day_total(token, d, tz)
                d += timedelta(days=1)
        else:
            d = day
            while d < ANCHOR:
                total -= _day_total(token, d, tz)
                d += timedelta(days=1)
        start_of_day = datetime.combine(day, time(0), tz)
        total += sum((o.amount for o in self._ops(token, start_of_day, when)), Decimal("0.00"))
        return total

    def _block(self, token: str) -> tuple[str, datetime] | None:
        b = db.card_blocks
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(b.c.reference, b.c.blocked_at).where(b.c.card_token == token)
            ).first()
        return None if row is None else (row.reference, row.blocked_at)

    def balance(self, card_token: str) -> Balance:
        card = self._card(card_token)
        block = self._block(card_token)
        return Balance(
            available=self._balance_at(card_token, self.clock.now()),
            currency=card.currency,
            account=card.account,
            blocked=block is not None,
            block_reference=block[0] if block else None,
        )

    def operations(self, card_token: str, period: Period, filters: Filters) -> Statement:
        card = self._card(card_token)
        end = period.end
        if period.last is not None:
            found: list[Operation] = []
            day_end = end
            # Walk back a week at a time; a year of silence ends the search.
            for _ in range(53):
                day_start = day_end - timedelta(days=7)
                found = self._ops(card_token, day_start, day_end) + found
                if len(found) >= period.last:
                    break
                day_end = day_start
            ops = found[-period.last :]
            start = ops[0].at if ops else end
        else:
            assert period.start is not None
            start = period.start
            ops = self._ops(card_token, start, end)
        opening = self._balance_at(card_token, start)
        closing = opening + sum((o.amount for o in ops), Decimal("0.00"))
        return Statement(
            currency=card.currency,
            account=card.account,
            start=start,
            end=end,
            opening=opening,
            closing=closing,
            operations=[o for o in ops if filters.keep(o)],
        )

    def services(self, card_token: str) -> list[ConnectedService]:
        card = self._card(card_token)
        since = datetime.combine(ANCHOR, time(0), self.clock.tz)
        return [ConnectedService(code=c, name=SERVICE_NAMES[c], since=since) for c in card.services]

    def block_temporarily(self, card_token: str, kiosk_id: str) -> BlockResult:
        before = self.balance(card_token)
        if before.blocked:
            block = self._block(card_token)
            assert block is not None
            return BlockResult(reference=block[0], blocked_at=block[1], balance_before=before, already=True)
        reference = "BL" + secrets.token_hex(4).upper()
        now = self.clock.now()
        try:
            with db.write_transaction(self.engine) as conn:
                conn.execute(
                    sa.insert(db.card_blocks).values(
                        card_token=card_token, reference=reference, blocked_at=now, kiosk_id=kiosk_id
                    )
                )
        except IntegrityError:  # a concurrent retry blocked it first: answer with that block
            return self.block_temporarily(card_token, kiosk_id)
        return BlockResult(reference=reference, blocked_at=now, balance_before=before, already=False)

    def unblock(self, card_token: str, kiosk_id: str) -> str:
        self._card(card_token)
        b = db.card_blocks
        with db.write_transaction(self.engine) as conn:
            row = conn.execute(sa.select(b.c.reference).where(b.c.card_token == card_token)).first()
            if row is None:
                raise NotBlocked(card_token)
            conn.execute(sa.delete(b).where(b.c.card_token == card_token))
        return str(row.reference)
