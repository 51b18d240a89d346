"""Personal data: an index on the bookings that still hold a phone, and card numbers masked.

The retention sweep (central.appointments.retention) erases name, phone and e-mail some days after
the slot; this partial index lets it find those rows without scanning every booking ever made,
and stays small because erased rows leave it. Free text stored before central masked card
numbers on the way in (booking names, void reasons) is masked here the same way, once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

HOLDS_PHONE = sa.text("phone IS NOT NULL")
FREE_TEXT = (("appointments", "name"), ("tickets", "void_reason"))
BATCH = 1000


def _mask_free_text() -> None:
    # The one masking function (service_common.redact), as the API applies it on the way in.
    from service_common.redact import mask_card_numbers

    if context.is_offline_mode():  # SQL scripts for a DBA: no rows to read; the API masks new text
        return
    conn = op.get_bind()
    for table_name, column in FREE_TEXT:
        table = sa.table(table_name, sa.column("id", sa.String), sa.column(column, sa.String))
        text = table.c[column]
        last = ""
        while True:
            rows = conn.execute(
                sa.select(table.c.id, text)
                .where(text.is_not(None), table.c.id > last)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, value in rows:
                masked = mask_card_numbers(value)
                if masked != value:
                    conn.execute(sa.update(table).where(table.c.id == row_id).values({column: masked}))
            last = rows[-1][0]


def upgrade() -> None:
    op.create_index(
        "ix_appointments_personal",
        "appointments",
        ["slot_start_utc"],
        sqlite_where=HOLDS_PHONE,
        postgresql_where=HOLDS_PHONE,
    )
    _mask_free_text()


def downgrade() -> None:
    # Masked text stays masked: the digits are gone.
    op.drop_index("ix_appointments_personal", table_name="appointments")
