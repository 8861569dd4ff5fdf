"""What the core answers an event with: what to say, and where. Adapters render these; they
never decide the words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commands.presentation.replies import Form, Reply


@dataclass(frozen=True)
class ThreadAnswer:
    """The answer to a reply in a thread about outcomes: `reply` to post in the thread (None
    when there is nothing to say, as for a delivery already handled), and whether to mark the
    person's message as read with a tick (a new reading, not a correction)."""

    reply: Reply | None
    react_tick: bool = False


@dataclass(frozen=True)
class KeptCard:
    """A card with reading boxes, as it was posted, and the confirmations of the outcomes
    whose readings were given in it since, by outcome number."""

    reply: Reply = field(hash=False)
    done: Mapping[int, str] = field(hash=False)


@dataclass(frozen=True)
class FormAnswer:
    """The answer to a form: the problems by field (the form stays open), or the
    confirmation (`reply` is the same as a message, with its buttons). `card` is the card the
    boxes were on, to show again, when it was kept."""

    errors: Mapping[str, str] = field(default_factory=dict, hash=False)
    confirmation: str | None = None
    card: KeptCard | None = None
    reply: Reply | None = field(default=None, hash=False)


@dataclass(frozen=True)
class ButtonAnswer:
    """What a button asks for: a form to open, or an answer to post where it was pressed;
    neither when the button does nothing any more, and `note` says so."""

    form: Form | None = None
    reply: Reply | None = None
    note: str = ""
