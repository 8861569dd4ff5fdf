"""delivery plans: actions, the outcomes they serve, their updates and reminders; posts about
an action

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As they are at this revision (storage.plan_models may grow later).
ACTION_STATES = ("not_started", "on_track", "delayed", "complete", "cancelled")
KINDS = ("action", "pledge")
REMINDER_STATES = ("posted", "superseded")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lead_org", sa.String(length=200), nullable=False),
        sa.Column("owner_platform", sa.String(length=20), nullable=True),
        sa.Column("owner_id", sa.String(length=200), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(_one_of("kind", KINDS), name=op.f("ck_plan_actions_kind")),
        sa.CheckConstraint(_one_of("state", ACTION_STATES), name=op.f("ck_plan_actions_state")),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_plan_actions_outcome_id_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
        sa.UniqueConstraint("outcome_id", "number", name=op.f("uq_plan_actions_outcome_id_number")),
    )
    op.create_index("ix_plan_actions_owner", "plan_actions", ["owner_platform", "owner_id"])

    op.create_table(
        "action_outcomes",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["plan_actions.id"],
            name=op.f("fk_action_outcomes_action_id_plan_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_action_outcomes_outcome_id_outcomes")
        ),
        sa.PrimaryKeyConstraint("action_id", "outcome_id", name=op.f("pk_action_outcomes")),
    )
    op.create_index("ix_action_outcomes_outcome_id", "action_outcomes", ["outcome_id"])

    op.create_table(
        "action_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_platform", sa.String(length=20), nullable=False),
        sa.Column("by_user", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=300), nullable=True),
        sa.CheckConstraint(_one_of("state", ACTION_STATES), name=op.f("ck_action_updates_state")),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["plan_actions.id"],
            name=op.f("fk_action_updates_action_id_plan_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_updates")),
        sa.UniqueConstraint("source_key", name=op.f("uq_action_updates_source_key")),
    )
    op.create_index("ix_action_updates_latest", "action_updates", ["action_id", "at"])

    op.create_table(
        "action_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _one_of("state", REMINDER_STATES), name=op.f("ck_action_reminders_state")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["plan_actions.id"],
            name=op.f("fk_action_reminders_action_id_plan_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_action_reminders_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_reminders")),
        sa.UniqueConstraint(
            "action_id", "since", "level", name=op.f("uq_action_reminders_action_id_since_level")
        ),
    )

    # On SQLite the table is copied into a new one with the column (batch mode).
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("action_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_posts_action_id_plan_actions"), "plan_actions", ["action_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_constraint(op.f("fk_posts_action_id_plan_actions"), type_="foreignkey")
        batch_op.drop_column("action_id")
    op.drop_table("action_reminders")
    op.drop_index("ix_action_updates_latest", table_name="action_updates")
    op.drop_table("action_updates")
    op.drop_index("ix_action_outcomes_outcome_id", table_name="action_outcomes")
    op.drop_table("action_outcomes")
    op.drop_index("ix_plan_actions_owner", table_name="plan_actions")
    op.drop_table("plan_actions")
