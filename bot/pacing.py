"""One post at a time per conversation, at most one a second: the pace Slack asks of a bot in
one channel, kept for a Teams conversation too (Teams throttles a bot that floods one)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

# Slack's limit for posts to one channel; Teams asks for no more.
CONVERSATION_INTERVAL = 1.0


class Pacer:
    """Holds each conversation's turn: a post waits until `interval` seconds have passed since
    the conversation's last post. Posts to other conversations do not wait for it."""

    def __init__(
        self,
        interval: float = CONVERSATION_INTERVAL,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._sleep = sleep
        self._clock = clock
        self._last_post: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def turn(self, conversation: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        async with lock:
            last = self._last_post.get(conversation)
            if last is not None:
                wait = self.interval - (self._clock() - last)
                if wait > 0:
                    await self._sleep(wait)
            try:
                yield
            finally:
                self._last_post[conversation] = self._clock()
