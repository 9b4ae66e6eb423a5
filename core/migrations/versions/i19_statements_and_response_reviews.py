"""statements (口径库), check word lists and response reviews

Revision ID: i19
Revises: c02
Create Date: 2026-12-06 16:50:18.420680
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.types

revision = "i19"
down_revision = "c02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list", sa.String(length=20), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("suggestion", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_term")),
        sa.UniqueConstraint("list", "term", name=op.f("uq_check_term_list")),
    )
    with op.batch_alter_table("check_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_term_list"), ["list"], unique=False)

    op.create_table(
        "statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_statement_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"], name=op.f("fk_statement_updated_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
    )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_category"), ["category"], unique=False)

    op.create_table(
        "statement_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_statement_document_statement_id_statement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_document")),
    )
    with op.batch_alter_table("statement_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_document_statement_id"), ["statement_id"], unique=False)

    op.create_table(
        "response_review",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("findings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("draft", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("override_note", sa.Text(), nullable=False),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("overridden_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_response_review_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"], ["user_account.id"], name=op.f("fk_response_review_overridden_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_response_review_response_id_response"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_response_review_statement_id_statement"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_response_review")),
    )
    with op.batch_alter_table("response_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_review_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_response_review_statement_id"), ["statement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_review_statement_id"))
        batch_op.drop_index(batch_op.f("ix_response_review_alert_id"))

    op.drop_table("response_review")
    with op.batch_alter_table("statement_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_document_statement_id"))

    op.drop_table("statement_document")
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_category"))

    op.drop_table("statement")
    with op.batch_alter_table("check_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_term_list"))

    op.drop_table("check_term")
