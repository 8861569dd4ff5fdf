"""Conversation references: where waymark may post in Teams without being asked.

Teams lets a bot start a message only in a conversation where it is installed, through the
service URL Teams gave it there. waymark keeps both, from every activity it receives:

- installed in a team (a `conversationUpdate` adding the bot, or an `installationUpdate`):
  the team's channels, as the Bot Connector lists them, and the names of its members;
- addressed in a channel, a group chat or a personal chat: that conversation.

Activities are read in their wire form (`activity.model_dump(by_alias=True)`), the JSON Teams
sends, so the names here are the documented ones (`channelData.team.id`, `aadObjectId`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from microsoft_teams.api import ApiClient
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.repositories import ConversationRefRepository, PeopleRepository, UnreachableRepository

log = logging.getLogger(__name__)

PLATFORM = "teams"
THREAD_MARK = ";messageid="

Json = dict[str, Any]


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """`19:abc@thread.tacv2;messageid=123` is the thread of message 123 in channel
    `19:abc@thread.tacv2`; a personal or group chat id has no thread."""
    channel, mark, root = conversation_id.partition(THREAD_MARK)
    return channel, (root or None) if mark else None


def thread_conversation(channel_id: str, root_id: str) -> str:
    """The conversation id that posts into the thread of message `root_id`."""
    return f"{split_conversation(channel_id)[0]}{THREAD_MARK}{root_id}"


@dataclass(frozen=True)
class Inbound:
    """What waymark needs to know about an activity, whatever its type."""

    raw: Json

    @property
    def id(self) -> str:
        return str(self.raw.get("id") or "")

    @property
    def kind(self) -> str:
        """`personal`, `channel` or `groupChat`."""
        return str((self.raw.get("conversation") or {}).get("conversationType") or "personal")

    @property
    def conversation_id(self) -> str:
        return str((self.raw.get("conversation") or {}).get("id") or "")

    @property
    def channel_id(self) -> str:
        """The conversation without its thread: the channel, or the chat itself."""
        channel = ((self.raw.get("channelData") or {}).get("channel") or {}).get("id")
        return str(channel) if channel else split_conversation(self.conversation_id)[0]

    @property
    def thread_id(self) -> str | None:
        return split_conversation(self.conversation_id)[1]

    @property
    def team_id(self) -> str | None:
        team = ((self.raw.get("channelData") or {}).get("team") or {}).get("id")
        return str(team) if team else None

    @property
    def tenant_id(self) -> str | None:
        tenant = (self.raw.get("conversation") or {}).get("tenantId") or (
            (self.raw.get("channelData") or {}).get("tenant") or {}
        ).get("id")
        return str(tenant) if tenant else None

    @property
    def service_url(self) -> str:
        return str(self.raw.get("serviceUrl") or "")

    @property
    def bot_id(self) -> str:
        return str((self.raw.get("recipient") or {}).get("id") or "")

    @property
    def user_id(self) -> str:
        """Who acted: their Microsoft Entra object id, stable across apps and the id admins
        can look up, or Teams' own id for the app when there is none (a guest, a test)."""
        sender = self.raw.get("from") or {}
        return str(sender.get("aadObjectId") or sender.get("id") or "")

    @property
    def user_name(self) -> str:
        return str((self.raw.get("from") or {}).get("name") or "")

    @property
    def from_bot(self) -> bool:
        sender = self.raw.get("from") or {}
        return sender.get("role") == "bot" or str(sender.get("id", "")).startswith("28:")

    @property
    def channel_name(self) -> str | None:
        name = ((self.raw.get("channelData") or {}).get("channel") or {}).get("name")
        return str(name) if name else None

    @property
    def event_type(self) -> str | None:
        value = (self.raw.get("channelData") or {}).get("eventType")
        return str(value) if value else None


