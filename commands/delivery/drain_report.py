"""What a pass of the outbox did, in people's words: posted, found already posted, refreshed,
or not posted and why, with what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from commands.presentation.formatting import moment


@dataclass(frozen=True)
class Delivered:
    key: str
    summary: str
    channel_id: str
    message_id: str
    found: bool  # it had been posted before a crash or timeout, and was found, not reposted
    # A change to a message posted already: done, or with nothing to do (`note` says why).
    changed: bool = False
    note: str = ""


@dataclass(frozen=True)
class Undelivered:
    key: str
    summary: str
    channel_id: str
    error: str
    retry_at: datetime | None  # None: left for an operator, `failed` or `unconfirmed`
    row_id: int = 0
    unconfirmed: bool = False  # it may have been posted: look in the channel first
    changed: bool = False  # a change to a message posted already (its summary says which)


@dataclass
class DrainReport:
    delivered: list[Delivered] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)

    def lines(self, tz: tzinfo) -> list[str]:
        """What happened, for people; times in `tz`."""
        lines = []
        for d in self.delivered:
            if d.changed:
                lines.append(f"{d.summary}: {d.note or 'done'}.")
                continue
            how = "found already posted" if d.found else "posted"
            lines.append(f"{how.capitalize()}: {d.summary}, to {d.channel_id}.")
        for u in self.undelivered:
            if u.unconfirmed:
                lines.append(
                    f"Perhaps posted, and waymark cannot check: {u.summary}, to {u.channel_id} "
                    f"({u.error}). Look in the channel: if it is there, `waymark outbox "
                    f"--posted {u.row_id}`; if not, `waymark outbox --retry {u.row_id}`."
                )
            elif u.changed:
                then = (
                    f"Fix the cause, then `waymark outbox --retry {u.row_id}`"
                    if u.retry_at is None
                    else f"trying again from {moment(u.retry_at, tz)}"
                )
                given_up = ", and given up" if u.retry_at is None else " yet"
                lines.append(f"Not done{given_up}: {u.summary} ({u.error}); {then}.")
            elif u.retry_at is None:
                lines.append(
                    f"Not posted, and given up: {u.summary}, to {u.channel_id} ({u.error}). "
                    f"Fix the cause, then `waymark outbox --retry {u.row_id}`."
                )
            else:
                lines.append(
                    f"Not posted yet: {u.summary}, to {u.channel_id} ({u.error}); "
                    f"trying again from {moment(u.retry_at, tz)}."
                )
        return lines
