"""conversation references, chat people, sent cards and unreachable channels (Teams)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("service_url", sa.String(length=300), nullable=False),
        sa.Column("tenant_id", sa.String(length=100), nullable=True),
        sa.Column("bot_id", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=300), nullable=True),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_refs")),
        sa.UniqueConstraint(
            "platform",
            "conversation_id",
            name=op.f("uq_conversation_refs_platform_conversation_id"),
        ),
    )
    with op.batch_alter_table("conversation_refs", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_refs_user_id", ["platform", "user_id"], unique=False)

    op.create_table(
        "chat_people",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_chat_people")),
    )
    op.create_table(
        "sent_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_cards")),
        sa.UniqueConstraint(
            "platform",
            "conversation_id",
            "message_id",
            name=op.f("uq_sent_cards_platform_conversation_id_message_id"),
        ),
    )
    op.create_table(
        "unreachable_channels",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admins_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "channel_id", name=op.f("pk_unreachable_channels")),
    )


def downgrade() -> None:
    op.drop_table("unreachable_channels")
    op.drop_table("sent_cards")
    op.drop_table("chat_people")
    with op.batch_alter_table("conversation_refs", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_refs_user_id")
    op.drop_table("conversation_refs")
