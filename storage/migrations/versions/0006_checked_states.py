"""the database refuses unknown outbox, reminder and digest states; readings.supersedes_id indexed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As they are at this revision (storage.models' OutboxState, ReminderState and DigestState
# may grow later; a migration must keep meaning what it meant).
STATES = {
    "outbox": ("pending", "sending", "sent", "failed", "unconfirmed"),
    "reminders": ("posted", "superseded"),
    "digests": ("on_time", "late", "skipped"),
}


def _known(states: Sequence[str]) -> str:
    return "state IN (" + ", ".join(f"'{state}'" for state in states) + ")"


def upgrade() -> None:
    for table, states in STATES.items():
        unknown = op.get_bind().execute(
            sa.text(f"SELECT DISTINCT state FROM {table} WHERE NOT ({_known(states)})")  # noqa: S608
        )
        found = sorted(row[0] for row in unknown)
        if found:
            raise RuntimeError(
                f"{table} has rows in states waymark does not know ({', '.join(found)}); "
                f"change them to one of {', '.join(states)}, then run `waymark init` again."
            )
        # On SQLite the table is copied into a new one with the constraint (batch mode).
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_state"), _known(states))
    # Superseding or deleting a reading looks for the readings that point at it: without this,
    # one supersede over a million readings scanned them all (11 minutes).
    op.create_index(op.f("ix_readings_supersedes_id"), "readings", ["supersedes_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_readings_supersedes_id"), table_name="readings")
    for table in reversed(STATES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_state"), type_="check")
