"""What commands answer with: a neutral reply that Slack renders as Block Kit and Teams as an
Adaptive Card. Nothing here knows either platform; text is plain (renderers escape it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from commands.domain.rules import Status
from commands.errors import UserError

# A person waymark names is wrapped in two private-use characters: nothing a person types can
# make one (the adapters remove them from everything that comes in), so only waymark's own code
# produces a mention. `@{U123}` typed by someone is only text, escaped like any other.
_OPEN, _CLOSE = "\ue000", "\ue001"
# What begins a mention: text without it names nobody (renderers skip looking for one).
MENTION_OPEN = _OPEN


def mention(user_id: str) -> str:
    """A person named in text; each platform renders it its own way (Slack: <@U123>)."""
    return f"{_OPEN}{user_id}{_CLOSE}"


MENTION_PATTERN = rf"{_OPEN}([A-Za-z0-9_:.-]+){_CLOSE}"
# How the adapters hand over a person someone typed a mention of: readable as a name for an
# owner (`owner @{U123}`), but never rendered as a mention.
TYPED_MENTION_PATTERN = r"@\{([A-Za-z0-9_:.-]+)\}"


def typed_mention(user_id: str) -> str:
    """A person someone mentioned in what they typed, as the core reads it."""
    return f"@{{{user_id}}}"


def without_mentions(text: str) -> str:
    """Typed text with nothing in it that could render as waymark naming someone."""
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def plain_mentions(text: str) -> str:
    """Text with the people it names as their ids, for places that cannot mention (a terminal)."""
    return re.sub(MENTION_PATTERN, r"\1", text)


class Tone(StrEnum):
    """A status colour, shown with a word: colour alone tells a colour-blind reader nothing."""

    GOOD = "good"
    WARNING = "warning"
    BAD = "bad"
    NEUTRAL = "neutral"


STATUS_TONES = {
    Status.ON_TRACK: Tone.GOOD,
    Status.AT_RISK: Tone.WARNING,
    Status.OFF_TRACK: Tone.BAD,
    Status.NO_DATA: Tone.NEUTRAL,  # missing data is grey, never red
}


class Action(StrEnum):
    """What a button does; adapters route presses by these ids."""

    SUBMIT_READING = "waymark.submit_reading"
    SHOW_OUTCOME = "waymark.show_outcome"
    NEXT_PAGE = "waymark.next_page"
    UPDATE_ACTION = "waymark.update_action"  # value: an action's id; opens the update form
    APPROVE_READING = "waymark.approve_reading"
    KEEP_FIGURE = "waymark.keep_figure"


@dataclass(frozen=True)
class Badge:
    word: str
    tone: Tone


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Button:
    label: str
    action: Action
    value: str
    primary: bool = False


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Section:
    """A paragraph, optionally with a bold title, a status badge, facts, mentions and a button."""

    text: str = ""
    title: str | None = None
    badge: Badge | None = None
    facts: tuple[Fact, ...] = ()
    mentions: tuple[str, ...] = ()  # user ids to notify, rendered the platform's way
    button: Button | None = None


@dataclass(frozen=True)
class Context:
    """Small print: who, when, how it was worked out."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Chart:
    """An image drawn on demand, after the request is acknowledged (drawing is the slow part)."""

    title: str
    alt_text: str
    filename: str
    draw: Callable[[], bytes] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Document:
    """A file shared with the message (the published report's PDF), for people to open or
    download. Slack posts it as a file message of its own; Teams, whose bots cannot attach a
    file to a channel message, shows a card with a link to where waymark serves it (`link`)."""

    title: str
    filename: str
    mimetype: str
    content: bytes = field(repr=False)
    link: str | None = None  # where waymark serves the same bytes, when it has a public address


Block = Header | Section | Context | Divider | Table | Actions | Chart | Document


@dataclass(frozen=True)
class Reply:
    """One message. `fallback` is the plain-text version for notifications and screen readers."""

    fallback: str
    blocks: tuple[Block, ...] = ()
    shared: bool = False  # visible to the whole channel, not just the person who asked
    about: tuple[int, ...] = ()  # outcome numbers it concerns: replies in its thread are readings
    # The action of a delivery plan it is about (its id): replies in its thread are updates.
    action_id: int | None = None
    # For the person who asked alone, even where every answer is seen by the channel (Teams):
    # it goes to their own chat with waymark, and the thread is told where it went.
    private: bool = False
    # What kind of card it is, where waymark may draw it again as things change (`status`: an
    # outcome's status card, refreshed in place when a reading arrives); "" for the rest.
    card: str = ""

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Chart))

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Document))

    def without_charts(self) -> Reply:
        blocks = tuple(b for b in self.blocks if not isinstance(b, Chart))
        return replace(self, blocks=blocks)


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class Input:
    """One field of a form. `id` names it in the submitted values and in error messages."""

    id: str
    label: str
    initial: str = ""
    hint: str = ""
    placeholder: str = ""
    multiline: bool = False
    optional: bool = False
    choices: tuple[Choice, ...] = ()  # a select when given


@dataclass(frozen=True)
class Form:
    """A dialog (a Slack modal, a Teams card with inputs). `context` travels with the submission."""

    title: str
    submit_label: str
    callback: str
    inputs: tuple[Input, ...]
    intro: Section | None = None
    context: str = ""


class FormError(Exception):
    """Submitted values that cannot be accepted, by input id; the form stays open to fix them."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def error_reply(error: UserError) -> Reply:
    """What went wrong, in words, naming whoever can help."""
    named = " ".join(mention(u) for u in error.mentions)
    return Reply(f"{error} {named}".strip(), (Section(text=str(error), mentions=error.mentions),))


def text_reply(words: str, *, shared: bool = False) -> Reply:
    """A reply of one paragraph."""
    return Reply(words, (Section(text=words),), shared=shared)


def mentioned_ids(reply: Reply) -> set[str]:
    """Everyone the reply names, to look their names up before rendering it."""
    texts = [reply.fallback]
    ids: set[str] = set()
    for block in reply.blocks:
        if isinstance(block, Section):
            texts.append(block.text)
            ids |= set(block.mentions)
        elif isinstance(block, Context):
            texts += block.items
    for text in texts:
        ids |= set(re.findall(MENTION_PATTERN, text))
    return ids


def submit_numbers(reply: Reply) -> list[int]:
    """The outcomes the reply has a "Submit reading" button for, in order."""
    buttons: list[Button] = []
    for block in reply.blocks:
        if isinstance(block, Section) and block.button is not None:
            buttons.append(block.button)
        elif isinstance(block, Actions):
            buttons += block.buttons
    return [
        int(b.value)
        for b in buttons
        if b.action is Action.SUBMIT_READING and re.fullmatch("[0-9]{1,10}", b.value)
    ]
