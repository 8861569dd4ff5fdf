"""What the workspace notes down as it goes: notices to people, every Web API call and what it
answered (with a count per method), every delivery to the bot, and the live changes a page or a
test waits on."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable

from playground.records import Change, DeliveryRecord, Notice, RecordedCall


class Transcript:
    """Notices, calls, deliveries and live updates, mixed into `Workspace`."""

    notices: list[Notice]
    calls: list[RecordedCall]
    counts: Counter[str]
    deliveries: list[DeliveryRecord]
    next_ts: Callable[[], str]
    _subscribers: set[asyncio.Queue[Change | None]]
    _counted: set[asyncio.Event]

    def notify(self, user_id: str, channel_id: str, text: str) -> Notice:
        notice = Notice(user_id, channel_id, self.next_ts(), text)
        self.notices.append(notice)
        self.changed(Change("notice", channel_id=channel_id, user_id=user_id))
        return notice

    def record_call(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self.count(call.method)

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method]

    def count(self, name: str) -> None:
        """One more of `name` (a Web API method, `upload`, `response_url`): what a benchmark
        run in another process waits for."""
        self.counts[name] += 1
        for waiter in self._counted:
            waiter.set()

    async def wait_for_count(self, name: str, count: int, *, seconds: float) -> int:
        """How many of `name` there have been, once there are `count`, or after `seconds`."""
        waiter = asyncio.Event()
        self._counted.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    while self.counts[name] < count:
                        waiter.clear()
                        await waiter.wait()
        finally:
            self._counted.discard(waiter)
        return self.counts[name]

    def record_delivery(self, record: DeliveryRecord) -> None:
        self.deliveries.append(record)
        self.changed(Change("delivery"))

    def subscribe(self) -> asyncio.Queue[Change | None]:
        queue: asyncio.Queue[Change | None] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change | None]) -> None:
        self._subscribers.discard(queue)

    def close_subscribers(self) -> None:
        """End every live stream; ``None`` tells a subscriber the playground is stopping."""
        for queue in self._subscribers:
            queue.put_nowait(None)
        self._subscribers.clear()

    def changed(self, change: Change) -> None:
        for queue in self._subscribers:
            queue.put_nowait(change)

    async def wait_for(self, condition: Callable[[], bool], *, seconds: float = 5.0) -> None:
        """Return as soon as ``condition()`` holds, checking after every change.

        Bots answer events in background tasks, so tests wait on what the workspace sees
        rather than sleeping for a guessed interval.
        """
        queue = self.subscribe()
        try:
            async with asyncio.timeout(seconds):
                while not condition():
                    if await queue.get() is None:
                        break
        finally:
            self.unsubscribe(queue)
