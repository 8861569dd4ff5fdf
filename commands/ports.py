"""What the core needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

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
