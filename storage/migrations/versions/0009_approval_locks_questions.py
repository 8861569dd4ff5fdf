"""readings are approved, questioned and keep the status they were given; periods are locked

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As they are at this revision (storage.publication_models may grow them later).
READING_STATES = ("provisional", "approved")
QUESTION_KINDS = ("confirm", "reason", "commentary")


def _known(column: str, states: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{state}'" for state in states) + ")"


def upgrade() -> None:
    # Readings stored before approval existed are the council's record so far: approved.
    with op.batch_alter_table("readings") as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(20), server_default="approved", nullable=False)
        )
        batch_op.add_column(sa.Column("approved_by", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("revision_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("expected", sa.Float(), nullable=True))
    with op.batch_alter_table("readings") as batch_op:
        batch_op.alter_column("state", server_default=None)
        batch_op.create_check_constraint(op.f("ck_readings_state"), _known("state", READING_STATES))
    op.create_index(
        op.f("ix_readings_waiting"), "readings", ["state", "is_current", "submitted_at"]
    )
    with op.batch_alter_table("groups") as batch_op:
        batch_op.add_column(sa.Column("approvers", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("groups") as batch_op:
        batch_op.alter_column("approvers", server_default=None)

    op.create_table(
        "period_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("locked_by", sa.String(200), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_locks")),
    )
    op.create_index(op.f("ix_period_locks_through"), "period_locks", ["through"])
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("channel_id", sa.String(200), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=True),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(20), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("via", sa.String(20), nullable=True),
        sa.Column("source_key", sa.String(300), nullable=True),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(20), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_known("kind", QUESTION_KINDS), name=op.f("ck_questions_state")),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_questions_outcome_id_outcomes")
        ),
        sa.ForeignKeyConstraint(
            ["reading_id"], ["readings.id"], name=op.f("fk_questions_reading_id_readings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(
        "ix_questions_asked", "questions", ["platform", "channel_id", "thread_id", "user_id"]
    )
    op.create_index(op.f("ix_questions_expires_at"), "questions", ["expires_at"])
    op.create_index(op.f("ix_questions_source_key"), "questions", ["source_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_questions_source_key"), table_name="questions")
    op.drop_index(op.f("ix_questions_expires_at"), table_name="questions")
    op.drop_index("ix_questions_asked", table_name="questions")
    op.drop_table("questions")
    op.drop_index(op.f("ix_period_locks_through"), table_name="period_locks")
    op.drop_table("period_locks")
    with op.batch_alter_table("groups") as batch_op:
        batch_op.drop_column("approvers")
    op.drop_index(op.f("ix_readings_waiting"), table_name="readings")
    with op.batch_alter_table("readings") as batch_op:
        batch_op.drop_constraint(op.f("ck_readings_state"), type_="check")
        for column in (
            "expected", "status", "revision_reason", "confirmed", "approved_at", "approved_by",
            "state",
        ):  # fmt: skip
            batch_op.drop_column(column)
