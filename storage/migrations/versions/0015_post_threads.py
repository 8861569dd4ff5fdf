"""the thread a post was made in, for a card answered inside a thread (Teams changes it there)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as table:
        table.add_column(sa.Column("thread_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as table:
        table.drop_column("thread_id")
