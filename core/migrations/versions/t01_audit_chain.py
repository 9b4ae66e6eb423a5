"""audit chain: both audit logs sealed into one hash chain; append-only in the database; a case keeps its log

Revision ID: t01
Revises: r01
Create Date: 2026-12-06 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision = "t01"
down_revision = "r01"
branch_labels = None
depends_on = None

PROTECTED = ("alert_event", "admin_change", "audit_chain")

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION muqing_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("log", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
    )
    op.create_index("ix_audit_chain_entry", "audit_chain", ["log", "entry_id"], unique=True)
    # A case's log is never removed with it: the foreign key no longer cascades (a case delete is refused).
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_event_alert_id_alert"), type_="foreignkey")
        batch_op.create_foreign_key(batch_op.f("fk_alert_event_alert_id_alert"), "alert", ["alert_id"], ["id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(REFUSE_FUNCTION)
        for table in PROTECTED:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION muqing_audit_append_only()"
            )
    from core.audit_chain import seal_all

    seal_all(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in PROTECTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS muqing_audit_append_only()")
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_event_alert_id_alert"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_event_alert_id_alert"), "alert", ["alert_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_index("ix_audit_chain_entry", table_name="audit_chain")
    op.drop_table("audit_chain")
