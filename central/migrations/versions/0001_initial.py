"""Initial schema: centers, opening hours, services, announcements, rates, kiosks.

Written out in full rather than imported from central.db, so that later changes to the
metadata cannot silently change what this revision does.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _ts(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "centers",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("name", sa.JSON, nullable=False),
        sa.Column("address", sa.JSON, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centers")),
    )
    op.create_table(
        "opening_hours",
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("opens", sa.String(5), nullable=False),
        sa.Column("closes", sa.String(5), nullable=False),
        sa.Column("break_start", sa.String(5), nullable=True),
        sa.Column("break_end", sa.String(5), nullable=True),
        sa.PrimaryKeyConstraint("center_id", "weekday", name=op.f("pk_opening_hours")),
        sa.ForeignKeyConstraint(
            ["center_id"], ["centers.id"], name=op.f("fk_opening_hours_center_id_centers"), ondelete="CASCADE"
        ),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_opening_hours_weekday")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("prefix", sa.String(1), nullable=False),
        sa.Column("name", sa.JSON, nullable=False),
        sa.Column("description", sa.JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.ForeignKeyConstraint(
            ["center_id"], ["centers.id"], name=op.f("fk_services_center_id_centers"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("center_id", "prefix", name=op.f("uq_services_center_id_prefix")),
    )
    op.create_index(op.f("ix_services_center_id"), "services", ["center_id"])
    op.create_table(
        "announcements",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("center_id", sa.String(16), nullable=True),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        _ts("published_at", nullable=False),
        _ts("expires_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.ForeignKeyConstraint(
            ["center_id"], ["centers.id"], name=op.f("fk_announcements_center_id_centers"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_announcements_center_id"), "announcements", ["center_id"])
    op.create_table(
        "interest_rates",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("product", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("term_months", sa.Integer, nullable=False),
        sa.Column("rate_percent", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_rates")),
        sa.CheckConstraint("kind IN ('deposit', 'loan')", name=op.f("ck_interest_rates_kind")),
    )
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("buy", sa.String(16), nullable=False),
        sa.Column("sell", sa.String(16), nullable=False),
        _ts("as_of", nullable=False),
        sa.PrimaryKeyConstraint("currency", name=op.f("pk_exchange_rates")),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("created_at", nullable=False),
        _ts("revoked_at", nullable=True),
        _ts("last_seen_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_kiosks_center_id_centers")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosks_token_hash")),
    )
    op.create_index(op.f("ix_kiosks_center_id"), "kiosks", ["center_id"])


def downgrade() -> None:
    for table in ("kiosks", "exchange_rates", "interest_rates", "announcements", "services", "opening_hours"):
        op.drop_table(table)
    op.drop_table("centers")
