"""an index on posts' kind and time: every reading stored looks for the recent cards to redraw

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_posts_kind_posted_at", "posts", ["kind", "posted_at"])


def downgrade() -> None:
    op.drop_index("ix_posts_kind_posted_at", table_name="posts")
