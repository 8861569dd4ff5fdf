"""which outcomes a lock covers: publishing one area's or group's report locks only theirs

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28

Existing locks keep an empty column, which means every outcome, as they did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("period_locks") as batch:
        batch.add_column(sa.Column("outcomes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("period_locks") as batch:
        batch.drop_column("outcomes")
