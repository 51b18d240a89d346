"""More staff roles: the knowledge base, the appeal registry and the fleet need their own people.

``maintainer`` writes knowledge drafts, ``reviewer`` approves them, ``admin`` manages accounts and
configuration, ``technician`` services kiosks. One role per account, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

OLD = ("agent", "supervisor")
NEW = ("agent", "supervisor", "maintainer", "reviewer", "admin", "technician")


def _rule(roles: tuple[str, ...]) -> str:
    return f"role IN ({', '.join(repr(r) for r in roles)})"


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", _rule(NEW))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", _rule(OLD))
