"""What waymark keeps about the chats it works in: its posts, events already handled,
conversations it may post to, cards with inputs and channels it cannot
reach yet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conversation_models import ConversationRef, SentCard, UnreachableChannel
from storage.driver_statements import DriverStatement
from storage.models import (
    EventReceipt,
    OutboxMessage,
    OutboxState,
    Post,
)


class PostRepository:
    """Messages waymark posted about outcomes, so that replies in their threads can be read."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        platform: str,
        channel_id: str,
        message_id: str,
        kind: str,
        outcomes: Sequence[int],
        posted_at: datetime,
        group_id: int | None = None,
        action_id: int | None = None,
        thread_id: str | None = None,
    ) -> Post:
        existing = await self.find(platform, channel_id, message_id)
        if existing is not None:
            return existing
        post = Post(
            platform=platform,
            channel_id=channel_id,
            message_id=message_id,
            kind=kind,
            outcomes=list(outcomes),
            group_id=group_id,
            posted_at=posted_at,
            action_id=action_id,
            thread_id=thread_id,
        )
        self.session.add(post)
        await self.session.flush()
        return post

    async def recent(self, kinds: Sequence[str], since: datetime, *, about: int) -> Sequence[Post]:
        """Posts of `kinds` posted since `since` about outcome number `about` (among others),
        newest first. Every reading stored looks (`delivery.refreshes`), and most find none:
        which posts those are is read through the driver, and only they are loaded."""
        found = await _recent(tuple(kinds)).rows(self.session, {"since": since})
        ids = [post_id for post_id, outcomes in found if about in (outcomes or ())]
        if not ids:
            return []
        return (await self.session.scalars(_POSTS.where(Post.id.in_(ids)))).all()

    async def outcomes_of(self, platform: str, channel_id: str, message_id: str) -> list[int]:
        """The outcomes the post of that message is about: none for a message waymark did not
        post, or one about no outcome. Every thread reply asks (through the driver)."""
        found = await _OUTCOMES_OF.first(
            self.session,
            {"platform": platform, "channel_id": channel_id, "message_id": message_id},
        )
        return list(found[0] or ()) if found is not None else []

    async def find(self, platform: str, channel_id: str, message_id: str) -> Post | None:
        return await self.session.scalar(
            _POST_BY_MESSAGE,
            {"platform": platform, "channel_id": channel_id, "message_id": message_id},
        )


# Built once: every reading stored looks for the cards to redraw (`delivery.refreshes`).
_POSTS = select(Post).order_by(Post.posted_at.desc(), Post.id.desc())


@cache
def _recent(kinds: tuple[str, ...]) -> DriverStatement:
    # One for each set of kinds asked about (in practice, one), with the kinds written in.
    return DriverStatement(
        select(Post.id, Post.outcomes).where(
            or_(*(Post.kind == kind for kind in kinds)), Post.posted_at >= bindparam("since")
        )
    )


_BY_MESSAGE = (
    Post.platform == bindparam("platform"),
    Post.channel_id == bindparam("channel_id"),
    Post.message_id == bindparam("message_id"),
)
_POST_BY_MESSAGE = select(Post).where(*_BY_MESSAGE)
_OUTCOMES_OF = DriverStatement(select(Post.outcomes).where(*_BY_MESSAGE))


