"""What an operator may do to the outbox by hand, with the rules for it.

`waymark outbox --retry ID` posts a failed message again, or an unconfirmed one the operator did
not find in its channel; `--posted ID [--message MSG]` settles an unconfirmed one they found
there, MSG being its link or id, so that replies in its thread are still read as readings. Any
other row is refused with a UserError that says why, and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.outbox import record_thread
from commands.delivery.reply_codec import CodecError, decode
from commands.errors import UserError
from storage.models import OutboxMessage, OutboxState
from storage.repositories import OutboxRepository

STATE_WORDS: dict[str, str] = {
    OutboxState.PENDING: "waiting to be posted",
    OutboxState.SENDING: "being posted",
    OutboxState.SENT: "posted already",
    OutboxState.FAILED: "failed",
    OutboxState.UNCONFIRMED: "unconfirmed",
}
RETRYABLE = (OutboxState.FAILED, OutboxState.UNCONFIRMED)
SETTLEABLE = (OutboxState.UNCONFIRMED,)

# Slack's links end `/p` and the timestamp without its point; Teams' have the message id as the
# last part of their path.
_SLACK_LINK = re.compile(r"/p(\d{10})(\d{6})(?:[?#].*)?$")
_TEAMS_LINK = re.compile(r"/l/message/[^/]+/(\d+)(?:[?#].*)?$")
_SLACK_ID = re.compile(r"\d{10}\.\d{6}")
_TEAMS_ID = re.compile(r"\d+")
_PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


@dataclass(frozen=True)
class Settled:
    """A row an operator settled by hand: what to tell them."""

    id: int
    summary: str
    about: Sequence[int]  # the outcomes its thread's replies are readings of
    message_id: str | None = None


def may_retry(row: OutboxMessage) -> None:
    """Only a failed or unconfirmed row can be posted again by hand."""
    if row.state not in RETRYABLE:
        raise UserError(
            f"Message {row.id} is {_state(row)}, not failed or unconfirmed: there is nothing "
            "to retry."
        )


def may_mark_posted(row: OutboxMessage) -> None:
    """Only an unconfirmed row (waymark could not check it) can be marked posted by hand."""
    if row.state not in SETTLEABLE:
        raise UserError(
            f"Message {row.id} is {_state(row)}, not unconfirmed: only a message waymark could "
            "not check can be marked posted by hand."
        )


def message_id_from(text: str, platform: str | None = None) -> str:
    """A message's id from what an operator pastes: its link, as the chat app copies it, or
    the id itself (a Slack timestamp, a Teams message id). With `platform`, a link or id that
    cannot be that platform's is refused."""
    text = text.strip()
    if slack := _SLACK_LINK.search(text):
        found, found_on = f"{slack.group(1)}.{slack.group(2)}", "slack"
    elif teams := _TEAMS_LINK.search(text):
        found, found_on = teams.group(1), "teams"
    else:
        found, found_on = text, None
    if platform is None:
        return found
    name = _PLATFORM_NAMES.get(platform, platform)
    if found_on is not None and found_on != platform:
        raise UserError(
            f"That is a {_PLATFORM_NAMES[found_on]} message's link, and this message went to "
            f"{name}: paste the link of the message in {name} (its 'Copy link')."
        )
    if found_on is None and not _looks_like_an_id(found, platform):
        raise UserError(
            f"'{text}' is not a {name} message's link or id: paste the message's link (its "
            "'Copy link') after --message."
        )
    return found


def _looks_like_an_id(text: str, platform: str) -> bool:
    pattern = {"slack": _SLACK_ID, "teams": _TEAMS_ID}.get(platform)
    return bool(text) and (pattern is None or pattern.fullmatch(text) is not None)


async def retry_by_hand(session: AsyncSession, row_id: int, now: datetime) -> Settled:
    """`--retry ID`: post it again at the next pass, without looking for it first."""
    outbox = OutboxRepository(session)
    row = await _row(outbox, row_id)
    may_retry(row)
    await outbox.requeue(row.id, now)
    return Settled(row.id, row.summary, outcomes_of(row))


async def mark_posted_by_hand(
    session: AsyncSession, row_id: int, now: datetime, message: str | None = None
) -> Settled:
    """`--posted ID [--message MSG]`: it is in its channel; stop trying, and with MSG read the
    replies in its thread as readings."""
    outbox = OutboxRepository(session)
    row = await _row(outbox, row_id)
    may_mark_posted(row)
    message_id = message_id_from(message, row.platform) if message else None
    about = outcomes_of(row)
    await outbox.mark_posted(row.id, now, message_id)
    if message_id:
        action = row.payload.get("action") if isinstance(row.payload, dict) else None
        await record_thread(session, row, message_id, about, now, action)
    return Settled(row.id, row.summary, about, message_id)


async def _row(outbox: OutboxRepository, row_id: int) -> OutboxMessage:
    row = await outbox.get(row_id)
    if row is None:
        raise UserError(f"There is no message {row_id} in the outbox: `waymark outbox` lists them.")
    return row


def outcomes_of(row: OutboxMessage) -> list[int]:
    """The outcomes a queued message is about: replies in its thread are their readings."""
    try:
        return list(decode(row.payload).about)
    except CodecError:
        return []


def _state(row: OutboxMessage) -> str:
    return STATE_WORDS.get(row.state, row.state)


@dataclass(frozen=True)
class Overview:
    """`waymark outbox`: what is waiting or failed, and what was posted lately."""

    unsent: Sequence[OutboxMessage]
    recent: Sequence[OutboxMessage]

    @property
    def unconfirmed(self) -> list[int]:
        return [row.id for row in self.unsent if row.state == OutboxState.UNCONFIRMED]


async def outbox_overview(session: AsyncSession, recent: int) -> Overview:
    outbox = OutboxRepository(session)
    return Overview(await outbox.unsent(), await outbox.recently_sent(recent))
