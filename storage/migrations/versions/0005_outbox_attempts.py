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
    # A row left `sending` by an older waymark may have been posted: look for it first. An older
    # waymark also ended as `failed` rows whose answer kept being lost, which may have been
    # posted: they wait for an operator to look, rather than be posted again by `--retry`.
    op.execute(sa.text("UPDATE outbox SET posting = TRUE WHERE state = 'sending'"))
    op.execute(
        sa.text("UPDATE outbox SET posting = TRUE, state = 'unconfirmed' WHERE state = 'failed'")
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE outbox SET state = 'failed' WHERE state = 'unconfirmed'"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("look_first")
        batch_op.drop_column("posting")
