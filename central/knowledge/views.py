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
    """Every article with its published state or its open change; filtered, at most LIST_LIMIT rows.

    Open changes are few and merged in Python; published articles are filtered in SQL and only their
    titles read, so the list stays quick with tens of thousands of articles.
    """
    a, c = db.kb_articles, db.kb_changes
    needle = (q or "").casefold().strip()
    title = a.c.content["title"].as_string()
    with engine.connect() as conn:
        open_changes = {r.article_id: r for r in conn.execute(sa.select(c).where(c.c.state.in_(OPEN_STATES)))}
        published: dict[str, Any] = {}
        if state in (None, "", "published", "removed"):
            query = sa.select(a.c.id, a.c.lang, a.c.section, a.c.revision, a.c.removed, title.label("title"))
            if lang:
                query = query.where(a.c.lang == lang)
            if section:
                query = query.where(a.c.section == section)
            if state:
                query = query.where(a.c.removed.is_(state == "removed"))
            if not needle:  # SQLite's lower() and LIKE fold ASCII only: words are matched below, in Python
                query = query.limit(LIST_LIMIT + len(open_changes))
            query = query.order_by(a.c.id)
            published = {r.id: r for r in conn.execute(query)}
        revisions = {
            r.id: r.revision
            for r in conn.execute(sa.select(a.c.id, a.c.revision).where(a.c.id.in_(list(open_changes))))
        }
    ratings = rating_counts(engine)
    rows: list[ArticleRow] = []
    for article_id in sorted(set(published) | set(open_changes)):
        change: Any = open_changes.get(article_id)
        pub: Any = published.get(article_id)
        if change is not None:
            content: dict[str, Any] = change.content or {}
            row_state: Any = change.state
            row_lang, row_section = change.lang, content.get("section", pub.section if pub else "answers")
            row_title = content.get("title", pub.title if pub else "")
        else:
            row_state = "removed" if pub.removed else "published"
            row_lang, row_section, row_title = pub.lang, pub.section, pub.title or ""
        if (
            (lang and row_lang != lang)
            or (section and row_section != section)
            or (state and row_state != state)
        ):
            continue
        if needle and needle not in row_title.casefold() and needle not in article_id.casefold():
            continue
        yes, no = ratings.get(article_id, (0, 0))
        rows.append(
            ArticleRow(
                id=article_id, lang=row_lang, section=row_section, title=row_title, state=row_state,
                revision=revisions.get(article_id, pub.revision if pub is not None else 0),
                open_change=change.id if change is not None else None, helpful=yes, not_helpful=no,
            )
        )  # fmt: skip
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
