"""Maker/checker for knowledge articles: a maintainer drafts, a different reviewer approves.

Approval publishes at once. A separate "publish" step would be a third act by one of the same
two people and adds no second pair of eyes; kiosks pick the article up on their next sync
anyway, so there is nothing to time. A removal is a change like an edit (asked by a
maintainer, approved by a reviewer) and becomes a tombstone in the feed.

One open change per article at a time, so a reviewer never approves text written against an
older revision. Every step lands in ``kb_history`` with the actor, the time, the text and the
text it replaced; nothing there is ever updated or deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db
from central.errors import ApiError
from central.knowledge.schemas import ArticleContent, Change

WRITERS = frozenset({"maintainer", "admin"})
CHECKERS = frozenset({"reviewer", "admin"})
OPEN_STATES = ("draft", "in_review", "rejected")


@dataclass(frozen=True)
class Actor:
    username: str
    role: str


def _forbid(message: str, code: str = "forbidden") -> ApiError:
    return ApiError(403, code, message)


def _conflict(code: str, message: str) -> ApiError:
    return ApiError(409, code, message)


def _dump(content: ArticleContent | None) -> dict[str, Any] | None:
    return None if content is None else content.model_dump(mode="json")


def _history(conn: Connection, article_id: str, action: str, actor: str, at: datetime, **extra: Any) -> None:
    conn.execute(
        sa.insert(db.kb_history).values(article_id=article_id, action=action, actor=actor, at=at, **extra)
    )


def to_change(row: Any) -> Change:
    return Change(
        id=row.id,
        article_id=row.article_id,
        lang=row.lang,
        kind=row.kind,
        state=row.state,
        content=None if row.content is None else ArticleContent.model_validate(row.content),
        base_revision=row.base_revision,
        author=row.author,
        editors=list(row.editors),
        created_at=row.created_at,
        updated_at=row.updated_at,
        reviewer=row.reviewer,
        reviewed_at=row.reviewed_at,
        comment=row.comment,
    )


def _published(conn: Connection, article_id: str) -> Any:
    a = db.kb_articles
    return conn.execute(sa.select(a).where(a.c.id == article_id)).first()


def _open_change(conn: Connection, article_id: str) -> Any:
    c = db.kb_changes
    return conn.execute(sa.select(c).where(c.c.article_id == article_id, c.c.state.in_(OPEN_STATES))).first()


def _change(conn: Connection, change_id: str) -> Any:
    c = db.kb_changes
    row = conn.execute(sa.select(c).where(c.c.id == change_id)).first()
    if row is None:
        raise ApiError(404, "not_found", f"no change {change_id!r}")
    return row


def _must_write(actor: Actor) -> None:
    if actor.role not in WRITERS:
        raise _forbid("only a maintainer (or an admin) writes knowledge changes")


def _must_review(actor: Actor, row: Any) -> None:
    if actor.role not in CHECKERS:
        raise _forbid("only a reviewer (or an admin) approves or rejects knowledge changes")
    if actor.username in row.editors:
        raise _forbid("a change is reviewed by someone who did not write it", "own_change")
    if row.state != "in_review":
        raise _conflict("not_in_review", f"the change is {row.state}, not waiting for review")


def create_change(
    engine: Engine, now: datetime, actor: Actor, article_id: str, lang: str, content: ArticleContent
) -> Change:
    """A new draft for a new or published article."""
    _must_write(actor)
    c = db.kb_changes
    with db.write_transaction(engine) as conn:
        published = _published(conn, article_id)
        if published is not None and published.lang != lang:
            raise _conflict(
                "lang_mismatch", f"{article_id} is in {published.lang}: one language per article id"
            )
        if _open_change(conn, article_id) is not None:
            raise _conflict("change_open", f"{article_id} already has a change in progress")
        change_id = uuid.uuid4().hex
        conn.execute(
            sa.insert(c).values(
                id=change_id, article_id=article_id, lang=lang, kind="edit", content=_dump(content),
                state="draft", base_revision=published.revision if published is not None else 0,
                author=actor.username, editors=[actor.username], created_at=now, updated_at=now,
            )
        )  # fmt: skip
        previous = published.content if published is not None and not published.removed else None
        _history(conn, article_id, "drafted", actor.username, now, change_id=change_id,
                 content=_dump(content), previous=previous)  # fmt: skip
        return to_change(_change(conn, change_id))


def update_change(
    engine: Engine, now: datetime, actor: Actor, change_id: str, content: ArticleContent
) -> Change:
    """Edit a draft (or a rejected one, which goes back to draft)."""
    _must_write(actor)
    c = db.kb_changes
    with db.write_transaction(engine) as conn:
        row = _change(conn, change_id)
        if row.kind != "edit" or row.state not in ("draft", "rejected"):
            raise _conflict("not_editable", f"the change is {row.state}: only a draft is edited")
        editors = list(row.editors) + ([actor.username] if actor.username not in row.editors else [])
        conn.execute(
            sa.update(c).where(c.c.id == change_id)
            .values(content=_dump(content), state="draft", editors=editors, updated_at=now)
        )  # fmt: skip
        _history(conn, row.article_id, "edited", actor.username, now, change_id=change_id,
                 content=_dump(content), previous=row.content)  # fmt: skip
        return to_change(_change(conn, change_id))


def submit(engine: Engine, now: datetime, actor: Actor, change_id: str) -> Change:
    _must_write(actor)
    c = db.kb_changes
    with db.write_transaction(engine) as conn:
        row = _change(conn, change_id)
        if row.state != "draft":
            raise _conflict("not_draft", f"the change is {row.state}, not a draft")
        conn.execute(sa.update(c).where(c.c.id == change_id).values(state="in_review", updated_at=now))
        _history(conn, row.article_id, "submitted", actor.username, now, change_id=change_id)
        return to_change(_change(conn, change_id))


def withdraw(engine: Engine, now: datetime, actor: Actor, change_id: str) -> Change:
    _must_write(actor)
    c = db.kb_changes
    with db.write_transaction(engine) as conn:
        row = _change(conn, change_id)
        if row.state not in OPEN_STATES:
            raise _conflict("not_open", f"the change is {row.state}")
        conn.execute(sa.update(c).where(c.c.id == change_id).values(state="withdrawn", updated_at=now))
        _history(conn, row.article_id, "withdrawn", actor.username, now, change_id=change_id)
        return to_change(_change(conn, change_id))


def request_removal(engine: Engine, now: datetime, actor: Actor, article_id: str, comment: str) -> Change:
    """Ask for a published article to be taken off the kiosks; waits for a reviewer at once."""
    _must_write(actor)
    c = db.kb_changes
    with db.write_transaction(engine) as conn:
        published = _published(conn, article_id)
        if published is None or published.removed:
            raise ApiError(404, "not_found", f"{article_id} is not published")
        if _open_change(conn, article_id) is not None:
            raise _conflict("change_open", f"{article_id} already has a change in progress")
        change_id = uuid.uuid4().hex
        conn.execute(
            sa.insert(c).values(
                id=change_id, article_id=article_id, lang=published.lang, kind="remove", content=None,
                state="in_review", base_revision=published.revision, author=actor.username,
                editors=[actor.username], created_at=now, updated_at=now, comment=comment or None,
            )
        )  # fmt: skip
        _history(conn, article_id, "removal_asked", actor.username, now, change_id=change_id,
                 comment=comment or None, previous=published.content)  # fmt: skip
        return to_change(_change(conn, change_id))


def approve(engine: Engine, now: datetime, actor: Actor, change_id: str, comment: str) -> Change:
    """The checker's yes: the change is published (or the article removed) in the same transaction."""
    c = db.kb_changes
    with db.write_transaction(engine) as conn:
        row = _change(conn, change_id)
        _must_review(actor, row)
        conn.execute(
            sa.update(c).where(c.c.id == change_id).values(
                state="published", reviewer=actor.username, reviewed_at=now, updated_at=now,
                comment=comment or row.comment,
            )
        )  # fmt: skip
        _history(conn, row.article_id, "approved", actor.username, now, change_id=change_id,
                 comment=comment or None)  # fmt: skip
        publish(conn, now, actor.username, row.article_id, row.lang, row.content, change_id)
        return to_change(_change(conn, change_id))


