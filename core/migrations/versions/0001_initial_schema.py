"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 06:17:58.724440
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["dispatched_at", "id"], unique=False)

    op.create_table(
        "section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section")),
        sa.UniqueConstraint("code", name=op.f("uq_section_code")),
    )
    op.create_table(
        "sla_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("limits", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_policy_name")),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("config", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_crawl_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("name", name=op.f("uq_source_name")),
    )
    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("drops", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_crawl_run_source_id_source"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run")),
    )
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_run_source_id"), ["source_id"], unique=False)

    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("published_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reads", sa.Integer(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("reposts", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name=op.f("fk_post_source_id_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post")),
        sa.UniqueConstraint("url", name=op.f("uq_post_url")),
    )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.create_index("ix_post_published_at", ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_source_id"), ["source_id"], unique=False)

    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("match", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("co_section_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["section_id"], ["section.id"], name=op.f("fk_routing_rule_section_id_section")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
        sa.UniqueConstraint("name", name=op.f("uq_routing_rule_name")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["section_id"], ["section.id"], name=op.f("fk_user_account_section_id_section")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("routing_rule_id", sa.Integer(), nullable=True),
        sa.Column("routing_reason", sa.Text(), nullable=False),
        sa.Column("sla_policy_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ack_due", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_due", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_due", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["user_account.id"], name=op.f("fk_alert_assignee_id_user_account")),
        sa.ForeignKeyConstraint(
            ["routing_rule_id"],
            ["routing_rule.id"],
            name=op.f("fk_alert_routing_rule_id_routing_rule"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["section_id"], ["section.id"], name=op.f("fk_alert_section_id_section")),
        sa.ForeignKeyConstraint(
            ["sla_policy_id"],
            ["sla_policy.id"],
            name=op.f("fk_alert_sla_policy_id_sla_policy"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_severity"), ["severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_status"), ["status"], unique=False)

    op.create_table(
        "analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("relevant", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("needs_response", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("sentiment", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("entities", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_analysis_post_id_post"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis")),
        sa.UniqueConstraint("post_id", "model_version", name=op.f("uq_analysis_post_id")),
    )
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_post_id"), ["post_id"], unique=False)

    op.create_table(
        "alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_alert_event_actor_id_user_account")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_event_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_event")),
    )
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_event_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "alert_post",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("added_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_post_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_alert_post_post_id_post"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "post_id", name=op.f("pk_alert_post")),
        sa.UniqueConstraint("post_id", name=op.f("uq_alert_post_post_id")),
    )
    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_response_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name=op.f("fk_response_author_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_alert_id"), ["alert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_alert_id"))

    op.drop_table("response")
    op.drop_table("alert_post")
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_event_alert_id"))

    op.drop_table("alert_event")
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_post_id"))

    op.drop_table("analysis")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_status"))
        batch_op.drop_index(batch_op.f("ix_alert_severity"))
        batch_op.drop_index(batch_op.f("ix_alert_section_id"))
        batch_op.drop_index(batch_op.f("ix_alert_category"))

    op.drop_table("alert")
    op.drop_table("user_account")
    op.drop_table("routing_rule")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_source_id"))
        batch_op.drop_index("ix_post_published_at")

    op.drop_table("post")
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_run_source_id"))

    op.drop_table("crawl_run")
    op.drop_table("source")
    op.drop_table("sla_policy")
    op.drop_table("section")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox_event")
