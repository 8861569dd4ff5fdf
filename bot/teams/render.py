"""Neutral replies as Adaptive Cards (schema 1.5). With `blocks.py` and `inputs.py`, the only
Adaptive Card code in waymark.

A reply becomes one message activity carrying one card: headers and each line of a paragraph
as text blocks, facts as a fact set, a table's rows as compact entries that fit a narrow chat
column, a status as a coloured word. Each chart goes in a card
of its own, as an image (drawing it is slow, so it follows the words). A "Submit reading" button
becomes a number box and a Submit action on the card itself: Teams has no Slack-style modal
for a message, and the card is shown again with errors, or with thanks, when it comes back.

People named with `mention(user_id)` become `<at>Name</at>` with a mention entity, which is how
Teams notifies them; the name comes from the people waymark has seen.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.teams.blocks import Json, clip, execute, text_block
from bot.teams.inputs import Entry, reading_inputs, update_inputs
from commands.presentation.replies import (
    MENTION_PATTERN,
    Action,
    Actions,
    Badge,
    Button,
    Chart,
    Context,
    Divider,
    Document,
    Header,
    Reply,
    Section,
    Table,
    Tone,
    submit_numbers,
)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses cards much over 28 KB; a long table is cut well before that, with a note.
MAX_CARD_CHARS = 24_000
MAX_TABLE_ROWS = 60
MAX_NAME = 60

TONE_COLOURS = {Tone.GOOD: "good", Tone.WARNING: "warning", Tone.BAD: "attention"}
TONE_MARKS = {Tone.GOOD: "🟢", Tone.WARNING: "🟠", Tone.BAD: "🔴", Tone.NEUTRAL: "⚪"}


@dataclass(frozen=True)
class Where:
    """How people address waymark where the card is shown, and whom it can name."""

    command: str = "outcome"  # "@waymark outcome" in a channel, "outcome" in a personal chat
    names: Mapping[str, str] = field(default_factory=dict)  # user id -> display name


def key_marker(key: str) -> str:
    """The element id that marks a card as the post of outbox row `key` (see `bot.teams.graph`)."""
    return f"waymark-key:{key}"


def message(
    reply: Reply,
    where: Where = Where(),
    entries: Mapping[int, Entry] | None = None,
    *,
    key: str | None = None,
) -> Json:
    """A message activity (as sent to the Bot Connector) carrying the reply as a card; with
    `key`, the card is marked so that the post can be found again through Graph."""
    body, mentions = _body(reply, where, entries or {})
    if key is not None:
        body = _marked(body, key_marker(key))
    content = card(body, mentions)
    return {
        "type": "message",
        "summary": clip(_plain(reply.fallback, where), 250),
        "attachments": [{"contentType": CARD_TYPE, "content": content}],
    }


def _marked(body: list[Json], marker: str) -> list[Json]:
    """`body` with `marker` as its first element's id (a heading has none of its own)."""
    if body and "id" not in body[0]:
        return [{**body[0], "id": marker}, *body[1:]]
    return [{"type": "Container", "id": marker, "items": []}, *body]


def card(body: list[Json], mentions: list[Json] | None = None) -> Json:
    rendered: Json = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if mentions:
        rendered["msteams"]["entities"] = mentions
    return rendered


def chart_key(key: str, number: int) -> str:
    """The key of a message's `number`th chart, posted in its thread (`graph.py` finds it)."""
    return f"{key}:chart:{number}"


def chart_message(chart: Chart, png: bytes, *, key: str | None = None) -> Json:
    """A chart as an image in a card of its own, with its words for screen readers; with `key`,
    marked as `message` marks a card."""
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    body = [
        text_block(chart.title, weight="Bolder"),
        {"type": "Image", "url": url, "altText": clip(chart.alt_text, 1000), "size": "Stretch"},
    ]
    if key is not None:
        body = _marked(body, key_marker(key))
    return {
        "type": "message",
        "summary": clip(chart.title, 250),
        "attachments": [{"contentType": CARD_TYPE, "content": card(body)}],
    }


def text_message(words: str, where: Where = Where()) -> Json:
    """A short answer (a confirmation, an explanation) as a card with one paragraph."""
    return message(Reply(words, (Section(text=words),)), where)


def card_of(activity: Json) -> Json:
    """The card an activity from `message` carries (for tests and invoke responses)."""
    content: Json = activity["attachments"][0]["content"]
    return content


