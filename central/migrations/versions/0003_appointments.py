"""Appointments: booking schedules and settings per service, date exceptions, holds and bookings.

Written out in full like 0001 and 0002, so later changes to central.db cannot change what it does.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

APPOINTMENT_STATUSES = "status IN ('held', 'confirmed', 'cancelled', 'checked_in', 'missed')"


def _ts(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, source: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{source}_{column}_{table}"), ondelete=ondelete
    )


def _weekly(name: str) -> None:
    op.create_table(
        name,
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("start", sa.String(5), nullable=False),
        sa.Column("end", sa.String(5), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "weekday", "start", name=op.f(f"pk_{name}")),
        _fk("center_id", "centers", name),
        _fk("service_id", "services", name),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f(f"ck_{name}_weekday")),
    )


def upgrade() -> None:
    op.create_table(
        "booking_settings",
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("min_notice_min", sa.Integer, nullable=False, server_default="60"),
        sa.Column("horizon_days", sa.Integer, nullable=False, server_default="30"),
        sa.Column("holiday_country", sa.String(16), nullable=True, server_default="RU"),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_booking_settings")),
        _fk("service_id", "services", "booking_settings"),
    )
    _weekly("booking_schedules")
    _weekly("booking_breaks")
    op.create_table(
        "schedule_exceptions",
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("windows", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("center_id", "date", name=op.f("pk_schedule_exceptions")),
        _fk("center_id", "centers", "schedule_exceptions"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("code", sa.String(16), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("confirm_request_id", sa.String(64), nullable=True),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(32), nullable=False),
        _ts("slot_start_utc", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("hold_expires_at", nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        _ts("created_at", nullable=False),
        sa.Column("ticket_id", sa.String(32), nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        _fk("center_id", "centers", "appointments"),
        _fk("service_id", "services", "appointments"),
        _fk("ticket_id", "tickets", "appointments", ondelete="SET NULL"),
        sa.UniqueConstraint("code", name=op.f("uq_appointments_code")),
        sa.UniqueConstraint("request_id", name=op.f("uq_appointments_request_id")),
        sa.UniqueConstraint("confirm_request_id", name=op.f("uq_appointments_confirm_request_id")),
        sa.CheckConstraint(APPOINTMENT_STATUSES, name=op.f("ck_appointments_status")),
    )
    op.create_index(op.f("ix_appointments_phone_hash"), "appointments", ["phone_hash"])
    op.create_index("ix_appointments_slot", "appointments", ["service_id", "slot_start_utc", "status"])
    op.create_table(
        "appointment_cancellations",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=False),
        _ts("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_cancellations")),
    )
    op.create_index(
        op.f("ix_appointment_cancellations_phone_hash"), "appointment_cancellations", ["phone_hash"]
    )


def downgrade() -> None:
    for table in (
        "appointment_cancellations",
        "appointments",
        "schedule_exceptions",
        "booking_breaks",
        "booking_schedules",
        "booking_settings",
    ):
        op.drop_table(table)