class ReceiptRepository:
    """Inbound events already handled, so that a retried delivery is recognised."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, event_id: str, platform: str, at: datetime) -> bool:
        """Record the event; False if it was already recorded (by this or another replica).
        One statement: the insert that finds the event there already inserts nothing."""
        statement = _RECEIPTS[self.session.get_bind().dialect.name]
        values = {"event_id": event_id, "platform": platform, "received_at": at}
        return await statement.first(self.session, values) is not None

    async def remove_received_before(self, cutoff: datetime) -> int:
        """Forget events received before `cutoff`: no platform retries a delivery that late."""
        statement = delete(EventReceipt).where(EventReceipt.received_at < cutoff)
        result = await self.session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _receipt_insert(insert: Any) -> DriverStatement:
    # Every event delivered runs it: through the driver (`storage.driver_statements`).
    return DriverStatement(
        insert(EventReceipt.__table__)
        .values(
            event_id=bindparam("event_id"),
            platform=bindparam("platform"),
            received_at=bindparam("received_at"),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(EventReceipt.event_id)
    )


_RECEIPTS = {
    "postgresql": _receipt_insert(postgresql.insert),
    "sqlite": _receipt_insert(sqlite.insert),
}


class ConversationRefRepository:
    """Conversations waymark may post to unprompted, as the platform described them last."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(
        self,
        *,
        platform: str,
        conversation_id: str,
        kind: str,
        service_url: str,
        bot_id: str,
        at: datetime,
        tenant_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
        name: str | None = None,
    ) -> ConversationRef:
        """Insert or refresh the reference; values not given keep what was known."""
        given = {"tenant_id": tenant_id, "team_id": team_id, "user_id": user_id, "name": name}
        ref = await self.get(platform, conversation_id)
        if ref is None:
            ref = ConversationRef(platform=platform, conversation_id=conversation_id)
            try:
                async with self.session.begin_nested():
                    _fill(ref, kind=kind, service_url=service_url, bot_id=bot_id, updated_at=at)
                    _fill(ref, **given)
                    self.session.add(ref)
                return ref
            except IntegrityError:
                # Another replica stored it first: refresh theirs instead.
                ref = await self.get(platform, conversation_id)
                assert ref is not None
        _fill(ref, kind=kind, service_url=service_url, bot_id=bot_id, updated_at=at)
        _fill(ref, **given)
        await self.session.flush()
        return ref

    async def get(self, platform: str, conversation_id: str) -> ConversationRef | None:
        query = select(ConversationRef).where(
            ConversationRef.platform == platform,
            ConversationRef.conversation_id == conversation_id,
        )
        return await self.session.scalar(query)

    async def personal_chats(
        self, platform: str, user_ids: Iterable[str]
    ) -> Sequence[ConversationRef]:
        """The one-to-one chats waymark has with these people."""
        query = (
            select(ConversationRef)
            .where(
                ConversationRef.platform == platform,
                ConversationRef.kind == "personal",
                ConversationRef.user_id.in_(list(user_ids)),
            )
            .order_by(ConversationRef.user_id)
        )
        return (await self.session.scalars(query)).all()

    async def of_team(self, platform: str, team_id: str) -> Sequence[ConversationRef]:
        query = select(ConversationRef).where(
            ConversationRef.platform == platform, ConversationRef.team_id == team_id
        )
        return (await self.session.scalars(query)).all()

    async def forget_team(self, platform: str, team_id: str) -> int:
        """waymark was removed from a team: its channels can no longer be posted to."""
        refs = await self.of_team(platform, team_id)
        for ref in refs:
            await self.session.delete(ref)
        await self.session.flush()
        return len(refs)

    async def everything(self, platform: str) -> Sequence[ConversationRef]:
        query = (
            select(ConversationRef)
            .where(ConversationRef.platform == platform)
            .order_by(ConversationRef.conversation_id)
        )
        return (await self.session.scalars(query)).all()


def _fill(ref: ConversationRef, **values: Any) -> None:
    for name, value in values.items():
        if value is not None:
            setattr(ref, name, value)


class SentCardRepository:
    """Posted messages with inputs, kept to show them again after a submission."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        platform: str,
        conversation_id: str,
        message_id: str,
        payload: dict[str, Any],
        posted_at: datetime,
        replace: bool = False,
    ) -> None:
        """Keep a card; one kept already under this id stays as it was, unless `replace`."""
        kept = await self.find(platform, conversation_id, message_id)
        if kept is not None:
            if replace:
                kept.payload = payload
                await self.session.flush()
            return
        self.session.add(
            SentCard(
                platform=platform,
                conversation_id=conversation_id,
                message_id=message_id,
                payload=payload,
                posted_at=posted_at,
            )
        )
        await self.session.flush()

    async def find(self, platform: str, conversation_id: str, message_id: str) -> SentCard | None:
        query = select(SentCard).where(
            SentCard.platform == platform,
            SentCard.conversation_id == conversation_id,
            SentCard.message_id == message_id,
        )
        return await self.session.scalar(query)


class UnreachableRepository:
    """Channels waymark could not post to because it is not there yet."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def failed(
        self, platform: str, channel_id: str, reason: str, at: datetime, *, tell_every: timedelta
    ) -> bool:
        """Record a failure; True when admins have not been told about this channel within
        `tell_every` (the caller tells them and the time is recorded)."""
        row = await self.session.get(UnreachableChannel, (platform, channel_id))
        if row is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        UnreachableChannel(
                            platform=platform,
                            channel_id=channel_id,
                            reason=reason,
                            first_failed_at=at,
                            last_failed_at=at,
                            admins_told_at=at,
                        )
                    )
                return True
            except IntegrityError:
                row = await self.session.get(UnreachableChannel, (platform, channel_id))
                assert row is not None
        row.reason, row.last_failed_at = reason, at
        tell = row.admins_told_at is None or at - row.admins_told_at >= tell_every
        if tell:
            row.admins_told_at = at
        await self.session.flush()
        return tell

    async def reached(self, platform: str, channel_ids: Iterable[str]) -> list[str]:
        """These channels can be reached now; returns those that could not be before."""
        query = select(UnreachableChannel).where(
            UnreachableChannel.platform == platform,
            UnreachableChannel.channel_id.in_(list(channel_ids)),
        )
        rows = (await self.session.scalars(query)).all()
        for row in rows:
            await self.session.delete(row)
        await self.session.flush()
        return [r.channel_id for r in rows]

    async def everything(self) -> Sequence[UnreachableChannel]:
        query = select(UnreachableChannel).order_by(
            UnreachableChannel.platform, UnreachableChannel.channel_id
        )
        return (await self.session.scalars(query)).all()

    async def bring_forward(self, platform: str, channel_ids: Iterable[str], now: datetime) -> int:
        """Messages waiting for these channels may be tried now rather than after their
        backoff: waymark has just been added there."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.channel_id.in_(list(channel_ids)),
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.not_before > now,
            )
            .values(not_before=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
