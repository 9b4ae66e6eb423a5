"""delivery digest: a delivery merged into another one's digest message names it

Revision ID: r01
Revises: h01
Create Date: 2026-12-06 18:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r01"
down_revision = "h01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notify_delivery_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notify_delivery_merged_into_id_notify_delivery"),
            "notify_delivery",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_delivery", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notify_delivery_merged_into_id_notify_delivery"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notify_delivery_merged_into_id"))
        batch_op.drop_column("merged_into_id")
