"""Public information the kiosk shows without identifying the visitor: centers, announcements, rates.

Each endpoint is ``async def`` and runs its few short Core queries inline: measured on the
target machines, that beats a ``def`` endpoint in the threadpool by far (field notes).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from sqlalchemy.engine import Connection

from central import db
from central.auth import CurrentKiosk
from central.context import Ctx
from central.errors import ApiError, responses
from central.schemas import (
    Announcement,
    Announcements,
    Center,
    Centers,
    ExchangeRate,
    I18nText,
    InterestRate,
    OpeningHours,
    Rates,
    Service,
)

router = APIRouter(tags=["info"])

CenterId = Annotated[str, Path(max_length=16, description="Center id, e.g. C01")]


def _text(value: Any) -> I18nText:
    return I18nText.model_validate(value)


def load_centers(conn: Connection, center_id: str | None = None) -> list[Center]:
    """Centers with their hours and active services, in display order; three queries in all."""
    c, h, s = db.centers, db.opening_hours, db.services
    query = sa.select(c).order_by(c.c.sort_order, c.c.id)
    if center_id is not None:
        query = query.where(c.c.id == center_id)
    center_rows = conn.execute(query).all()
    if not center_rows:
        return []
    ids = [row.id for row in center_rows]
    hours: dict[str, list[OpeningHours]] = defaultdict(list)
    for row in conn.execute(sa.select(h).where(h.c.center_id.in_(ids)).order_by(h.c.center_id, h.c.weekday)):
        hours[row.center_id].append(
            OpeningHours(
                weekday=row.weekday,
                opens=row.opens,
                closes=row.closes,
                break_start=row.break_start,
                break_end=row.break_end,
            )
        )
    services: dict[str, list[Service]] = defaultdict(list)
    bs = db.booking_settings
    service_query = (
        sa.select(s, bs.c.service_id.is_not(None).label("bookable"))
        .outerjoin(bs, bs.c.service_id == s.c.id)
        .where(s.c.center_id.in_(ids), s.c.active.is_(True))
        .order_by(s.c.center_id, s.c.sort_order, s.c.prefix)
    )
    for row in conn.execute(service_query):
        services[row.center_id].append(
            Service(
                id=row.id,
                prefix=row.prefix,
                name=_text(row.name),
                description=_text(row.description),
                bookable=bool(row.bookable),
            )
        )
    return [
        Center(
            id=row.id,
            name=_text(row.name),
            address=_text(row.address),
            timezone=row.timezone,
            phone=row.phone,
            lat=row.lat,
            lon=row.lon,
            hours=hours[row.id],
            services=services[row.id],
            holiday_country=row.holiday_country,
            holiday_subdiv=row.holiday_subdiv,
        )
        for row in center_rows
    ]


@router.get("/centers", response_model=Centers)
async def list_centers(ctx: Ctx, _kiosk: CurrentKiosk) -> Centers:
    with ctx.engine.connect() as conn:
        return Centers(centers=load_centers(conn))


@router.get("/centers/{center_id}", response_model=Center, responses=responses(404, 422))
async def get_center(ctx: Ctx, _kiosk: CurrentKiosk, center_id: CenterId) -> Center:
    with ctx.engine.connect() as conn:
        found = load_centers(conn, center_id)
    if not found:
        raise ApiError(404, "not_found", f"no center {center_id!r}")
    return found[0]


@router.get("/announcements", response_model=Announcements, responses=responses(404, 422))
async def list_announcements(
    ctx: Ctx,
    kiosk: CurrentKiosk,
    center_id: Annotated[
        str | None,
        Query(
            max_length=16,
            description="Center whose announcements to add to the global ones; "
            "default: the calling kiosk's center",
        ),
    ] = None,
) -> Announcements:
    """Announcements in force now (published, not yet expired) for one center plus the global ones."""
    a, c = db.announcements, db.centers
    wanted = center_id or kiosk.center_id
    now = ctx.clock.now()
    with ctx.engine.connect() as conn:
        if conn.execute(sa.select(c.c.id).where(c.c.id == wanted)).first() is None:
            raise ApiError(404, "not_found", f"no center {wanted!r}")
        rows = conn.execute(
            sa.select(a)
            .where(
                sa.or_(a.c.center_id.is_(None), a.c.center_id == wanted),
                a.c.published_at <= now,
                sa.or_(a.c.expires_at.is_(None), a.c.expires_at > now),
            )
            .order_by(a.c.published_at.desc(), a.c.id)
        ).all()
    return Announcements(
        announcements=[
            Announcement(
                id=row.id,
                center_id=row.center_id,
                title=_text(row.title),
                body=_text(row.body),
                published_at=row.published_at,
                expires_at=row.expires_at,
            )
            for row in rows
        ]
    )


@router.get("/rates", response_model=Rates)
async def get_rates(ctx: Ctx, _kiosk: CurrentKiosk) -> Rates:
    """Deposit and loan rates and the current exchange rates, all as decimal strings."""
    i, x = db.interest_rates, db.exchange_rates
    with ctx.engine.connect() as conn:
        interest = conn.execute(
            sa.select(i).order_by(i.c.kind, i.c.sort_order, i.c.term_months, i.c.id)
        ).all()
        exchange = conn.execute(sa.select(x).order_by(x.c.currency)).all()
    return Rates(
        interest=[
            InterestRate(
                product=_text(row.product),
                kind=row.kind,
                term_months=row.term_months,
                rate_percent=row.rate_percent,
                currency=row.currency,
            )
            for row in interest
        ],
        exchange=[
            ExchangeRate(currency=row.currency, buy=row.buy, sell=row.sell, as_of=row.as_of)
            for row in exchange
        ],
    )
