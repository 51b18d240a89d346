"""The appeal registry: appeals, their history and answers, routing, and each kiosk's short serial.

A kiosk numbers its appeals offline as ``A<serial>-<YYMMDD>-<seq>`` (service_common.appeals), so
every kiosk needs a serial unique across the fleet: existing kiosks get one here, in the order
they were registered. Centers get the holiday calendar (country, subdivision) their appeal
deadlines are counted in.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

KINDS = ("question", "application", "complaint", "feedback")
SOURCES = ("kiosk", "letter", "staff")
REPLY_BY = ("sms", "email", "letter", "center")
STATUSES = (
    "registered",
    "needs_info",
    "in_progress",
    "extended",
    "answered",
    "closed",
    "rejected",
    "overdue",
)
REASONS = ("abusive", "unreadable", "commercial_secret", "repeat", "not_competent")
SATISFACTION = ("satisfied", "not_satisfied", "no_answer")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _number_kiosks() -> None:
    if context.is_offline_mode():
        return
    conn = op.get_bind()
    k = sa.table("kiosks", sa.column("id", sa.String), sa.column("created_at"), sa.column("serial"))
    ids = conn.execute(sa.select(k.c.id).order_by(k.c.created_at, k.c.id)).scalars().all()
    for serial, kiosk_id in enumerate(ids, start=1):
        conn.execute(sa.update(k).where(k.c.id == kiosk_id).values(serial=serial))


def upgrade() -> None:
    # Plain ALTERs, never a batch copy: on SQLite, re-creating centers or kiosks would fire their
    # children's ON DELETE actions (leases, tickets, services) with foreign keys on.
    op.add_column("centers", sa.Column("holiday_country", sa.String(16), nullable=True, server_default="RU"))
    op.add_column("centers", sa.Column("holiday_subdiv", sa.String(16), nullable=True))
    op.add_column("kiosks", sa.Column("serial", sa.Integer, nullable=True))
    _number_kiosks()
    op.create_index("ix_kiosks_serial", "kiosks", ["serial"], unique=True)

    op.create_table(
        "appeal_departments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.JSON, nullable=False),
        sa.Column("contact", sa.String(254), nullable=False, server_default=""),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_departments")),
    )
    op.create_table(
        "appeal_handlers",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("department_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_appeal_handlers")),
        sa.ForeignKeyConstraint(
            ["username"],
            ["staff.username"],
            name=op.f("fk_appeal_handlers_username_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["appeal_departments.id"],
            name=op.f("fk_appeal_handlers_department_id_appeal_departments"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "appeal_routes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("center_id", sa.String(16), nullable=True),
        sa.Column("region", sa.String(16), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("department_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_routes")),
        sa.ForeignKeyConstraint(
            ["center_id"], ["centers.id"], name=op.f("fk_appeal_routes_center_id_centers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["appeal_departments.id"],
            name=op.f("fk_appeal_routes_department_id_appeal_departments"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(24), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=True),
        sa.Column("center_id", sa.String(16), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("phone_last4", sa.String(4), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("reply_by", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("concerns", sa.String(500), nullable=True),
        sa.Column("happened_on", sa.Date, nullable=True),
        sa.Column("kb_query", sa.String(500), nullable=True),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reject_reason", sa.String(20), nullable=True),
        sa.Column("department_id", sa.String(32), nullable=True),
        sa.Column("handler", sa.String(64), nullable=True),
        sa.Column("paused_on", sa.Date, nullable=True),
        sa.Column("info_request", sa.Text, nullable=True),
        sa.Column("satisfaction", sa.String(16), nullable=True),
        sa.Column("no_answer_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reminded_on", sa.Date, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("number", name=op.f("uq_appeals_number")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_appeals_kiosk_id_kiosks"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_appeals_center_id_centers")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["appeal_departments.id"],
            name=op.f("fk_appeals_department_id_appeal_departments"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_appeals_kind")),
        sa.CheckConstraint(_in("source", SOURCES), name=op.f("ck_appeals_source")),
        sa.CheckConstraint(_in("reply_by", REPLY_BY), name=op.f("ck_appeals_reply_by")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_appeals_status")),
        sa.CheckConstraint(
            "reject_reason IS NULL OR " + _in("reject_reason", REASONS), name=op.f("ck_appeals_reject_reason")
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR " + _in("satisfaction", SATISFACTION),
            name=op.f("ck_appeals_satisfaction"),
        ),
    )
    op.create_index("ix_appeals_due", "appeals", ["status", "due_on"])
    op.create_index("ix_appeals_handler", "appeals", ["handler", "status"])
    op.create_index("ix_appeals_filed", "appeals", ["filed_at"])
    op.create_table(
        "appeal_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("appeal_id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("note", sa.JSON, nullable=True),
        sa.Column("data", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_events")),
        sa.UniqueConstraint("request_id", name=op.f("uq_appeal_events_request_id")),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_events_appeal_id_appeals"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_appeal_events_appeal", "appeal_events", ["appeal_id", "id"])
    op.create_table(
        "appeal_answers",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("appeal_id", sa.String(36), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("by_username", sa.String(64), nullable=False),
        sa.Column("by_name", sa.String(200), nullable=False),
        sa.Column("by_contact", sa.String(254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_answers")),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_appeal_answers_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_appeal_answers_appeal", "appeal_answers", ["appeal_id", "id"])
    op.create_table(
        "appeal_attempts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_attempts")),
    )
    op.create_index("ix_appeal_attempts_number", "appeal_attempts", ["number", "at"])
    op.create_table(
        "appeal_notices",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("appeal_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("to", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_notices")),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_appeal_notices_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_appeal_notices_channel")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_appeal_notices_status")),
    )
    op.create_index("ix_appeal_notices_pending", "appeal_notices", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_appeal_notices_pending", table_name="appeal_notices")
    op.drop_table("appeal_notices")
    op.drop_index("ix_appeal_attempts_number", table_name="appeal_attempts")
    op.drop_table("appeal_attempts")
    op.drop_index("ix_appeal_answers_appeal", table_name="appeal_answers")
    op.drop_table("appeal_answers")
    op.drop_index("ix_appeal_events_appeal", table_name="appeal_events")
    op.drop_table("appeal_events")
    op.drop_index("ix_appeals_filed", table_name="appeals")
    op.drop_index("ix_appeals_handler", table_name="appeals")
    op.drop_index("ix_appeals_due", table_name="appeals")
    op.drop_table("appeals")
    op.drop_table("appeal_routes")
    op.drop_table("appeal_handlers")
    op.drop_table("appeal_departments")
    op.drop_index("ix_kiosks_serial", table_name="kiosks")
    op.drop_column("kiosks", "serial")
    op.drop_column("centers", "holiday_subdiv")
    op.drop_column("centers", "holiday_country")
