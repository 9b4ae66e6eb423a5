"""crawler evidence, links, signatures, health

Revision ID: c01
Revises: n01
Create Date: 2026-11-27 06:44:55.309431
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.types

revision = "c01"
down_revision = "n01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_page",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compression", sa.String(length=10), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_raw_page")),
    )
    op.create_table(
        "post_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("distance", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_post_link_post_id_post"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_post_link_source_id_source"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_link")),
        sa.UniqueConstraint("url", name=op.f("uq_post_link_url")),
    )
    with op.batch_alter_table("post_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_link_post_id"), ["post_id"], unique=False)

    op.create_table(
        "post_signature",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_post_signature_post_id_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "band", name=op.f("pk_post_signature")),
    )
    with op.batch_alter_table("post_signature", schema=None) as batch_op:
        batch_op.create_index("ix_post_signature_band_value", ["band", "value"], unique=False)

    op.create_table(
        "post_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("fetched_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_post_snapshot_post_id_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sha256"], ["raw_page.sha256"], name=op.f("fk_post_snapshot_sha256_raw_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_snapshot")),
    )
    with op.batch_alter_table("post_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_snapshot_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_snapshot_sha256"), ["sha256"], unique=False)

    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "params",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )
        batch_op.add_column(sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "stats",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )

    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simhash", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_post_source_external", ["source_id", "external_id"])

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_productive_at", core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("watermark_at", core.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("watermark_at")
        batch_op.drop_column("last_productive_at")

    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_constraint("uq_post_source_external", type_="unique")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("simhash")

    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_column("stats")
        batch_op.drop_column("duplicates")
        batch_op.drop_column("params")

    with op.batch_alter_table("post_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_snapshot_sha256"))
        batch_op.drop_index(batch_op.f("ix_post_snapshot_post_id"))

    op.drop_table("post_snapshot")
    with op.batch_alter_table("post_signature", schema=None) as batch_op:
        batch_op.drop_index("ix_post_signature_band_value")

    op.drop_table("post_signature")
    with op.batch_alter_table("post_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_link_post_id"))

    op.drop_table("post_link")
    op.drop_table("raw_page")
