"""The knowledge service: published articles with a change feed, maker/checker changes, their
history, and what kiosks report back (ratings, searches that found nothing, promotion leads).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("section", sa.String(16), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("seq", name="uq_kb_articles_seq"),
    )
    op.create_table(
        "kb_changes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("content", sa.JSON, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("base_revision", sa.Integer, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("editors", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.String(1000), nullable=True),
        sa.CheckConstraint("kind IN ('edit', 'remove')", name="kind"),
        sa.CheckConstraint(
            "state IN ('draft', 'in_review', 'rejected', 'published', 'withdrawn')", name="state"
        ),
    )
    op.create_index("ix_kb_changes_article_id", "kb_changes", ["article_id"])
    op.create_table(
        "kb_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("change_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer, nullable=True),
        sa.Column("comment", sa.String(1000), nullable=True),
        sa.Column("content", sa.JSON, nullable=True),
        sa.Column("previous", sa.JSON, nullable=True),
    )
    op.create_index("ix_kb_history_article_id", "kb_history", ["article_id"])
    op.create_table(
        "kb_ratings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_ratings_article_id", "kb_ratings", ["article_id"])
    op.create_table(
        "kb_misses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_misses_week", "kb_misses", ["week", "lang"])
    op.create_table(
        "kb_leads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("kb_leads", "kb_misses", "kb_ratings", "kb_history", "kb_changes", "kb_articles"):
        op.drop_table(table)
