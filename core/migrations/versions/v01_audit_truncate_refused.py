"""audit truncate refused: on PostgreSQL the audit logs refuse TRUNCATE as they refuse UPDATE and DELETE

Revision ID: v01
Revises: m01
Create Date: 2026-12-07 03:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "v01"
down_revision = "m01"
branch_labels = None
depends_on = None

# The tables t01 guards row by row; TRUNCATE fires no row trigger, so it emptied them without a word.
PROTECTED = ("alert_event", "admin_change", "audit_chain")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The function t01 created names the operation and the table: "audit log is append-only: TRUNCATE on …".
    for table in PROTECTED:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION muqing_audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in PROTECTED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
