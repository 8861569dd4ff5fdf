"""the published report's PDF, kept to serve it where chat cannot carry it (Teams)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("published_reports") as table:
        table.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("file_token", sa.String(length=64), nullable=True))
        table.create_unique_constraint(op.f("uq_published_reports_file_token"), ["file_token"])


def downgrade() -> None:
    with op.batch_alter_table("published_reports") as table:
        table.drop_constraint(op.f("uq_published_reports_file_token"), type_="unique")
        table.drop_column("file_token")
        table.drop_column("pdf")
