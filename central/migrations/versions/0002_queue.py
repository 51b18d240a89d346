"""Electronic queue: counters, staff and their sessions, number sequences, leases, tickets.

Written out in full like 0001, so later changes to central.db cannot change what it does.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TICKET_STATUSES = "status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'parked', 'void')"
PRIORITIES = "priority IN ('none', 'disability', 'pregnancy', 'veteran', 'appointment')"


def _ts(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(
    column: str, table: str, ondelete: str | None = "CASCADE", source: str = ""
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.{'username' if table == 'staff' else 'id'}"],
        name=op.f(f"fk_{source}_{column}_{table}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("opened_session", sa.String(64), nullable=True),
        sa.Column("opened_by", sa.String(64), nullable=True),
        _ts("opened_at", nullable=True),
        sa.Column("serving", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counters")),
        _fk("center_id", "centers", source="counters"),
        sa.UniqueConstraint("center_id", "name", name=op.f("uq_counters_center_id_name")),
    )
    op.create_table(
        "counter_services",
        sa.Column("counter_id", sa.String(32), nullable=False),
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("counter_id", "service_id", name=op.f("pk_counter_services")),
        _fk("counter_id", "counters", source="counter_services"),
        _fk("service_id", "services", source="counter_services"),
    )
    op.create_table(
        "staff",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("center_id", sa.String(16), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("must_change", sa.Boolean, nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_staff")),
        _fk("center_id", "centers", ondelete="SET NULL", source="staff"),
        sa.CheckConstraint("role IN ('agent', 'supervisor')", name=op.f("ck_staff_role")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        _ts("created_at", nullable=False),
        _ts("last_seen_at", nullable=False),
        _ts("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
        _fk("username", "staff", source="staff_sessions"),
    )
    op.create_index(op.f("ix_staff_sessions_username"), "staff_sessions", ["username"])
    op.create_table(
        "ticket_sequences",
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("next_number", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("service_id", "business_date", name=op.f("pk_ticket_sequences")),
        _fk("service_id", "services", source="ticket_sequences"),
    )
    op.create_table(
        "leases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("first", sa.Integer, nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        _ts("created_at", nullable=False),
        _ts("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leases")),
        _fk("kiosk_id", "kiosks", source="leases"),
        _fk("center_id", "centers", source="leases"),
        _fk("service_id", "services", source="leases"),
        sa.UniqueConstraint("request_id", name=op.f("uq_leases_request_id")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=True),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(32), nullable=False),
        sa.Column("queue_service_id", sa.String(32), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("prefix", sa.String(1), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("lease_id", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("issued_at", nullable=False),
        _ts("received_at", nullable=False),
        _ts("queued_at", nullable=False),
        _ts("rank_at", nullable=False),
        _ts("called_at", nullable=True),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.Column("counter_id", sa.String(32), nullable=True),
        sa.Column("call_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("void_reason", sa.String(200), nullable=True),
        sa.Column("response", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        _fk("kiosk_id", "kiosks", ondelete="SET NULL", source="tickets"),
        _fk("center_id", "centers", source="tickets"),
        _fk("service_id", "services", source="tickets"),
        _fk("queue_service_id", "services", source="tickets"),
        _fk("lease_id", "leases", ondelete="SET NULL", source="tickets"),
        _fk("counter_id", "counters", ondelete="SET NULL", source="tickets"),
        sa.UniqueConstraint("request_id", name=op.f("uq_tickets_request_id")),
        sa.UniqueConstraint("service_id", "business_date", "number", name=op.f("uq_tickets_service_id")),
        sa.CheckConstraint(TICKET_STATUSES, name=op.f("ck_tickets_status")),
        sa.CheckConstraint(PRIORITIES, name=op.f("ck_tickets_priority")),
    )
    op.create_index(
        "ix_tickets_line", "tickets", ["queue_service_id", "business_date", "status", "rank_at", "number"]
    )
    op.create_index("ix_tickets_calls", "tickets", ["center_id", "business_date", "called_at"])
    op.create_index("ix_tickets_done", "tickets", ["queue_service_id", "business_date", "finished_at"])
    op.create_index("ix_tickets_counter", "tickets", ["counter_id", "status"])
    op.create_table(
        "central_secrets",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_central_secrets")),
    )


def downgrade() -> None:
    for table in (
        "central_secrets",
        "tickets",
        "leases",
        "ticket_sequences",
        "staff_sessions",
        "staff",
        "counter_services",
        "counters",
    ):
        op.drop_table(table)
