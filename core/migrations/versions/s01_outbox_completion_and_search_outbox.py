"""outbox completion and search outbox

Revision ID: s01
Revises: 0001
Create Date: 2026-11-27 06:55:56.822458
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision = "s01"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_event_completed_at"), ["completed_at"], unique=False)
    # Events sent before completion was recorded count as completed; every existing post gets indexed.
    op.execute("UPDATE outbox_event SET completed_at = dispatched_at WHERE dispatched_at IS NOT NULL")
    op.execute("INSERT INTO search_outbox (post_id, created_at) SELECT id, CURRENT_TIMESTAMP FROM post ORDER BY id")


def downgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_event_completed_at"))
        batch_op.drop_column("completed_at")
    op.drop_table("search_outbox")
