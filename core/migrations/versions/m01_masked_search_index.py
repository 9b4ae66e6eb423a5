"""masked search index: every existing post is indexed again, now with its personal data masked

Revision ID: m01
Revises: t01
Create Date: 2026-12-06 20:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "m01"
down_revision = "t01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Documents written before the masking policy hold full phone and ID numbers: the search outbox sends
    # every post to the index again, and the new documents (core.search.documents) are masked.
    op.execute("INSERT INTO search_outbox (post_id, created_at) SELECT id, CURRENT_TIMESTAMP FROM post ORDER BY id")


def downgrade() -> None:
    # Nothing to undo: the index is derived data, and masked documents are still valid documents.
    pass