def card_response(activity: Json) -> Json:
    """The answer to an `adaptiveCard/action` invoke that shows `activity`'s card instead."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": card_of(activity)}


def has_inputs(reply: Reply) -> bool:
    """Whether the card carries reading boxes (its Submit reading buttons become boxes)."""
    return bool(submit_numbers(reply))


def _submit_number(button: Button) -> int | None:
    if button.action is Action.SUBMIT_READING and button.value.isdigit():
        return int(button.value)
    return None


class _Mentions:
    """Turns `@{id}` tokens into `<at>Name</at>` and collects one entity per person named."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.entities: dict[str, Json] = {}

    def tag(self, user_id: str) -> str:
        name = clip(self.names.get(user_id) or _stand_in_name(user_id), MAX_NAME)
        text = f"<at>{name}</at>"
        self.entities.setdefault(
            user_id, {"type": "mention", "text": text, "mentioned": {"id": user_id, "name": name}}
        )
        return text

    def replace(self, text: str) -> str:
        return re.sub(MENTION_PATTERN, lambda m: self.tag(m.group(1)), text)


def _stand_in_name(user_id: str) -> str:
    # Someone waymark has not seen yet: a name unique to them, so Teams can tell mentions apart.
    return f"lead {user_id[-4:]}"


def _body(
    reply: Reply, where: Where, entries: Mapping[int, Entry]
) -> tuple[list[Json], list[Json]]:
    mentions = _Mentions(where.names)
    body: list[Json] = []
    separate = False
    for block in reply.blocks:
        if isinstance(block, Divider):
            separate = True
            continue
        rendered = _render(block, where, mentions, entries)
        if rendered and separate:
            rendered[0] = {**rendered[0], "separator": True, "spacing": "Medium"}
            separate = False
        body += rendered
    if not body:
        body.append(text_block(_plain(reply.fallback, where)))
    return _within_limit(body), list(mentions.entities.values())


def _render(
    block: Any, where: Where, mentions: _Mentions, entries: Mapping[int, Entry]
) -> list[Json]:
    match block:
        case Header(text=text):
            return [text_block(_plain(text, where), size="Large", weight="Bolder")]
        case Section():
            return _section(block, where, mentions, entries)
        case Context(items=items):
            return [
                block
                for i in items
                for block in paragraphs(mentions.replace(_words(i, where)), small=True)
            ]
        case Table():
            return _table(block, where)
        case Actions(buttons=buttons):
            return _buttons(buttons, where, entries)
        case Chart():
            return []  # sent after the message, as an image card of its own
        case Document():
            return _document(block, where)
    raise TypeError(f"no Adaptive Card for {type(block).__name__}")


def _document(document: Document, where: Where) -> list[Json]:
    """A file, as a link to open it. Teams gives a bot no way to attach a file to a channel
    message: a file attachment is for personal chats only, after the person accepts it (a
    FileConsentCard), and putting it in the channel's SharePoint folder needs Graph permissions
    over the team's files. So the card opens the copy waymark serves itself (`link`), or, with no
    public address to serve it from, says where the file is."""
    kb = len(document.content) / 1024
    size = f"{kb / 1024:.1f} MB" if kb >= 1024 else f"{kb:.0f} KB"
    # The report's title first (which report this is), then the file a reader will get.
    named = [
        text_block(_plain(document.title, where), weight="Bolder"),
        text_block(_plain(f"{document.filename}, PDF, {size}", where), size="Small", subtle=True),
    ]
    if document.link is None:
        note = "Teams cannot carry the file itself: ask the performance team for it."
        return [*named, text_block(note, size="Small", subtle=True)]
    open_it = {"type": "Action.OpenUrl", "title": "Open the report", "url": document.link}
    return [*named, {"type": "ActionSet", "actions": [open_it]}]


def _section(
    section: Section, where: Where, mentions: _Mentions, entries: Mapping[int, Entry]
) -> list[Json]:
    items: list[Json] = []
    if section.title or section.badge:
        items.append(_heading(section.title, section.badge, where))
    text = mentions.replace(_words(section.text, where)) if section.text else ""
    if section.mentions:
        text = (text + " " if text else "") + " ".join(mentions.tag(u) for u in section.mentions)
    if text:
        items += paragraphs(text)
    if section.facts:
        items.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": _plain(f.label, where), "value": _words(f.value, where)}
                    for f in section.facts
                ],
            }
        )
    if section.button is not None:
        items += _buttons((section.button,), where, entries)
    return [{"type": "Container", "items": items, "spacing": "Medium"}] if items else []


