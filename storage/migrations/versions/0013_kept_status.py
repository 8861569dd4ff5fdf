"""each outcome's status kept, and each reading's status against the targets as they stand

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27

The columns start empty: working a status out takes the road map's rules, which live above
storage, so `commands.outcomes.standing.keep_every_status` fills them in when waymark starts
(every entry point runs it after migrating), and finds nothing to do after the first time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("latest_period_start", sa.Date(), nullable=True))
    with op.batch_alter_table("readings") as batch:
        batch.add_column(sa.Column("path_status", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("readings") as batch:
        batch.drop_column("path_status")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("latest_period_start")
        batch.drop_column("status")
