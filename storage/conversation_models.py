"""Where waymark posts without being asked, and what it posted that comes back: the
conversations a platform needs named (Teams), cards with inputs in them, and channels it cannot
reach yet. Bookkeeping of delivery, not of the road map (see `storage.models`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.personal_columns import MENTIONS, PERSON_ID, PERSON_NAME


class ConversationRef(Base):
    """Where waymark can post without being asked: a conversation it was installed in or
    addressed in (a Teams channel, team chat or personal chat), with what posting there needs.
    Platforms that let a bot post anywhere it is a member (Slack) need none."""

    __tablename__ = "conversation_refs"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # channel, personal, groupChat
    service_url: Mapped[str] = mapped_column(String(300))
    tenant_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    bot_id: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Personal chats: the person, and the chat's name (theirs).
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True, info=PERSON_ID)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True, info=PERSON_NAME)
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("platform", "conversation_id"),
        Index("ix_conversation_refs_user_id", "platform", "user_id"),
    )


class SentCard(Base):
    """A posted message with inputs in it (a reminder's reading boxes). A submission comes back
    with the values only, so the reply is kept to show the card again with errors or thanks."""

    __tablename__ = "sent_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, info=MENTIONS)
    posted_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("platform", "conversation_id", "message_id"),)


class UnreachableChannel(Base):
    """A channel waymark was asked to post to but cannot reach yet (not installed there).
    Cleared when waymark is added; `admins_told_at` keeps the warning to admins to one a day."""

    __tablename__ = "unreachable_channels"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    first_failed_at: Mapped[datetime] = mapped_column()
    last_failed_at: Mapped[datetime] = mapped_column()
    admins_told_at: Mapped[datetime | None] = mapped_column(nullable=True)
