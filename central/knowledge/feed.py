"""The kiosks' pull: published articles after a cursor, with tombstones; a full listing when the cursor is unknown.

A cursor is ``EPOCH:SEQ``: ``SEQ`` the last feed position the kiosk has, ``EPOCH`` this
database's own random id, so a cursor from another central (or a restored backup that lost
positions) is unknown and the kiosk gets everything again. ``EPOCH:SEQ:full`` continues a
full listing page by page. While that listing runs, an article removed in between comes as a
tombstone on a later page, so the kiosk's "drop what was not listed" never keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db
from central.knowledge.schemas import KbArticle, KbChanges, KbRemoved

EPOCH_SECRET = "kb_epoch"  # noqa: S105 - the name of a row in central_secrets


@dataclass(frozen=True)
class Position:
    after: int
    full: bool
    include_removed: bool


def epoch(engine: Engine) -> str:
    return db.load_or_create_secret(engine, EPOCH_SECRET).hex()[:12]


def head(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(db.kb_articles.c.seq), 0))).scalar_one())


def position(cursor: str | None, current_epoch: str, current_head: int) -> Position:
    """Where a cursor points; anything unknown (absent, malformed, other epoch, ahead of us) means "from the start"."""
    start = Position(0, True, False)
    if not cursor:
        return start
    parts = cursor.split(":")
    if len(parts) not in (2, 3) or parts[0] != current_epoch or not parts[1].isdigit():
        return start
    if len(parts) == 3 and parts[2] != "full":
        return start
    after = int(parts[1])
    if after > current_head:
        return start
    full = len(parts) == 3
    return Position(after, full, True)


def record(row: Any) -> KbArticle:
    c = row.content
    return KbArticle(
        id=row.id,
        lang=row.lang,
        title=c["title"],
        body=c["body"],
        topic_path=c.get("topic_path", []),
        keywords=c.get("keywords", []),
        synonyms=c.get("synonyms", []),
        updated_at=row.published_at.isoformat().replace("+00:00", "Z"),
        section=c.get("section", "answers"),
        steps=c.get("steps", []),
        related=c.get("related", []),
        group=c.get("group", ""),
        order=c.get("order", 0),
        revision=row.revision,
        promotion=c.get("promotion"),
    )


def current_cursor(engine: Engine) -> str:
    with engine.connect() as conn:
        return f"{epoch(engine)}:{head(conn)}"


def changes(engine: Engine, cursor: str | None, limit: int, current_epoch: str) -> KbChanges:
    """One page of the feed; read in one transaction, so ``head`` and the rows agree."""
    a = db.kb_articles
    with engine.connect() as conn, conn.begin():
        top = head(conn)
        pos = position(cursor, current_epoch, top)
        query = sa.select(a).where(a.c.seq > pos.after, a.c.seq <= top).order_by(a.c.seq).limit(limit + 1)
        if not pos.include_removed:
            query = query.where(a.c.removed.is_(False))
        rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        cursor_out = f"{current_epoch}:{rows[-1].seq}" + (":full" if pos.full else "")
    else:
        cursor_out = f"{current_epoch}:{top}"
    return KbChanges(
        cursor=cursor_out,
        full=pos.full,
        articles=[record(r) for r in rows if not r.removed],
        removed=[KbRemoved(id=r.id, lang=r.lang, revision=r.revision) for r in rows if r.removed],
        more=more,
    )
