"""What the core needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Protocol

from commands.presentation.replies import Reply


class DeliveryError(Exception):
    """A post failed. `ambiguous` means it may still have arrived (a timeout, a dropped
    connection): look for it before posting again, or it may be posted twice."""

    def __init__(self, message: str, *, ambiguous: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.retry_after = retry_after


class CannotLookError(DeliveryError):
    """`find_post` has no way to look (the platform gives none, or not with the permissions
    waymark holds), so whether an earlier attempt arrived cannot be known. The message is
    parked for an operator rather than posted again, which might post it twice."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ambiguous=True)


class MessageGoneError(DeliveryError):
    """The message to change is no longer there: deleted, or its channel is. There is nothing
    to change, and nothing is posted in its place."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ambiguous=False)


class Messenger(Protocol):
    """Posts to one chat platform's channels."""

    platform: str

    async def post(
        self, channel_id: str, reply: Reply, *, key: str | None = None, thread_id: str | None = None
    ) -> str:
        """Post `reply` and return the new message's id. `key` is attached to the message so
        that `find_post` can recognise it after a crash."""
        ...

    async def find_post(
        self, channel_id: str, key: str, since: datetime, *, reply: Reply
    ) -> str | None:
        """The id of a message posted since `since` carrying `key`, if there is one; `reply`
        is what it holds, for what the platform keeps of a post (Teams: cards with boxes). Raises
        `DeliveryError` when looking failed for now, `CannotLookError` when it never can."""
        ...

    async def update(
        self, channel_id: str, message_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> None:
        """Show `reply` in the message `message_id` (a reply in the thread `thread_id`, when it
        is one) instead of what it says now: the same message, edited in place, never a new
        one. Doing it twice ends as doing it once, so an unclear failure is simply tried again.
        Raises `MessageGoneError` when the message was deleted, `DeliveryError` when the
        platform refused or did not answer."""
        ...


class Observer(Protocol):
    """Watches the core at work, for operators: how long answers take, what was recorded, and
    the context of each request in the logs. The composition root gives the core one that
    keeps metrics; the core never knows how they are kept."""

    def handling(
        self, platform: str, command: str, user_id: str, channel_id: str
    ) -> AbstractContextManager[None]:
        """Around the handling of one event: `command` names what was asked, from a short
        fixed list (`outcome history`, `thread reply`), never the words typed."""
        ...

    def reading_recorded(self, platform: str, via: str) -> None:
        """A new reading was committed, given through `via` (thread, slash, modal)."""
        ...


class Unobserved:
    """No one watching: for the command line and tests that do not look."""

    @contextmanager
    def handling(
        self, platform: str, command: str, user_id: str, channel_id: str
    ) -> Iterator[None]:
        yield

    def reading_recorded(self, platform: str, via: str) -> None:
        return None
