"""outbox rows remember whether a post may have started, and whether to look for it first

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("posting", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("look_first", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # A row left `sending` by an older waymark may have been posted: look for it first.
    op.execute(sa.text("UPDATE outbox SET posting = TRUE WHERE state = 'sending'"))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("look_first")
        batch_op.drop_column("posting")
