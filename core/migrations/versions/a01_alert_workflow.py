"""alert workflow: roster, extensions, follow-ups, attachments, holiday years

Revision ID: a01
Revises: n01
Create Date: 2026-11-27 06:54:33.059993
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.types

revision = "a01"
down_revision = "c01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_setting",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_alert_setting")),
    )
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("backup_user_id", sa.Integer(), nullable=True),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["backup_user_id"], ["user_account.id"], name=op.f("fk_duty_shift_backup_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(["leader_id"], ["user_account.id"], name=op.f("fk_duty_shift_leader_id_user_account")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_duty_shift_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shift")),
    )
    with op.batch_alter_table("duty_shift", schema=None) as batch_op:
        batch_op.create_index("ix_duty_shift_span", ["starts_at", "ends_at"], unique=False)

    op.create_table(
        "holiday_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("days", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"], name=op.f("fk_holiday_year_updated_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_holiday_year")),
    )
    op.create_table(
        "alert_co_section",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_co_section_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["section.id"], name=op.f("fk_alert_co_section_section_id_section"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", "section_id", name=op.f("pk_alert_co_section")),
    )
    with op.batch_alter_table("alert_co_section", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_co_section_section_id"), ["section_id"], unique=False)

    op.create_table(
        "alert_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("old_due", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_due", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_extension_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_alert_extension_decided_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user_account.id"], name=op.f("fk_alert_extension_requested_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_extension")),
    )
    with op.batch_alter_table("alert_extension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_extension_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "alert_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("satisfaction", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_follow_up_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"], name=op.f("fk_alert_follow_up_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_follow_up")),
    )
    with op.batch_alter_table("alert_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_follow_up_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "duty_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("from_user_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("open_alert_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("received_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["user_account.id"], name=op.f("fk_duty_handover_from_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["duty_shift.id"], name=op.f("fk_duty_handover_shift_id_duty_shift"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["user_account.id"], name=op.f("fk_duty_handover_to_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_handover")),
    )
    with op.batch_alter_table("duty_handover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_handover_at"), ["at"], unique=False)

    op.create_table(
        "alert_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_path", sa.String(length=500), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_attachment_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_alert_attachment_response_id_response"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user_account.id"], name=op.f("fk_alert_attachment_uploaded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_attachment")),
    )
    with op.batch_alter_table("alert_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_attachment_alert_id"), ["alert_id"], unique=False)

    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duty_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clock_started_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("heat", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("satisfaction", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False, server_default="{}"
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_merged_into_id_alert"), "alert", ["merged_into_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_duty_user_id_user_account"), "user_account", ["duty_user_id"], ["id"]
        )

    with op.batch_alter_table("alert_post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="published"))
        batch_op.add_column(sa.Column("signed_off_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signed_off_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_response_signed_off_by_id_user_account"), "user_account", ["signed_off_by_id"], ["id"]
        )

    with op.batch_alter_table("sla_policy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_kind", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("sign_off_required", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column("extension_approver", sa.String(length=20), nullable=False, server_default="head")
        )
        batch_op.add_column(sa.Column("max_extensions", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("remind_fraction", sa.Float(), nullable=False, server_default="0.75"))
        batch_op.add_column(sa.Column("overdue_grace_minutes", sa.Integer(), nullable=False, server_default="60"))
        batch_op.add_column(sa.Column("quiet_hours", sa.Boolean(), nullable=False, server_default=sa.false()))

    _policy_flags_by_severity()


# The flags the default policies carry (alerts/defaults.yaml), for policies created before they existed.
FLAGS = {
    "重大": {
        "sign_off_required": True,
        "extension_approver": "leader",
        "remind_fraction": 0.5,
        "overdue_grace_minutes": 15,
    },
    "较大": {"sign_off_required": True, "overdue_grace_minutes": 60},
    "一般": {"quiet_hours": True, "overdue_grace_minutes": 240},
    "依申请公开": {"quiet_hours": True, "max_extensions": 1, "overdue_grace_minutes": 240},
}


def _policy_flags_by_severity() -> None:
    policy = sa.table(
        "sla_policy",
        sa.column("severity", sa.String),
        sa.column("sign_off_required", sa.Boolean),
        sa.column("extension_approver", sa.String),
        sa.column("max_extensions", sa.Integer),
        sa.column("remind_fraction", sa.Float),
        sa.column("overdue_grace_minutes", sa.Integer),
        sa.column("quiet_hours", sa.Boolean),
    )
    for severity, values in FLAGS.items():
        op.execute(policy.update().where(policy.c.severity == severity).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("sla_policy", schema=None) as batch_op:
        batch_op.drop_column("quiet_hours")
        batch_op.drop_column("overdue_grace_minutes")
        batch_op.drop_column("remind_fraction")
        batch_op.drop_column("max_extensions")
        batch_op.drop_column("extension_approver")
        batch_op.drop_column("sign_off_required")
        batch_op.drop_column("source_kind")

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_response_signed_off_by_id_user_account"), type_="foreignkey")
        batch_op.drop_column("signed_off_at")
        batch_op.drop_column("signed_off_by_id")
        batch_op.drop_column("status")
        batch_op.drop_column("contact")

    with op.batch_alter_table("alert_post", schema=None) as batch_op:
        batch_op.drop_column("score")

    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_duty_user_id_user_account"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_alert_merged_into_id_alert"), type_="foreignkey")
        batch_op.drop_column("details")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("satisfaction")
        batch_op.drop_column("reopen_count")
        batch_op.drop_column("heat")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("clock_started_at")
        batch_op.drop_column("duty_user_id")

    with op.batch_alter_table("alert_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_attachment_alert_id"))

    op.drop_table("alert_attachment")
    with op.batch_alter_table("duty_handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_handover_at"))

    op.drop_table("duty_handover")
    with op.batch_alter_table("alert_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_follow_up_alert_id"))

    op.drop_table("alert_follow_up")
    with op.batch_alter_table("alert_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_extension_alert_id"))

    op.drop_table("alert_extension")
    with op.batch_alter_table("alert_co_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_co_section_section_id"))

    op.drop_table("alert_co_section")
    op.drop_table("holiday_year")
    with op.batch_alter_table("duty_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_duty_shift_span")

    op.drop_table("duty_shift")
    op.drop_table("alert_setting")
