"""Card statements: temporary blocks of the demo core bank, the block/unblock audit, attestation nonces.

``card_blocks`` is the reference adapter's own state (a real bank keeps blocks in its core
system); ``card_audit`` records every block and unblock whatever the adapter; ``card_nonces``
remembers the nonces of recent PIN attestations so a recorded request cannot be replayed.
Cards appear only by token (a keyed hash of the card number), never by number.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "card_blocks",
        sa.Column("card_token", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "card_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("card_token", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("center_id", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.CheckConstraint("action IN ('block', 'unblock')", name=op.f("ck_card_audit_action")),
    )
    op.create_index("ix_card_audit_card_token", "card_audit", ["card_token", "at"])
    op.create_table(
        "card_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_card_nonces_seen_at", "card_nonces", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_card_nonces_seen_at", table_name="card_nonces")
    op.drop_table("card_nonces")
    op.drop_index("ix_card_audit_card_token", table_name="card_audit")
    op.drop_table("card_audit")
    op.drop_table("card_blocks")
