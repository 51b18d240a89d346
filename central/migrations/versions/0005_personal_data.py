"""Personal data retention: an index on the bookings that still hold a phone, by slot.

The retention sweep (central.appointments.retention) erases name, phone and e-mail some days after
the slot; this partial index lets it find those rows without scanning every booking ever made,
and stays small because erased rows leave it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

HOLDS_PHONE = sa.text("phone IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_appointments_personal",
        "appointments",
        ["slot_start_utc"],
        sqlite_where=HOLDS_PHONE,
        postgresql_where=HOLDS_PHONE,
    )


def downgrade() -> None:
    op.drop_index("ix_appointments_personal", table_name="appointments")
