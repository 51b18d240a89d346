"""What kiosks send back (ratings, searches that found nothing, leads) and the reports made of it.

Each record keeps the kiosk's id as its primary key: a resend after a lost answer is
recognised and counted once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from central import db
from central.knowledge.schemas import HelpfulnessRow, MissRow


def iso_week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def _insert_once(engine: Engine, table: sa.Table, values: dict[str, Any]) -> bool:
    """True when new; False when this id was already received (the first one stands)."""
    with engine.connect() as conn:
        if conn.execute(sa.select(table.c.id).where(table.c.id == values["id"])).first() is not None:
            return False
    try:
        with db.write_transaction(engine) as conn:
            conn.execute(sa.insert(table).values(**values))
    except IntegrityError:  # the same id raced in from a parallel resend
        return False
    return True


def add_rating(engine: Engine, kiosk_id: str, body: Any, now: datetime) -> bool:
    return _insert_once(engine, db.kb_ratings, {
        "id": body.id, "kiosk_id": kiosk_id, "article_id": body.article_id, "lang": body.lang,
        "helpful": body.helpful, "at": body.at, "received_at": now,
    })  # fmt: skip


def add_miss(engine: Engine, kiosk_id: str, body: Any, now: datetime) -> bool:
    return _insert_once(engine, db.kb_misses, {
        "id": body.id, "kiosk_id": kiosk_id, "query": body.query, "lang": body.lang, "at": body.at,
        "week": iso_week(body.at), "received_at": now,
    })  # fmt: skip


def add_lead(engine: Engine, kiosk_id: str, body: Any, now: datetime) -> bool:
    return _insert_once(engine, db.kb_leads, {
        "id": body.id, "kiosk_id": kiosk_id, "article_id": body.article_id, "lang": body.lang,
        "name": body.name, "phone": body.phone, "at": body.at, "received_at": now,
    })  # fmt: skip


LEAD_DAYS = 30
"""A lead's name and phone are kept this long for the call back, then the lead is deleted."""


def erase_old_leads(engine: Engine, now: datetime, days: float = LEAD_DAYS) -> int:
    """Delete leads older than ``days`` (a step of central's sweep); returns how many went."""
    lead = db.kb_leads
    with db.write_transaction(engine) as conn:
        return int(conn.execute(sa.delete(lead).where(lead.c.at < now - timedelta(days=days))).rowcount or 0)


def rating_counts(engine: Engine) -> dict[str, tuple[int, int]]:
    """Article id -> (helpful, not helpful)."""
    r = db.kb_ratings
    query = sa.select(r.c.article_id, r.c.helpful, sa.func.count()).group_by(r.c.article_id, r.c.helpful)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with engine.connect() as conn:
        for article_id, helpful, n in conn.execute(query):
            out[article_id][0 if helpful else 1] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


def helpfulness(engine: Engine) -> list[HelpfulnessRow]:
    """Rated articles, least helpful first (what needs rewriting), then by how often rated."""
    counts = rating_counts(engine)
    a = db.kb_articles
    with engine.connect() as conn:
        titles = {
            row.id: (row.lang, row.content.get("title", ""))
            for row in conn.execute(sa.select(a.c.id, a.c.lang, a.c.content).where(a.c.id.in_(list(counts))))
        }
    rows = []
    for article_id, (yes, no) in counts.items():
        lang, title = titles.get(article_id, ("", ""))
        share = round(yes / (yes + no), 3) if yes + no else None
        rows.append(HelpfulnessRow(article_id=article_id, lang=lang, title=title, helpful=yes, not_helpful=no,
                                   share_helpful=share))  # fmt: skip
    rows.sort(
        key=lambda r: (r.share_helpful if r.share_helpful is not None else 1.0, -(r.helpful + r.not_helpful))
    )
    return rows


def misses(engine: Engine, start: date | None, end: date | None) -> list[MissRow]:
    """Searches that found nothing, by ISO week and language, the same words (any case) counted together.

    ``start`` and ``end`` are UTC dates, both included.
    """
    m = db.kb_misses
    query = sa.select(m.c.week, m.c.lang, m.c.query)
    if start is not None:
        query = query.where(m.c.at >= datetime(start.year, start.month, start.day, tzinfo=UTC))
    if end is not None:
        after = end + timedelta(days=1)
        query = query.where(m.c.at < datetime(after.year, after.month, after.day, tzinfo=UTC))
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    shown: dict[tuple[str, str, str], str] = {}
    with engine.connect() as conn:
        for week, lang, text in conn.execute(query):
            key = (week, lang, " ".join(text.casefold().split()))
            counts[key] += 1
            shown.setdefault(key, text.strip())
    rows = [MissRow(week=k[0], lang=k[1], query=shown[k], count=n) for k, n in counts.items()]
    rows.sort(key=lambda r: (r.week, r.lang, -r.count, r.query))
    return rows


def leads(engine: Engine, start: date | None, end: date | None) -> list[dict[str, Any]]:
    """Promotion leads for the office to call back, oldest first (``start``/``end``: UTC days, included)."""
    lead = db.kb_leads
    query = sa.select(lead).order_by(lead.c.at, lead.c.id)
    if start is not None:
        query = query.where(lead.c.at >= datetime(start.year, start.month, start.day, tzinfo=UTC))
    if end is not None:
        after = end + timedelta(days=1)
        query = query.where(lead.c.at < datetime(after.year, after.month, after.day, tzinfo=UTC))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {"id": r.id, "at": r.at.isoformat(), "article_id": r.article_id, "lang": r.lang, "name": r.name,
         "phone": r.phone, "kiosk_id": r.kiosk_id}
        for r in rows
    ]  # fmt: skip
