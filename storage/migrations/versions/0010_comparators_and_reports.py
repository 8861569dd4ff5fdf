"""comparator figures beside outcomes' targets; published progress reports with their snapshots

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch_op:
        batch_op.add_column(sa.Column("fingertips_indicator", sa.String(40), nullable=True))

    op.create_table(
        "comparators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(200), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_comparators_outcome_id_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparators")),
        sa.UniqueConstraint(
            "outcome_id", "area", "period", name=op.f("uq_comparators_outcome_id_area_period")
        ),
    )
    op.create_index(op.f("ix_comparators_outcome_id"), "comparators", ["outcome_id"])

    op.create_table(
        "published_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_reports")),
        sa.UniqueConstraint("as_of", "scope", name=op.f("uq_published_reports_as_of_scope")),
    )


def downgrade() -> None:
    op.drop_table("published_reports")
    op.drop_index(op.f("ix_comparators_outcome_id"), table_name="comparators")
    op.drop_table("comparators")
    with op.batch_alter_table("outcomes") as batch_op:
        batch_op.drop_column("fingertips_indicator")
