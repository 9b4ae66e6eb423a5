"""provisional deadlines per alert and the pasted notice text of a holiday year

Revision ID: h01
Revises: n02
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "h01"
down_revision = "n02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "provisional_deadlines",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default="{}",
            )
        )
        batch_op.add_column(sa.Column("deadlines_provisional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_alert_deadlines_provisional"), ["deadlines_provisional"], unique=False)
    with op.batch_alter_table("holiday_year", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_text", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("holiday_year", schema=None) as batch_op:
        batch_op.drop_column("notice_text")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deadlines_provisional"))
        batch_op.drop_column("deadlines_provisional")
        batch_op.drop_column("provisional_deadlines")
