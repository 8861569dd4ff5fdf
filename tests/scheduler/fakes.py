"""A chat platform in memory: what each replica's messenger posted, in one shared transcript."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from commands.ports import MessageGoneError
from commands.presentation.replies import Reply, Section


@dataclass(frozen=True)
class Posted:
    channel_id: str
    key: str | None
    reply: Reply
    message_id: str

    @property
    def words(self) -> str:
        """What a reader sees: the fallback and every section's title, text and mentions."""
        parts = [self.reply.fallback]
        for block in self.reply.blocks:
            if isinstance(block, Section):
                parts += [block.title or "", block.text, " ".join(f"@{m}" for m in block.mentions)]
        return "\n".join(parts)

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(m for b in self.reply.blocks if isinstance(b, Section) for m in b.mentions)


@dataclass
class Platform:
    """The channels as the platform holds them."""

    posts: list[Posted] = field(default_factory=list)
    # Messages changed in place, in order: (channel, message id, what it shows now).
    updates: list[tuple[str, str, Reply]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)  # message ids

    def keys(self) -> list[str | None]:
        return [p.key for p in self.posts]


class FakeMessenger:
    platform = "slack"

    def __init__(self, channels: Platform | None = None) -> None:
        self.channels = channels or Platform()
        # Errors raised by the next posts to a channel, in order.
        self.failures: dict[str, list[BaseException]] = {}
        # Run once while the next look for a post is under way (to let another sender act).
        self.while_looking: Callable[[], Awaitable[None]] | None = None
        self._posted = asyncio.Event()

    @property
    def sent(self) -> list[Posted]:
        return self.channels.posts

    async def post(
        self, channel_id: str, reply: Reply, *, key: str | None = None, thread_id: str | None = None
    ) -> str:
        await asyncio.sleep(0)  # let another replica run in between, as a network call would
        if self.failures.get(channel_id):
            raise self.failures[channel_id].pop(0)
        message_id = f"{len(self.channels.posts) + 1:06d}.000100"
        self.channels.posts.append(Posted(channel_id, key, reply, message_id))
        self._posted.set()
        return message_id

    async def wait_for_posts(self, count: int) -> None:
        """Until `count` messages have been posted (by work running in the background)."""
        while len(self.channels.posts) < count:
            self._posted.clear()
            await self._posted.wait()

    async def find_post(
        self, channel_id: str, key: str, since: datetime, *, reply: Reply
    ) -> str | None:
        await asyncio.sleep(0)
        found = [p for p in self.channels.posts if p.channel_id == channel_id and p.key == key]
        if self.while_looking is not None:
            hook, self.while_looking = self.while_looking, None
            await hook()
        return found[0].message_id if found else None

    async def update(
        self, channel_id: str, message_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> None:
        await asyncio.sleep(0)
        if self.failures.get(channel_id):
            raise self.failures[channel_id].pop(0)
        if message_id in self.channels.deleted or not any(
            p.message_id == message_id for p in self.channels.posts
        ):
            raise MessageGoneError(f"no message {message_id} in {channel_id}")
        self.channels.updates.append((channel_id, message_id, reply))
