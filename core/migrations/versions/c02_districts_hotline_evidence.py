"""district places and lexicon as tables, the admin's audit log, the evidence hash chain, hotline order fields

Revision ID: c02
Revises: a02
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision = "c02"
down_revision = "a02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("lexicon", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_revision")),
    )
    op.create_table(
        "evidence_chain",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_evidence_chain")),
    )
    with op.batch_alter_table("evidence_chain", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_chain_snapshot_id", ["snapshot_id"], unique=True)

    op.create_table(
        "lexicon_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=40), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_term")),
        sa.UniqueConstraint("group", "term", name="uq_lexicon_term_group_term"),
    )
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("aliases", core.types.JSONType, nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["place.id"], name=op.f("fk_place_parent_id_place"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("kind", "parent_id", "name", name="uq_place_kind_parent_name"),
    )
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.create_index("ix_place_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "admin_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", core.types.JSONType, nullable=True),
        sa.Column("after", core.types.JSONType, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_admin_change_actor_id_user_account"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_change")),
    )
    with op.batch_alter_table("admin_change", schema=None) as batch_op:
        batch_op.create_index("ix_admin_change_entity", ["entity", "entity_id"], unique=False)

    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("external_due", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_alert_external_ref"), ["external_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_external_ref"))
        batch_op.drop_column("external_due")
        batch_op.drop_column("external_ref")

    with op.batch_alter_table("admin_change", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_change_entity")

    op.drop_table("admin_change")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index("ix_place_parent_id")

    op.drop_table("place")
    op.drop_table("lexicon_term")
    with op.batch_alter_table("evidence_chain", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_chain_snapshot_id")

    op.drop_table("evidence_chain")
    op.drop_table("district_revision")