def reject(engine: Engine, now: datetime, actor: Actor, change_id: str, comment: str) -> Change:
    c = db.kb_changes
    if not comment.strip():
        raise ApiError(422, "comment_required", "say why the change is rejected")
    with db.write_transaction(engine) as conn:
        row = _change(conn, change_id)
        _must_review(actor, row)
        state = "rejected" if row.kind == "edit" else "withdrawn"  # a refused removal has nothing to rework
        conn.execute(
            sa.update(c).where(c.c.id == change_id)
            .values(state=state, reviewer=actor.username, reviewed_at=now, updated_at=now, comment=comment)
        )  # fmt: skip
        _history(conn, row.article_id, "rejected", actor.username, now, change_id=change_id, comment=comment)
        return to_change(_change(conn, change_id))


def publish(
    conn: Connection,
    now: datetime,
    actor: str,
    article_id: str,
    lang: str,
    content: dict[str, Any] | None,
    change_id: str | None,
) -> int:
    """Make ``content`` (None: a removal) the published text; it takes the next place in the feed."""
    a = db.kb_articles
    seq = conn.execute(sa.select(sa.func.coalesce(sa.func.max(a.c.seq), 0))).scalar_one() + 1
    row = _published(conn, article_id)
    revision = (row.revision if row is not None else 0) + 1
    removed = content is None
    kept = content if content is not None else (row.content if row is not None else {})
    values = {
        "lang": lang, "section": kept.get("section", "answers"), "content": kept, "revision": revision,
        "removed": removed, "seq": seq, "published_at": now, "published_by": actor,
    }  # fmt: skip
    if row is None:
        conn.execute(sa.insert(a).values(id=article_id, **values))
    else:
        conn.execute(sa.update(a).where(a.c.id == article_id).values(**values))
    previous = row.content if row is not None and not row.removed else None
    _history(conn, article_id, "removed" if removed else "published", actor, now, change_id=change_id,
             revision=revision, content=content, previous=previous)  # fmt: skip
    return revision


