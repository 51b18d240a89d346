"""Waiting tickets counted per line (queue service and business day), kept by triggers.

A new ticket's place in line was a COUNT over every waiting ticket ranked before it: its cost
grew with the queue (1.7 ms a ticket with 6,000 waiting). With the line's total kept here, the
create transaction counts only the tickets ranked after the new one (almost always none) and
subtracts. Triggers keep the total in the same transaction as every insert, status or line
change and delete of a ticket, whichever code (or test, or staff tool) makes it.

Note for later migrations: a batch ALTER of ``tickets`` on SQLite recreates the table and drops
these triggers; create them again after it (``create_triggers``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

_SQLITE_ADD = """
    INSERT INTO line_counts (service_id, business_date, waiting)
    SELECT NEW.queue_service_id, NEW.business_date, 1 WHERE NEW.status = 'waiting'
    ON CONFLICT (service_id, business_date) DO UPDATE SET waiting = waiting + 1;"""
_SQLITE_SUB = """
    UPDATE line_counts SET waiting = waiting - 1
    WHERE OLD.status = 'waiting' AND service_id = OLD.queue_service_id
      AND business_date = OLD.business_date;"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER tr_line_counts_ins AFTER INSERT ON tickets BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER tr_line_counts_del AFTER DELETE ON tickets BEGIN {_SQLITE_SUB} END",
    "CREATE TRIGGER tr_line_counts_upd AFTER UPDATE OF status, queue_service_id, business_date ON tickets "
    f"BEGIN {_SQLITE_SUB} {_SQLITE_ADD} END",
)
# PostgreSQL: one row function. When a ticket moves between two lines, the two rows are locked in
# key order, so two opposite transfers at once cannot deadlock.
POSTGRES_TRIGGERS = (
    """
CREATE FUNCTION line_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sub boolean := false;
    add boolean := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        sub := OLD.status = 'waiting';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        add := NEW.status = 'waiting';
    END IF;
    IF add AND (NOT sub OR (NEW.queue_service_id, NEW.business_date) < (OLD.queue_service_id, OLD.business_date)) THEN
        INSERT INTO line_counts AS lc (service_id, business_date, waiting)
        VALUES (NEW.queue_service_id, NEW.business_date, 1)
        ON CONFLICT (service_id, business_date) DO UPDATE SET waiting = lc.waiting + 1;
        add := false;
    END IF;
    IF sub THEN
        UPDATE line_counts SET waiting = waiting - 1
        WHERE service_id = OLD.queue_service_id AND business_date = OLD.business_date;
    END IF;
    IF add THEN
        INSERT INTO line_counts AS lc (service_id, business_date, waiting)
        VALUES (NEW.queue_service_id, NEW.business_date, 1)
        ON CONFLICT (service_id, business_date) DO UPDATE SET waiting = lc.waiting + 1;
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER tr_line_counts AFTER INSERT OR DELETE OR UPDATE OF status, queue_service_id, business_date "
    "ON tickets FOR EACH ROW EXECUTE FUNCTION line_counts_track()",
)
BACKFILL = """
INSERT INTO line_counts (service_id, business_date, waiting)
SELECT queue_service_id, business_date, count(*) FROM tickets WHERE status = 'waiting'
GROUP BY queue_service_id, business_date"""


def create_triggers() -> None:
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "line_counts",
        sa.Column(
            "service_id", sa.String(32), sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("business_date", sa.Date, primary_key=True),
        sa.Column("waiting", sa.Integer, nullable=False),
    )
    op.execute(BACKFILL)  # before the triggers, in the same transaction: nothing counted twice
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tr_line_counts ON tickets")
        op.execute("DROP FUNCTION line_counts_track()")
    else:
        for name in ("ins", "del", "upd"):
            op.execute(f"DROP TRIGGER tr_line_counts_{name}")
    op.drop_table("line_counts")
