"""What a chat platform delivers, in words every platform shares.

An adapter translates a Slack payload or a Teams activity into one of these and hands it to the
core (`commands.conversations.Core`), which has exactly one handler for each. Ids are the
platform's own: a Slack `ts` or a Teams activity id is a `message_id`, a Slack thread's parent
or a Teams reply chain's root is a `thread_id`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commands.presentation.replies import Action, Reply


@dataclass(frozen=True)
class Command:
    """`/outcome 12 history` in Slack, `@waymark outcome 12 history` in Teams: `text` is what
    followed the command word."""

    platform: str
    channel_id: str
    user_id: str
    text: str
    # What makes this request unique (Slack: its signature). A command that changes something
    # and comes again with the same receipt is a replay, and does nothing the second time.
    receipt: str | None = None


@dataclass(frozen=True)
class ThreadReply:
    """A person's message in a thread: a reading when the thread is about outcomes.

    `receipt` is the platform's id for this delivery, so that a delivery repeated is read once."""

    platform: str
    channel_id: str
    thread_id: str
    message_id: str
    user_id: str
    text: str
    receipt: str | None = None


@dataclass(frozen=True)
class ReplyEdited:
    """A thread reply whose words were changed: a correction. `edited` tells this edit from
    the message's other edits (the platform's time for it)."""

    platform: str
    channel_id: str
    thread_id: str
    message_id: str
    user_id: str
    text: str
    edited: str
    receipt: str | None = None


@dataclass(frozen=True)
class ReplyDeleted:
    """A thread reply that was deleted: its reading stays, and the thread is told so."""

    platform: str
    channel_id: str
    thread_id: str
    message_id: str
    receipt: str | None = None


@dataclass(frozen=True)
class FormSubmitted:
    """A reading typed in a form's boxes (a Slack modal, a Teams card) for outcome `number`.

    `card_id` is the message the boxes were on, when the platform shows them in a message
    (Teams): the card is shown again, with thanks or errors. `thread_id` is where the
    confirmation goes, when everyone there should see it."""

    platform: str
    channel_id: str
    thread_id: str | None
    user_id: str
    number: int
    values: Mapping[str, str] = field(hash=False)
    card_id: str | None = None


@dataclass(frozen=True)
class UpdateSubmitted:
    """An update to action `action_id` of a delivery plan, typed in a form (a Slack modal, a
    Teams card's boxes): its state and one line. `thread_id` is where the confirmation goes,
    when everyone there should see it."""

    platform: str
    channel_id: str
    thread_id: str | None
    user_id: str
    action_id: int
    values: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class ButtonPressed:
    """A button on one of waymark's messages: `action` says which, `value` what it carries
    (an outcome's number, or the command that shows the next page)."""

    platform: str
    channel_id: str
    thread_id: str | None
    user_id: str
    action: Action | str
    value: str


@dataclass(frozen=True)
class AnswerPosted:
    """The adapter posted `reply` as `message_id`. Replies in its thread (rooted at
    `thread_id`, or at the message itself) are readings of the outcomes it is about, or updates
    to the action it is about; a card
    whose boxes are answered in place (`keep_card`) is kept, to be shown again."""

    platform: str
    channel_id: str
    message_id: str
    reply: Reply = field(hash=False)
    thread_id: str | None = None
    takes_readings: bool = True
    keep_card: bool = False
