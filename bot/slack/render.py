"""Neutral replies and forms as Block Kit: the only Block Kit code in waymark.

Slack's limits are enforced here, whatever a command produced: 50 blocks a message, 3,000
characters a section, 10 fields, 150 characters a header. When something must go, the reader is
told what was left out and where to find it.
"""

from __future__ import annotations

import re
from typing import Any

from tabulate import tabulate

from commands.presentation.replies import (
    MENTION_OPEN,
    MENTION_PATTERN,
    Actions,
    Badge,
    Button,
    Chart,
    Context,
    Divider,
    Document,
    Form,
    Header,
    Reply,
    Section,
    Table,
    Tone,
)

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_HEADER = 150
MAX_CONTEXT_ITEMS = 10
MAX_BUTTONS = 25
MAX_FALLBACK = 3000

TONE_MARKS = {Tone.GOOD: "🟢", Tone.WARNING: "🟠", Tone.BAD: "🔴", Tone.NEUTRAL: "⚪"}

Blocks = list[dict[str, Any]]

_MENTION = re.compile(MENTION_PATTERN)


def escape(text: str) -> str:
    """Slack's three control characters; everything else is left as typed. Neutral mentions
    (`mention(user_id)`) become Slack's `<@U123>` after escaping, so typed text cannot forge one
    (it would need `<`, which is escaped)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Most text names nobody: the search is skipped (a card escapes some twenty pieces).
    return _MENTION.sub(r"<@\1>", escaped) if MENTION_OPEN in escaped else escaped


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def badge_text(badge: Badge) -> str:
    return f"{TONE_MARKS[badge.tone]} *{escape(badge.word)}*"


def message(reply: Reply, chart_files: dict[str, str] | None = None) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage, respond() or ack(). Charts already uploaded
    (`chart_files`: filename -> Slack file id) are shown in place; others are left out."""
    blocks: Blocks = []
    for block in reply.blocks:
        if isinstance(block, Chart):
            file_id = (chart_files or {}).get(block.filename)
            blocks.extend([image(file_id, block)] if file_id else [])
            continue
        if isinstance(block, Document):
            continue  # shared as a file, with the message's text as its comment
        blocks.extend(_render(block))
    return {"text": clip(escape(reply.fallback), MAX_FALLBACK), "blocks": _within_limit(blocks)}


def _within_limit(blocks: Blocks) -> Blocks:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    kept = blocks[: MAX_BLOCKS - 1]
    note = (
        f"…and {len(blocks) - len(kept)} more parts not shown: Slack allows {MAX_BLOCKS} a "
        "message. Narrow it down, for example `/outcome list AREA`."
    )
    return [*kept, _context([note])]


def _render(block: Any) -> Blocks:
    match block:
        case Header(text=text):
            return [{"type": "header", "text": _plain(clip(text, MAX_HEADER))}]
        case Section():
            return _section(block)
        case Context(items=items):
            return [_context([escape(i) for i in items])]
        case Divider():
            return [{"type": "divider"}]
        case Table():
            return _table(block)
        case Actions(buttons=buttons):
            return [
                {"type": "actions", "elements": [_button(b) for b in buttons[i : i + MAX_BUTTONS]]}
                for i in range(0, len(buttons), MAX_BUTTONS)
            ]
    raise TypeError(f"no Block Kit for {type(block).__name__}")


def image(file_id: str, chart: Chart) -> dict[str, Any]:
    """An uploaded chart, shown by file id: the file itself need not be shared anywhere."""
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": clip(chart.alt_text, 2000),
        "title": _plain(clip(chart.title, 2000)),
    }


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _context(items: list[str]) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [_mrkdwn(clip(i, MAX_SECTION)) for i in items[:MAX_CONTEXT_ITEMS]],
    }


def _button(button: Button) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "type": "button",
        "text": _plain(clip(button.label, 75)),
        "action_id": button.action.value,
        "value": clip(button.value, 2000),
    }
    if button.primary:
        rendered["style"] = "primary"
    return rendered


def _section(section: Section) -> Blocks:
    parts = []
    if section.title:
        parts.append(f"*{escape(section.title)}*")
    if section.badge:
        parts.append(badge_text(section.badge))
    head = "  ".join(parts)
    body = escape(section.text)
    if section.mentions:
        body = (body + " " if body else "") + " ".join(f"<@{u}>" for u in section.mentions)
    text = "\n".join(p for p in (head, body) if p)
    chunks = _split(text, MAX_SECTION) if text else []
    blocks: Blocks = [{"type": "section", "text": _mrkdwn(c)} for c in chunks]
    facts = [
        _mrkdwn(clip(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD)) for f in section.facts
    ]
    for start in range(0, len(facts), MAX_FIELDS):
        blocks.append({"type": "section", "fields": facts[start : start + MAX_FIELDS]})
    if section.button is not None:
        if not blocks:
            blocks.append({"type": "section", "text": _mrkdwn(" ")})
        blocks[0]["accessory"] = _button(section.button)
    return blocks


def _table(table: Table) -> Blocks:
    """A monospace table in code blocks, split by rows so each section stays under 3,000."""
    lines = tabulate(
        [list(r) for r in table.rows], headers=list(table.headers), disable_numparse=True
    ).splitlines()
    header, rows = lines[:2], lines[2:]
    blocks: Blocks = []
    chunk: list[str] = []
    for line in rows or [""]:
        if chunk and len(_code([*header, *chunk, line])) > MAX_SECTION:
            blocks.append({"type": "section", "text": _mrkdwn(_code([*header, *chunk]))})
            chunk = []
        chunk.append(line)
    blocks.append({"type": "section", "text": _mrkdwn(_code([*header, *chunk]))})
    if table.caption:
        blocks.append(_context([escape(table.caption)]))
    return blocks


def _code(lines: list[str]) -> str:
    return "```\n" + escape("\n".join(lines)) + "\n```"


def _split(text: str, limit: int) -> list[str]:
    """Cut long text at line breaks where possible, never inside a `<...>` mention."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*chunks, text] if text else chunks


def modal(form: Form, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """A Slack modal view for a form; each input's block_id is the input's id."""
    blocks: Blocks = []
    if form.intro is not None:
        blocks.extend(_section(form.intro))
    for field in form.inputs:
        element: dict[str, Any]
        if field.choices:
            options = [{"text": _plain(clip(c.label, 75)), "value": c.value} for c in field.choices]
            element = {"type": "static_select", "action_id": "value", "options": options}
            chosen = next((o for o in options if o["value"] == field.initial), None)
            if chosen:
                element["initial_option"] = chosen
        else:
            element = {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": field.multiline,
            }
            if field.initial:
                element["initial_value"] = field.initial
        if field.placeholder:
            element["placeholder"] = _plain(clip(field.placeholder, 150))
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field.id,
            "label": _plain(clip(field.label, 2000)),
            "element": element,
            "optional": field.optional,
        }
        if field.hint:
            block["hint"] = _plain(clip(field.hint, 2000))
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": form.callback,
        "title": _plain(clip(form.title, 24)),
        "submit": _plain(clip(form.submit_label, 24)),
        "close": _plain("Cancel"),
        "private_metadata": form.context,
        "blocks": blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The values of a submitted modal, by input id."""
    values: dict[str, str] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        state = actions.get("value", {})
        if state.get("type") == "static_select":
            values[block_id] = (state.get("selected_option") or {}).get("value", "") or ""
        else:
            values[block_id] = state.get("value") or ""
    return values
