"""target revisions (who changed an outcome's targets, when, why, before and after); the
people directory gains an organisation and where each name came from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "target_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["outcomes.id"],
            name=op.f("fk_target_revisions_outcome_id_outcomes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_revisions")),
        sa.UniqueConstraint("outcome_id", "at", name=op.f("uq_target_revisions_outcome_id_at")),
    )
    # Names already kept came from chat platforms (Teams activities), not from people.csv.
    with op.batch_alter_table("chat_people") as batch_op:
        batch_op.add_column(
            sa.Column("organisation", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("from_roadmap", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_people") as batch_op:
        batch_op.drop_column("from_roadmap")
        batch_op.drop_column("organisation")
    op.drop_table("target_revisions")