def paragraphs(text: str, *, small: bool = False) -> list[Json]:
    """A text block per line: Teams' card Markdown joins lines that one newline separates, so
    a list or a "Last reading:" line would otherwise run on into the sentence before it."""
    lines = [line for line in text.split("\n") if line.strip()]
    blocks = [text_block(line, size="Small" if small else None, subtle=small) for line in lines]
    for block in blocks[1:]:
        block["spacing"] = "Small"
    return blocks


def _heading(title: str | None, badge: Badge | None, where: Where) -> Json:
    columns: list[Json] = []
    if title:
        columns.append(
            {
                "type": "Column",
                "width": "stretch",
                "items": [text_block(_plain(title, where), weight="Bolder")],
            }
        )
    if badge is not None:
        columns.append({"type": "Column", "width": "auto", "items": [badge_block(badge)]})
    return {"type": "ColumnSet", "columns": columns}


def badge_block(badge: Badge) -> Json:
    """A status as a word with a coloured mark: colour alone tells a colour-blind reader
    nothing, and grey (no data) is never red."""
    block = text_block(f"{TONE_MARKS[badge.tone]} {badge.word}", weight="Bolder")
    colour = TONE_COLOURS.get(badge.tone)
    if colour:
        block["color"] = colour
    else:
        block["isSubtle"] = True
    return block


def _buttons(buttons: tuple[Button, ...], where: Where, entries: Mapping[int, Entry]) -> list[Json]:
    blocks: list[Json] = []
    others: list[Json] = []
    for button in buttons:
        number = _submit_number(button)
        if number is not None:
            blocks += reading_inputs(number, entries.get(number, Entry()))
        elif button.action is Action.UPDATE_ACTION and button.value.isdigit():
            blocks += update_inputs(int(button.value))
        else:
            others.append(execute(button.label, button.action.value, {"value": button.value}))
    if others:
        blocks.append({"type": "ActionSet", "actions": others})
    return blocks


def _table(table: Table, where: Where) -> list[Json]:
    """A table as one compact entry per row, which fits a chat column of 320 pixels where a
    `Table` of six columns cannot (its headers split mid-word, its `#` wraps): the first two
    cells as a bold line, the rest as `Header: value` under it."""
    rows = table.rows[:MAX_TABLE_ROWS]
    blocks: list[Json] = [_entry(table.headers, row, where) for row in rows]
    notes = []
    if len(table.rows) > len(rows):
        notes.append(
            f"…and {len(table.rows) - len(rows)} more rows not shown. Narrow it down, for "
            f"example with `{where.command} list AREA`."
        )
    if table.caption:
        notes.append(table.caption)
    blocks += [text_block(_words(n, where), size="Small", subtle=True) for n in notes]
    return blocks


def _entry(headers: tuple[str, ...], row: tuple[str, ...], where: Where) -> Json:
    cells = [_plain(c, where) for c in row]
    # A number first (`#`) leads the title: "12. Fewer children grow up in poverty".
    lead = 2 if len(cells) > 1 and headers[:1] == ("#",) else 1
    title = ". ".join(c for c in cells[:lead] if c)
    facts = [
        cell if not header or cell.lower().startswith(header.lower()) else f"{header}: {cell}"
        for header, cell in zip(headers[lead:], cells[lead:], strict=False)
        if cell and cell != "-"
    ]
    items = [text_block(title, weight="Bolder")]
    if facts:
        detail = text_block(" · ".join(facts), size="Small")
        detail["spacing"] = "None"
        items.append(detail)
    return {"type": "Container", "items": items, "spacing": "Small", "separator": True}


def _within_limit(body: list[Json]) -> list[Json]:
    """Cut the card, from the end, to what Teams accepts, saying what was left out."""
    if len(json.dumps(body, ensure_ascii=False)) <= MAX_CARD_CHARS:
        return body
    kept = list(body)
    while kept and len(json.dumps(kept, ensure_ascii=False)) > MAX_CARD_CHARS - 300:
        kept.pop()
    left = len(body) - len(kept)
    note = f"…and {left} more parts not shown: the message was too long for Teams."
    return [*kept, text_block(note, size="Small", subtle=True)]


def _words(text: str, where: Where) -> str:
    """Text for a text block: commands as they are typed in Teams, `code` in bold (Teams'
    card Markdown has no code spans)."""
    text = _commands(text, where)
    return re.sub(r"`([^`\n]+)`", r"**\1**", text)


def _plain(text: str, where: Where) -> str:
    """Text where Markdown is not read (headings, table cells, fact titles, summaries)."""
    return re.sub(MENTION_PATTERN, "", _commands(text, where)).replace("`", "")


def _commands(text: str, where: Where) -> str:
    return re.sub(r"/outcome\b", where.command, text)
