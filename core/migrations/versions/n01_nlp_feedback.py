"""nlp feedback

Revision ID: n01
Revises: w01
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision = "n01"
down_revision = "w01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlp_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=80), nullable=True),
        sa.Column("predicted_category", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("needs_response", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_in_version", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analysis.id"], name=op.f("fk_nlp_feedback_analysis_id_analysis"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_nlp_feedback_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_nlp_feedback_post_id_post"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlp_feedback")),
    )
    with op.batch_alter_table("nlp_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_nlp_feedback_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_nlp_feedback_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nlp_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nlp_feedback_post_id"))
        batch_op.drop_index("ix_nlp_feedback_created_at")

    op.drop_table("nlp_feedback")
