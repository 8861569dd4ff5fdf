"""The playground's in-memory Slack workspace: people, channels, messages, files, modals.

Everything the Web API, the browser page and the tests see lives here, in Slack's own shapes. It
knows nothing about HTTP; the routes in ``webapi``, ``ui`` and friends translate to and from it.
"""

from __future__ import annotations

import asyncio
import bisect
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from playground.errors import SlackError
from playground.faults import Faults
from playground.records import (
    Change,
    Channel,
    DeliveryRecord,
    Message,
    Notice,
    OpenView,
    RecordedCall,
    ResponseUrl,
    StoredFile,
    Trigger,
    User,
    new_id,
    ts_value,
)
from playground.surfaces import Surfaces

Clock = Callable[[], float]

_SLACKBOT = "USLACKBOT"


class Workspace(Surfaces):
    """A Slack workspace with one bot installed, held in memory for the life of the process."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        bot: User,
        bot_id: str,
        app_id: str,
        clock: Clock = time.time,
        open_channels: bool = False,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.domain = re.sub(r"[^a-z0-9-]+", "-", team_name.lower()).strip("-") or "playground"
        self.bot = bot
        self.bot_id = bot_id
        self.app_id = app_id
        self.clock = clock
        # A stand-in for tests answers in any channel it is asked about, as if the bot were in it.
        self.open_channels = open_channels
        # Set by whoever serves the playground; links in messages and files point here.
        self.public_url = "http://127.0.0.1"
        self.users: dict[str, User] = {bot.id: bot}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, StoredFile] = {}
        self.views: dict[str, OpenView] = {}
        self.view_stacks: dict[str, list[str]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.notices: list[Notice] = []
        self.calls: list[RecordedCall] = []
        self.counts: Counter[str] = Counter()
        self.deliveries: list[DeliveryRecord] = []
        self.faults = Faults()
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Message] = []
        self._last_micros = 0
        self._subscribers: set[asyncio.Queue[Change | None]] = set()
        self._counted: set[asyncio.Event] = set()

    @classmethod
    def seed(
        cls,
        *,
        team_name: str,
        bot: User,
        users: Sequence[User],
        channels: Sequence[Channel],
        team_id: str | None = None,
        clock: Clock = time.time,
    ) -> Workspace:
        """A workspace with these people and channels and the bot in every channel.

        A channel seeded with no members gets everybody; otherwise its members plus the bot.
        """
        workspace = cls(
            team_id=team_id or new_id("T"),
            team_name=team_name,
            bot=replace(bot, is_bot=True),
            bot_id=new_id("B"),
            app_id=new_id("A"),
            clock=clock,
        )
        for user in users:
            workspace.add_user(user)
        everyone = [user.id for user in users]
        for channel in channels:
            workspace.add_channel(replace(channel, members=list(channel.members) or everyone))
        return workspace

    def add_user(self, user: User) -> User:
        added = replace(user)
        self.users[added.id] = added
        self.changed(Change("users"))
        return added

    def add_channel(self, channel: Channel, *, with_bot: bool = True) -> Channel:
        """Add a channel with the given members (and the bot, unless ``with_bot`` is False)."""
        members = list(channel.members)
        if with_bot and self.bot.id not in members:
            members.append(self.bot.id)
        added = replace(channel, members=members, created=channel.created or int(self.now()))
        self.channels[added.id] = added
        self._messages.setdefault(added.id, [])
        self.changed(Change("channel", channel_id=added.id))
        return added

    # ----- ids, time and lookups

    def next_ts(self) -> str:
        """A fresh ts: ``"<seconds>.<6 digits>"``, strictly later than every ts before it."""
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def now(self) -> float:
        return self.clock()

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found", message=f"There is nobody with the id {user_id}.")
        return user

    def channel(self, ref: str) -> Channel:
        """The channel with this id or name (``#general`` or ``general``, as Slack accepts)."""
        found = self.channels.get(ref)
        if found is not None:
            return found
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        if self.open_channels and not ref.startswith("#"):
            return self.add_channel(Channel(ref, ref.lower()))
        raise SlackError("channel_not_found", message=f"There is no channel called {ref}.")

    def is_member(self, channel_id: str, user_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is not None and user_id in channel.members

    def time_zone(self, user: User) -> ZoneInfo:
        try:
            return ZoneInfo(user.tz)
        except ZoneInfoNotFoundError:
            return ZoneInfo("UTC")

    # ----- messages

    def post(
        self,
        channel_id: str,
        *,
        user: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        metadata: dict[str, Any] | None = None,
        files: Iterable[str] = (),
        subtype: str | None = None,
        client_msg_id: str | None = None,
    ) -> Message:
        """Add a message to a channel (or a thread in it) and tell the subscribers."""
        channel = self.channel(channel_id)
        parent: Message | None = None
        if thread_ts is not None:
            parent = self.message(channel.id, thread_ts)
            if parent.is_reply:
                # Slack files a reply to a reply under the thread's parent.
                assert parent.thread_ts is not None
                parent = self.message(channel.id, parent.thread_ts)
        from_bot = user == self.bot.id
        message = Message(
            channel=channel.id,
            ts=self.next_ts(),
            user=user,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=parent.ts if parent else None,
            parent_user_id=parent.user if parent else None,
            subtype=subtype or ("thread_broadcast" if parent and reply_broadcast else None),
            bot_id=self.bot_id if from_bot else None,
            app_id=self.app_id if from_bot else None,
            client_msg_id=client_msg_id,
            files=list(files),
            metadata=metadata,
        )
        if parent is not None:
            parent.thread_ts = parent.ts
            parent.replies.append(message.ts)
        self._messages[channel.id].append(message)
        for file_id in message.files:
            stored = self.files[file_id]
            stored.shares.setdefault(channel.id, []).append(message.ts)
            if message.thread_ts:
                stored.thread_shares[message.ts] = message.thread_ts
        self.changed(Change("message", channel_id=channel.id))
        return message

    def adopt(
        self, channel_id: str, *, ts: str, user: str, text: str = "", thread_ts: str | None = None
    ) -> Message:
        """A message posted before the workspace heard of it, kept at its own ts: what a benchmark
        tells the stand-in that the people it plays said, so that the bot can react to it and
        answer in its thread."""
        channel = self.channel(channel_id)
        parent = self.message(channel.id, thread_ts) if thread_ts else None
        message = Message(
            channel=channel.id,
            ts=ts,
            user=user,
            text=text,
            thread_ts=parent.ts if parent else None,
            parent_user_id=parent.user if parent else None,
        )
        if parent is not None:
            parent.thread_ts = parent.ts
            bisect.insort(parent.replies, ts, key=ts_value)
        bisect.insort(self._messages[channel.id], message, key=lambda m: ts_value(m.ts))
        self._last_micros = max(self._last_micros, int(ts_value(ts) * 1_000_000))
        self.changed(Change("message", channel_id=channel.id))
        return message

    def post_ephemeral(
        self,
        channel_id: str,
        *,
        to_user: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        from_user: str | None = None,
    ) -> Message:
        """An ephemeral message only ``to_user`` sees, by default from the bot."""
        channel = self.channel(channel_id)
        author = from_user or self.bot.id
        message = Message(
            channel=channel.id,
            ts=self.next_ts(),
            user=author,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            bot_id=self.bot_id if author == self.bot.id else None,
            app_id=self.app_id if author == self.bot.id else None,
            visible_to=to_user,
        )
        self._ephemerals.append(message)
        self.changed(Change("ephemeral", channel_id=channel.id, user_id=to_user))
        return message

    def message(self, channel_id: str, ts: str) -> Message:
        for message in self._messages.get(channel_id, []):
            if message.ts == ts:
                return message
        raise SlackError("message_not_found", message="That message no longer exists.")

    def ephemeral(self, user_id: str, ts: str) -> Message:
        for message in self._ephemerals:
            if message.ts == ts and message.visible_to == user_id:
                return message
        raise SlackError("message_not_found", message="That message is no longer there.")

    def all_messages(self, channel_id: str) -> list[Message]:
        """Every non-ephemeral message in the channel, replies included, oldest first."""
        return list(self._messages.get(self.channel(channel_id).id, []))

    def history(self, channel_id: str) -> list[Message]:
        """What the channel shows: parents and broadcasts, not thread replies; oldest first."""
        return [
            message
            for message in self._messages.get(self.channel(channel_id).id, [])
            if not message.is_reply or message.subtype == "thread_broadcast"
        ]

    def thread(self, channel_id: str, ts: str) -> list[Message]:
        """The parent and its replies, oldest first."""
        try:
            start = self.message(channel_id, ts)
        except SlackError as exc:
            raise SlackError("thread_not_found") from exc
        parent = self.message(channel_id, start.thread_ts) if start.thread_ts else start
        replies = [self.message(channel_id, reply) for reply in parent.replies]
        return [parent, *replies]

    def ephemerals(self, user_id: str, channel_id: str) -> list[Message]:
        return [
            message
            for message in self._ephemerals
            if message.visible_to == user_id and message.channel == channel_id
        ]

    def update(
        self,
        message: Message,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        edited_by: str | None = None,
    ) -> Message:
        """Change a message in place and return a copy of how it looked before."""
        previous = replace(message, reactions=list(message.reactions))
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks or None
        if attachments is not None:
            message.attachments = attachments or None
        if metadata is not None:
            message.metadata = metadata
        if edited_by is not None:
            message.edited = {"user": edited_by, "ts": self.next_ts()}
        self.changed(Change("message", channel_id=message.channel, user_id=message.visible_to))
        return previous

    def delete(self, message: Message) -> None:
        """Remove a message; a parent with replies stays as Slack's "This message was deleted."."""
        if message.visible_to is not None:
            self._ephemerals.remove(message)
            self.changed(Change("ephemeral", message.channel, message.visible_to))
            return
        if message.replies:
            message.subtype = "tombstone"
            message.user = _SLACKBOT
            message.text = "This message was deleted."
            message.blocks = None
            message.attachments = None
            message.files = []
            message.reactions = []
            message.metadata = None
            message.bot_id = None
            message.app_id = None
            message.hidden = True
        else:
            self._messages[message.channel].remove(message)
            if message.is_reply:
                assert message.thread_ts is not None
                parent = self.message(message.channel, message.thread_ts)
                parent.replies.remove(message.ts)
        self.changed(Change("message", channel_id=message.channel))

    def join(self, channel_id: str, user_id: str) -> bool:
        """Add someone to a channel; False when they were already in it."""
        channel = self.channel(channel_id)
        if user_id in channel.members:
            return False
        channel.members.append(user_id)
        self.changed(Change("channel", channel_id=channel.id))
        return True
