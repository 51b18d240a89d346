"""Card requests counted per card token and window, and the kiosk's request id on blocks and unblocks.

The limit was counted in each process's memory; with several workers, or two centrals behind a
proxy, a card could be asked N times as often. A block or unblock whose answer was lost is asked
again with the same request id and gets the first answer (an unblock repeated used to answer
"not blocked"). Cards appear only by token, never by number.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "card_rate",
        sa.Column("card_token", sa.String(64), primary_key=True),
        sa.Column("slot", sa.BigInteger, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_card_rate_slot", "card_rate", ["slot"])
    with op.batch_alter_table("card_audit") as batch:
        batch.add_column(sa.Column("request_id", sa.String(64), nullable=True))
    op.create_index("uq_card_audit_request_id", "card_audit", ["request_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_card_audit_request_id", table_name="card_audit")
    with op.batch_alter_table("card_audit") as batch:
        batch.drop_column("request_id")
    op.drop_index("ix_card_rate_slot", table_name="card_rate")
    op.drop_table("card_rate")
