"""nlp uncertain posts (the labelling queue)

Revision ID: n02
Revises: d01
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision = "n02"
down_revision = "d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlp_uncertain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("p_relevant", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("p_category", sa.Float(), nullable=False),
        sa.Column("runner_up", sa.String(length=40), nullable=True),
        sa.Column("uncertainty", sa.Float(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analysis.id"], name=op.f("fk_nlp_uncertain_analysis_id_analysis"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_nlp_uncertain_post_id_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlp_uncertain")),
        sa.UniqueConstraint("post_id", "model_version", name=op.f("uq_nlp_uncertain_post_id")),
    )
    with op.batch_alter_table("nlp_uncertain", schema=None) as batch_op:
        batch_op.create_index("ix_nlp_uncertain_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_nlp_uncertain_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nlp_uncertain", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nlp_uncertain_post_id"))
        batch_op.drop_index("ix_nlp_uncertain_created_at")

    op.drop_table("nlp_uncertain")
