"""disclosure register, annual reports, report reminders, scoring policy versions and published periods

Revision ID: d01
Revises: i19
Create Date: 2026-12-06 16:57:51.907230
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.types

revision = "d01"
down_revision = "i19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosure_report",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("forms", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_url", sa.String(length=2048), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user_account.id"], name=op.f("fk_disclosure_report_published_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"], name=op.f("fk_disclosure_report_updated_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_disclosure_report")),
    )
    op.create_table(
        "score_period",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("sheets", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("published_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user_account.id"], name=op.f("fk_score_period_published_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_score_period")),
    )
    op.create_table(
        "scoring_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_scoring_policy_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_policy")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_policy_version")),
    )
    op.create_table(
        "disclosure_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("information", sa.Text(), nullable=False),
        sa.Column("applicant_type", sa.String(length=20), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_contact", sa.String(length=300), nullable=False),
        sa.Column("received_via", sa.String(length=20), nullable=False),
        sa.Column("received_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("correction_requested_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("correction_received_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extended_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_disclosure_request_alert_id_alert"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_disclosure_request_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_request")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_disclosure_request_alert_id")),
        sa.UniqueConstraint("serial", name=op.f("uq_disclosure_request_serial")),
    )
    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_request_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_request_applicant_type"), ["applicant_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_request_received_at"), ["received_at"], unique=False)

    op.create_table(
        "disclosure_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_disclosure_reminder_notification_id_notification"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_reminder")),
        sa.UniqueConstraint("year", "day", name=op.f("uq_disclosure_reminder_year")),
    )


def downgrade() -> None:
    op.drop_table("disclosure_reminder")
    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_request_received_at"))
        batch_op.drop_index(batch_op.f("ix_disclosure_request_applicant_type"))
        batch_op.drop_index(batch_op.f("ix_disclosure_request_answered_at"))

    op.drop_table("disclosure_request")
    op.drop_table("scoring_policy")
    op.drop_table("score_period")
    op.drop_table("disclosure_report")
