"""Reminders: the appointment's e-mail and who cancelled it, the reminder outbox, manage-page attempts.

Written out in full like 0001-0003, so later changes to central.db cannot change what it does.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

REMINDER_CHANNELS = "channel IN ('sms', 'email')"
REMINDER_STATUSES = "status IN ('pending', 'sent', 'failed', 'cancelled')"


def _ts(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("cancelled_by", sa.String(80), nullable=True))
        batch.add_column(_ts("cancelled_at", nullable=True))
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("appointment_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        _ts("due_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _ts("next_try_at", nullable=False),
        _ts("sent_at", nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_reminders_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("appointment_id", "channel", name=op.f("uq_reminders_appointment_id")),
        sa.CheckConstraint(REMINDER_CHANNELS, name=op.f("ck_reminders_channel")),
        sa.CheckConstraint(REMINDER_STATUSES, name=op.f("ck_reminders_status")),
    )
    op.create_index("ix_reminders_due", "reminders", ["status", "next_try_at"])
    op.create_table(
        "manage_attempts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        _ts("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manage_attempts")),
    )
    op.create_index("ix_manage_attempts_code", "manage_attempts", ["code", "at"])


def downgrade() -> None:
    op.drop_table("manage_attempts")
    op.drop_table("reminders")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("cancelled_at")
        batch.drop_column("cancelled_by")
        batch.drop_column("email")