async def remember(session: AsyncSession, inbound: Inbound, now: datetime) -> None:
    """Keep the conversation the activity came from, and the name of who sent it."""
    if not inbound.service_url or not inbound.conversation_id:
        return
    personal = inbound.kind == "personal"
    await ConversationRefRepository(session).remember(
        platform=PLATFORM,
        conversation_id=inbound.channel_id,
        kind=inbound.kind,
        service_url=inbound.service_url,
        bot_id=inbound.bot_id,
        at=now,
        tenant_id=inbound.tenant_id,
        team_id=inbound.team_id,
        user_id=inbound.user_id if personal else None,
        name=inbound.channel_name,
    )
    if inbound.user_name and inbound.user_id and not inbound.from_bot:
        await PeopleRepository(session).remember(PLATFORM, inbound.user_id, inbound.user_name, now)
    await _now_reachable(session, [inbound.channel_id], now)


async def remember_team(
    db: Database, api: ApiClient, inbound: Inbound, clock: Callable[[], datetime]
) -> list[str]:
    """waymark was added to a team: keep every channel the Bot Connector lists for it (so a
    group's channel is reachable without anyone addressing waymark there first) and the names
    of its members. Returns the channel ids kept. A listing that fails leaves what the
    installing activity itself gave."""
    team_id = inbound.team_id
    if team_id is None:
        return []
    scoped = api.clone(service_url=inbound.service_url)
    channels: list[tuple[str, str | None]] = []
    try:
        for channel in await scoped.teams.get_conversations(team_id):
            channels.append((str(channel.id), channel.name))
    except (httpx.HTTPError, TimeoutError) as error:
        log.warning("could not list the channels of team %s: %r", team_id, error)
    members: list[tuple[str, str]] = []
    try:
        for member in await scoped.conversations.get_members(inbound.channel_id):
            person = member.model_dump(by_alias=True, exclude_none=True)
            user = str(person.get("aadObjectId") or person.get("id") or "")
            if user and person.get("name"):
                members.append((user, str(person["name"])))
    except (httpx.HTTPError, TimeoutError) as error:
        log.warning("could not list the members of team %s: %r", team_id, error)
    now = clock()
    async with db.transaction() as session:
        refs = ConversationRefRepository(session)
        for channel_id, name in channels:
            await refs.remember(
                platform=PLATFORM,
                conversation_id=channel_id,
                kind="channel",
                service_url=inbound.service_url,
                bot_id=inbound.bot_id,
                at=now,
                tenant_id=inbound.tenant_id,
                team_id=team_id,
                # The General channel comes back without a name.
                name=name or ("General" if channel_id == team_id else None),
            )
        people = PeopleRepository(session)
        for user, name in members:
            await people.remember(PLATFORM, user, name, now)
        kept = [c for c, _ in channels] or [inbound.channel_id]
        await _now_reachable(session, kept, now)
    return kept


async def forget_team(db: Database, team_id: str) -> int:
    """waymark was removed from a team: its channels can no longer be posted to."""
    async with db.transaction() as session:
        return await ConversationRefRepository(session).forget_team(PLATFORM, team_id)


async def _now_reachable(session: AsyncSession, channel_ids: list[str], now: datetime) -> None:
    """Messages that were waiting for these channels go out at the next pass."""
    unreachable = UnreachableRepository(session)
    were = await unreachable.reached(PLATFORM, channel_ids)
    if were:
        moved = await unreachable.bring_forward(PLATFORM, were, now)
        log.info(
            "Teams channels %s can be reached now; %s waiting messages brought forward",
            ", ".join(were),
            moved,
        )


async def unreachable_lines(session: AsyncSession) -> list[str]:
    """For `waymark outbox`: each channel waymark has messages for but cannot reach, and what
    to do about it."""
    lines = []
    for row in await UnreachableRepository(session).everything():
        where = "Teams channel" if row.platform == PLATFORM else f"{row.platform} channel"
        lines.append(
            f"{where} {row.channel_id} cannot be reached (since "
            f"{row.first_failed_at:%Y-%m-%d %H:%M} UTC): {row.reason}. Add the waymark app to "
            "that channel's team, or @mention waymark in the channel once; what is waiting "
            "then goes out at the next pass."
        )
    return lines