def publish_directly(engine: Engine, now: datetime, actor: str, records: list[dict[str, Any]]) -> int:
    """Publish trusted records (the demo seed) as written and approved by ``actor``; unchanged ones are skipped.

    Each still leaves a change and its history, so the seed's articles look like any other.
    """
    c = db.kb_changes
    published = 0
    with db.write_transaction(engine) as conn:
        for record in records:
            content = ArticleContent.model_validate(
                {k: v for k, v in record.items() if k in ArticleContent.model_fields}
            ).model_dump(mode="json")
            row = _published(conn, record["id"])
            if row is not None and not row.removed and row.content == content:
                continue
            if _open_change(conn, record["id"]) is not None:
                continue  # someone is working on it: the seed does not overrule them
            change_id = uuid.uuid4().hex
            conn.execute(
                sa.insert(c).values(
                    id=change_id, article_id=record["id"], lang=record["lang"], kind="edit", content=content,
                    state="published", base_revision=row.revision if row is not None else 0, author=actor,
                    editors=[actor], created_at=now, updated_at=now, reviewer=actor, reviewed_at=now,
                )
            )  # fmt: skip
            _history(conn, record["id"], "approved", actor, now, change_id=change_id)
            publish(conn, now, actor, record["id"], record["lang"], content, change_id)
            published += 1
    return published
