"""What the staff page lists and shows: published state merged with the open changes, and the history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.errors import ApiError
from central.knowledge.reports import rating_counts
from central.knowledge.schemas import ArticleContent, ArticleDetail, ArticleList, ArticleRow, HistoryEntry
from central.knowledge.workflow import OPEN_STATES, to_change

LIST_LIMIT = 300


def list_articles(
    engine: Engine, lang: str | None, section: str | None, state: str | None, q: str | None
) -> ArticleList:
    """Every article with its published state or its open change; filtered, at most LIST_LIMIT rows."""
    a, c = db.kb_articles, db.kb_changes
    with engine.connect() as conn:
        published = {r.id: r for r in conn.execute(sa.select(a))}
        open_changes = {r.article_id: r for r in conn.execute(sa.select(c).where(c.c.state.in_(OPEN_STATES)))}
    ratings = rating_counts(engine)
    needle = (q or "").casefold().strip()
    rows: list[ArticleRow] = []
    for article_id in sorted(set(published) | set(open_changes)):
        pub: Any = published.get(article_id)
        change: Any = open_changes.get(article_id)
        content: dict[str, Any] = (change.content if change is not None and change.content else None) or (
            pub.content if pub is not None else {}
        )
        row_state: Any = change.state if change is not None else ("removed" if pub.removed else "published")
        row = ArticleRow(
            id=article_id,
            lang=(pub or change).lang,
            section=content.get("section", "answers"),
            title=content.get("title", ""),
            state=row_state,
            revision=pub.revision if pub is not None else 0,
            open_change=change.id if change is not None else None,
            helpful=ratings.get(article_id, (0, 0))[0],
            not_helpful=ratings.get(article_id, (0, 0))[1],
        )
        if (
            (lang and row.lang != lang)
            or (section and row.section != section)
            or (state and row.state != state)
        ):
            continue
        if needle and needle not in row.title.casefold() and needle not in article_id.casefold():
            continue
        rows.append(row)
        if len(rows) >= LIST_LIMIT:
            break
    return ArticleList(articles=rows)


def detail(engine: Engine, article_id: str) -> ArticleDetail:
    a, c, h = db.kb_articles, db.kb_changes, db.kb_history
    with engine.connect() as conn:
        pub: Any = conn.execute(sa.select(a).where(a.c.id == article_id)).first()
        change: Any = conn.execute(
            sa.select(c).where(c.c.article_id == article_id, c.c.state.in_(OPEN_STATES))
        ).first()
        history = conn.execute(sa.select(h).where(h.c.article_id == article_id).order_by(h.c.id.desc())).all()
    if pub is None and change is None:
        raise ApiError(404, "not_found", f"no article {article_id!r}")
    return ArticleDetail(
        id=article_id,
        lang=(pub or change).lang,
        published=ArticleContent.model_validate(pub.content) if pub is not None and not pub.removed else None,
        removed=bool(pub.removed) if pub is not None else False,
        revision=pub.revision if pub is not None else 0,
        open_change=to_change(change) if change is not None else None,
        history=[
            HistoryEntry(
                action=r.action, actor=r.actor, at=r.at, change_id=r.change_id, revision=r.revision,
                comment=r.comment, content=r.content, previous=r.previous,
            )
            for r in history
        ],
    )  # fmt: skip
