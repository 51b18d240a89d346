"""The fleet: each kiosk's latest heartbeat and connection state, a short history of heartbeats,
the technicians' audit trail from the kiosks, the command queue (with uploads such as screenshots)
and signed configuration documents with their staged rollout.

Written out in full like the earlier revisions, so later changes to central.db cannot change what it does.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

COLOURS = "colour IN ('green', 'yellow', 'red')"
COMMAND_KINDS = "kind IN ('restart_app', 'reboot', 'test_print', 'screenshot', 'upload_logs', 'apply_config')"
COMMAND_STATUSES = "status IN ('queued', 'sent', 'acknowledged', 'done', 'failed', 'expired')"
ALERT_STATUSES = "status IN ('pending', 'sent', 'cleared')"
ROLLOUT_STATUSES = "status IN ('pending', 'offered', 'applied', 'healthy', 'rolled_back')"


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
    op.create_table(
        "fleet_audit",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        _ts("at", nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False, server_default=""),
        _ts("received_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_audit")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_fleet_audit_kiosk_id_kiosks"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_fleet_audit_kiosk", "fleet_audit", ["kiosk_id", "at"])
    op.create_table(
        "fleet_commands",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _ts("created_at", nullable=False),
        _ts("expires_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("sent_at", nullable=True),
        _ts("acked_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_commands")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_fleet_commands_kiosk_id_kiosks"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(COMMAND_KINDS, name=op.f("ck_fleet_commands_kind")),
        sa.CheckConstraint(COMMAND_STATUSES, name=op.f("ck_fleet_commands_status")),
    )
    op.create_index("ix_fleet_commands_kiosk", "fleet_commands", ["kiosk_id", "status"])
    op.create_table(
        "fleet_uploads",
        sa.Column("command_id", sa.String(32), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("command_id", name=op.f("pk_fleet_uploads")),
        sa.ForeignKeyConstraint(
            ["command_id"],
            ["fleet_commands.id"],
            name=op.f("fk_fleet_uploads_command_id_fleet_commands"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "fleet_configs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_configs")),
        sa.UniqueConstraint("scope", "version", name=op.f("uq_fleet_configs_scope")),
    )
    op.create_table(
        "fleet_rollouts",
        sa.Column("config_id", sa.Integer, nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("changed_at", nullable=False),
        sa.PrimaryKeyConstraint("config_id", "kiosk_id", name=op.f("pk_fleet_rollouts")),
        sa.ForeignKeyConstraint(
            ["config_id"],
            ["fleet_configs.id"],
            name=op.f("fk_fleet_rollouts_config_id_fleet_configs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_fleet_rollouts_kiosk_id_kiosks"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(ROLLOUT_STATUSES, name=op.f("ck_fleet_rollouts_status")),
    )
    op.create_table(
        "fleet_alerts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
        _ts("raised_at", nullable=False),
        _ts("sent_at", nullable=True),
        _ts("cleared_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_alerts")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_fleet_alerts_kiosk_id_kiosks"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(ALERT_STATUSES, name=op.f("ck_fleet_alerts_status")),
    )
    op.create_index("ix_fleet_alerts_kiosk", "fleet_alerts", ["kiosk_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_fleet_alerts_kiosk", table_name="fleet_alerts")
    op.drop_table("fleet_alerts")
    op.drop_table("fleet_rollouts")
    op.drop_table("fleet_configs")
    op.drop_table("fleet_uploads")
    op.drop_index("ix_fleet_commands_kiosk", table_name="fleet_commands")
    op.drop_table("fleet_commands")
    op.drop_index("ix_fleet_audit_kiosk", table_name="fleet_audit")
    op.drop_table("fleet_audit")
    op.drop_table("fleet_heartbeats")
    op.drop_table("fleet_state")
