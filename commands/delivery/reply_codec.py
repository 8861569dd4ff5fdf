"""A Reply as JSON, to freeze it in the outbox and post exactly that later; and as plain text,
for operators who ask what would be posted (`--dry-run`).

A chart cannot be stored as a function: it is stored as its kind and parameters, and drawn again
from them when the message is sent (see `commands.presentation.charts`).
"""

from __future__ import annotations

import base64
from typing import Any

from tabulate import tabulate

from commands.presentation.charts import ChartDrawing
from commands.presentation.replies import (
    Action,
    Actions,
    Badge,
    Block,
    Button,
    Chart,
    Context,
    Divider,
    Document,
    Fact,
    Header,
    Reply,
    Section,
    Table,
    Tone,
)

Json = dict[str, Any]


class CodecError(ValueError):
    """A reply that cannot be stored, or a stored payload that cannot be read back."""


def encode(reply: Reply) -> Json:
    encoded: Json = {
        "fallback": reply.fallback,
        "shared": reply.shared,
        "about": list(reply.about),
        "blocks": [_encode_block(b) for b in reply.blocks],
    }
    if reply.action_id is not None:
        encoded["action"] = reply.action_id
    if reply.card:
        encoded["card"] = reply.card
    return encoded


def decode(payload: Json) -> Reply:
    try:
        return Reply(
            fallback=str(payload["fallback"]),
            blocks=tuple(_decode_block(b) for b in payload["blocks"]),
            shared=bool(payload.get("shared", False)),
            about=tuple(int(n) for n in payload.get("about", ())),
            action_id=int(payload["action"]) if payload.get("action") is not None else None,
            card=str(payload.get("card") or ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CodecError(f"a stored message could not be read back: {error!r}") from error


def _button(button: Button) -> Json:
    return {
        "label": button.label,
        "action": button.action.value,
        "value": button.value,
        "primary": button.primary,
    }


def _read_button(data: Json) -> Button:
    return Button(data["label"], Action(data["action"]), data["value"], bool(data["primary"]))


def _encode_block(block: Block) -> Json:
    match block:
        case Header(text=text):
            return {"type": "header", "text": text}
        case Section():
            return {
                "type": "section",
                "text": block.text,
                "title": block.title,
                "badge": (
                    {"word": block.badge.word, "tone": block.badge.tone.value}
                    if block.badge
                    else None
                ),
                "facts": [[f.label, f.value] for f in block.facts],
                "mentions": list(block.mentions),
                "button": _button(block.button) if block.button else None,
            }
        case Context(items=items):
            return {"type": "context", "items": list(items)}
        case Divider():
            return {"type": "divider"}
        case Table():
            return {
                "type": "table",
                "headers": list(block.headers),
                "rows": [list(r) for r in block.rows],
                "caption": block.caption,
            }
        case Actions(buttons=buttons):
            return {"type": "actions", "buttons": [_button(b) for b in buttons]}
        case Chart():
            if not isinstance(block.draw, ChartDrawing):
                raise CodecError(
                    f"chart {block.filename} cannot be stored: draw it with a ChartDrawing"
                )
            return {
                "type": "chart",
                "title": block.title,
                "alt_text": block.alt_text,
                "filename": block.filename,
                "kind": block.draw.kind,
                "params": block.draw.params,
            }
        case Document():
            # The bytes travel with the row, so that what is posted is what was published;
            # payloads of sent rows are cleared after a while (`clear_payloads_sent_before`).
            return {
                "type": "document",
                "title": block.title,
                "filename": block.filename,
                "mimetype": block.mimetype,
                "content": base64.b64encode(block.content).decode("ascii"),
                "link": block.link,
            }
    raise CodecError(f"no stored form for {type(block).__name__}")


def _decode_block(data: Json) -> Block:
    match data["type"]:
        case "header":
            return Header(data["text"])
        case "section":
            badge = data.get("badge")
            button = data.get("button")
            return Section(
                text=data["text"],
                title=data.get("title"),
                badge=Badge(badge["word"], Tone(badge["tone"])) if badge else None,
                facts=tuple(Fact(label, value) for label, value in data.get("facts", ())),
                mentions=tuple(data.get("mentions", ())),
                button=_read_button(button) if button else None,
            )
        case "context":
            return Context(tuple(data["items"]))
        case "divider":
            return Divider()
        case "table":
            return Table(
                headers=tuple(data["headers"]),
                rows=tuple(tuple(r) for r in data["rows"]),
                caption=data.get("caption"),
            )
        case "actions":
            return Actions(tuple(_read_button(b) for b in data["buttons"]))
        case "chart":
            return Chart(
                title=data["title"],
                alt_text=data["alt_text"],
                filename=data["filename"],
                draw=ChartDrawing(data["kind"], data["params"]),
            )
        case "document":
            return Document(
                title=data["title"],
                filename=data["filename"],
                mimetype=data["mimetype"],
                content=base64.b64decode(data["content"], validate=True),
                link=data.get("link"),
            )
    raise CodecError(f"unknown stored block type {data['type']!r}")


def as_text(reply: Reply) -> str:
    """The reply as an operator reads it in a terminal: every word, no markup."""
    lines: list[str] = []
    for block in reply.blocks:
        match block:
            case Header(text=text):
                lines += [text.upper(), ""]
            case Section():
                head = " ".join(
                    part
                    for part in (
                        block.title,
                        f"[{block.badge.word}]" if block.badge else None,
                        " ".join(f"@{m}" for m in block.mentions) or None,
                    )
                    if part
                )
                if head:
                    lines.append(head)
                if block.text:
                    lines += block.text.splitlines()
                lines += [f"  {f.label}: {f.value}" for f in block.facts]
                if block.button:
                    lines.append(f"  [{block.button.label}]")
                lines.append("")
            case Context(items=items):
                lines += [*items, ""]
            case Divider():
                lines.append("-" * 40)
            case Table():
                lines += [_table_text(block), ""]
            case Actions(buttons=buttons):
                lines += [" ".join(f"[{b.label}]" for b in buttons), ""]
            case Chart():
                lines += [f"(chart: {block.title}, {block.alt_text})", ""]
            case Document():
                size = f"{len(block.content) / 1024:.0f} KB"
                lines += [f"(file: {block.filename}, {block.title}, {size})", ""]
    return "\n".join(lines).rstrip()


def _table_text(table: Table) -> str:
    text = tabulate(
        [list(r) for r in table.rows], headers=list(table.headers), disable_numparse=True
    )
    return f"{text}\n{table.caption}" if table.caption else text
