"""Where waymark may post without being asked, and what it keeps about the conversations it is in.

Teams lets a bot start a message only in a conversation where it is installed, through the
service URL Teams gave it there. The adapter reports what each activity says about where it
came from (`Seen`), and the book keeps it: the conversation's address, the sender's display
name (Teams shows people by name, not by id), and whether messages were waiting for a channel
that can be reached now. It also keeps posted cards whose reading boxes are answered in place,
to show them again after a submission, and the channels waymark could not reach yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.answers import KeptCard
from commands.delivery.reply_codec import CodecError, decode, encode
from commands.presentation.replies import Reply, mentioned_ids
from storage.conversation_models import ConversationRef
from storage.db import Database
from storage.repositories import (
    ConversationRefRepository,
    PeopleRepository,
    SentCardRepository,
    UnreachableRepository,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Address:
    """How to post into one conversation, as the platform described it last."""

    conversation_id: str
    kind: str  # channel, personal, groupChat
    service_url: str
    bot_id: str
    tenant_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None  # whose personal chat it is
    name: str | None = None

    @classmethod
    def of(cls, ref: ConversationRef) -> Address:
        return cls(
            ref.conversation_id,
            ref.kind,
            ref.service_url,
            ref.bot_id,
            ref.tenant_id,
            ref.team_id,
            ref.user_id,
            ref.name,
        )


@dataclass(frozen=True)
class Seen:
    """What an activity says about the conversation it came from (without its thread) and
    who sent it."""

    conversation_id: str
    kind: str
    service_url: str
    bot_id: str
    tenant_id: str | None = None
    team_id: str | None = None
    channel_name: str | None = None
    user_id: str = ""
    user_name: str = ""
    from_bot: bool = False


@dataclass(frozen=True)
class TeamListing:
    """A team's channels (id, name) and members (user id, name), as the platform listed them
    when waymark was added; empty where the listing failed."""

    channels: tuple[tuple[str, str | None], ...] = ()
    members: tuple[tuple[str, str], ...] = ()


class ConversationBook:
    """The conversations of one platform that waymark is in, and the people it has seen."""

    def __init__(
        self, db: Database, clock: Callable[[], datetime], *, platform: str = "teams"
    ) -> None:
        self.db = db
        self.clock = clock
        self.platform = platform

    async def remember(self, seen: Seen) -> None:
        """Keep the conversation an activity came from, and the name of who sent it."""
        now = self.clock()
        async with self.db.transaction() as session:
            await self._remember(session, seen, now)
            people = PeopleRepository(session)
            if seen.user_name and seen.user_id and not seen.from_bot:
                await people.remember(self.platform, seen.user_id, seen.user_name, now)
            await self._now_reachable(session, [seen.conversation_id], now)

    async def remember_team(self, seen: Seen, listing: TeamListing) -> list[str]:
        """waymark was added to the team `seen` names: keep every channel listed (so that a
        group's channel is reachable without anyone addressing waymark there first) and the
        names of its members. Returns the channel ids kept: the installing conversation's
        alone when the listing failed."""
        if seen.team_id is None:
            return []
        now = self.clock()
        async with self.db.transaction() as session:
            for channel_id, name in listing.channels:
                channel = Seen(
                    channel_id,
                    "channel",
                    seen.service_url,
                    seen.bot_id,
                    seen.tenant_id,
                    seen.team_id,
                    # The General channel comes back without a name.
                    name or ("General" if channel_id == seen.team_id else None),
                )
                await self._remember(session, channel, now)
            people = PeopleRepository(session)
            for user, name in listing.members:
                await people.remember(self.platform, user, name, now)
            kept = [c for c, _ in listing.channels] or [seen.conversation_id]
            await self._now_reachable(session, kept, now)
        return kept

    async def forget_team(self, team_id: str) -> int:
        """waymark was removed from a team: its channels can no longer be posted to."""
        async with self.db.transaction() as session:
            return await ConversationRefRepository(session).forget_team(self.platform, team_id)

    async def address(self, conversation_id: str) -> Address | None:
        async with self.db.reading() as session:
            ref = await ConversationRefRepository(session).get(self.platform, conversation_id)
        return Address.of(ref) if ref is not None else None

    async def personal_chats(self, user_ids: Iterable[str]) -> list[Address]:
        """The one-to-one chats waymark has with these people."""
        async with self.db.reading() as session:
            chats = await ConversationRefRepository(session).personal_chats(
                self.platform, tuple(user_ids)
            )
        return [Address.of(chat) for chat in chats]

    async def names(self, replies: Iterable[Reply]) -> dict[str, str]:
        """Display names of everyone the replies mention, as far as waymark knows them."""
        ids: set[str] = set()
        for reply in replies:
            ids |= mentioned_ids(reply)
        if not ids:
            return {}
        async with self.db.reading() as session:
            return await PeopleRepository(session).names(self.platform, ids)

    async def keep_card(
        self, conversation_id: str, message_id: str, reply: Reply, *, replace: bool = False
    ) -> None:
        """Keep a posted card with reading boxes, to show it again when it is submitted;
        `replace`: the card was changed in place, and is kept as it now is."""
        async with self.db.transaction() as session:
            await keep_card(
                session,
                self.platform,
                conversation_id,
                message_id,
                reply,
                self.clock(),
                replace=replace,
            )

    async def cannot_reach(self, channel_id: str, reason: str, *, tell_every: timedelta) -> bool:
        """Record that a channel cannot be reached; True when administrators have not been
        told about it within `tell_every` (the caller tells them)."""
        async with self.db.transaction() as session:
            return await UnreachableRepository(session).failed(
                self.platform, channel_id, reason, self.clock(), tell_every=tell_every
            )

    async def _remember(self, session: AsyncSession, seen: Seen, now: datetime) -> None:
        await ConversationRefRepository(session).remember(
            platform=self.platform,
            conversation_id=seen.conversation_id,
            kind=seen.kind,
            service_url=seen.service_url,
            bot_id=seen.bot_id,
            at=now,
            tenant_id=seen.tenant_id,
            team_id=seen.team_id,
            user_id=seen.user_id if seen.kind == "personal" else None,
            name=seen.channel_name,
        )

    async def _now_reachable(
        self, session: AsyncSession, channel_ids: list[str], now: datetime
    ) -> None:
        """Messages that were waiting for these channels go out at the next pass."""
        unreachable = UnreachableRepository(session)
        were = await unreachable.reached(self.platform, channel_ids)
        if were:
            moved = await unreachable.bring_forward(self.platform, were, now)
            log.info(
                "%s channels %s can be reached now; %s waiting messages brought forward",
                self.platform,
                ", ".join(were),
                moved,
            )


async def keep_card(
    session: AsyncSession,
    platform: str,
    conversation_id: str,
    message_id: str,
    reply: Reply,
    now: datetime,
    *,
    replace: bool = False,
) -> None:
    """Keep a posted card with reading boxes; one that cannot be stored is left (its boxes
    are then answered with words instead of the card). With `replace`, a card kept before
    under this id is kept as `reply` now says, with no confirmations shown yet."""
    try:
        payload = {"reply": encode(reply.without_charts()), "done": {}}
    except CodecError as error:
        log.warning(
            "card %s in %s cannot be kept for its inputs: %s", message_id, conversation_id, error
        )
        return
    await SentCardRepository(session).record(
        platform=platform,
        conversation_id=conversation_id,
        message_id=message_id,
        payload=payload,
        posted_at=now,
        replace=replace,
    )


async def kept_card(
    session: AsyncSession,
    platform: str,
    conversation_id: str,
    message_id: str,
    *,
    number: int,
    done: str | None,
) -> KeptCard | None:
    """The kept card `message_id`, with `done` (a confirmation) now shown for outcome `number`
    when it is given; None when the card was not kept or cannot be read back."""
    kept = await SentCardRepository(session).find(platform, conversation_id, message_id)
    if kept is None:
        return None
    try:
        reply = decode(kept.payload["reply"])
    except (CodecError, KeyError) as error:
        log.warning("kept card %s cannot be read back: %s", message_id, error)
        return None
    confirmed: dict[str, str] = dict(kept.payload.get("done") or {})
    if done is not None:
        confirmed[str(number)] = done
        kept.payload = {**kept.payload, "done": confirmed}
    return KeptCard(reply, {int(n): words for n, words in confirmed.items()})


async def unreachable_lines(session: AsyncSession) -> list[str]:
    """For `waymark outbox`: each channel waymark has messages for but cannot reach, and what
    to do about it."""
    lines = []
    for row in await UnreachableRepository(session).everything():
        where = "Teams channel" if row.platform == "teams" else f"{row.platform} channel"
        lines.append(
            f"{where} {row.channel_id} cannot be reached (since "
            f"{row.first_failed_at:%Y-%m-%d %H:%M} UTC): {row.reason}. Add the waymark app to "
            "that channel's team, or @mention waymark in the channel once; what is waiting "
            "then goes out at the next pass."
        )
    return lines
