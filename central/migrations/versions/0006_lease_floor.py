"""Leases count down from a ceiling: the lowest number leased so far, per service and day.

Before this, leases took the next numbers of the same upward sequence as online tickets, so a
kiosk that leased 1-80 at opening made the day's first online ticket 081.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_sequences") as batch:
        batch.add_column(sa.Column("lease_floor", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_sequences") as batch:
        batch.drop_column("lease_floor")
