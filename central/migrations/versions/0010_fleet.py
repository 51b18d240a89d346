"""The fleet: each kiosk's latest heartbeat and connection state, and a short history of heartbeats.

Written out in full like the earlier revisions, so later changes to central.db cannot change what it does.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

COLOURS = "colour IN ('green', 'yellow', 'red')"


def _ts(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "fleet_state",
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        _ts("first_seen_at", nullable=False),
        _ts("last_heartbeat_at", nullable=False),
        sa.Column("last_heartbeat_id", sa.String(64), nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("online", sa.Boolean, nullable=False),
        sa.Column("streak", sa.Integer, nullable=False, server_default="0"),
        _ts("offline_since", nullable=True),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("app_version", sa.String(32), nullable=False),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_fleet_state")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_fleet_state_kiosk_id_kiosks"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(COLOURS, name=op.f("ck_fleet_state_colour")),
    )
    op.create_table(
        "fleet_heartbeats",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("heartbeat_id", sa.String(64), nullable=False),
        _ts("received_at", nullable=False),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_heartbeats")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
            name=op.f("fk_fleet_heartbeats_kiosk_id_kiosks"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("kiosk_id", "heartbeat_id", name=op.f("uq_fleet_heartbeats_kiosk_id")),
    )


def downgrade() -> None:
    op.drop_table("fleet_heartbeats")
    op.drop_table("fleet_state")
