"""The parts every Adaptive Card is built from: text blocks and Execute actions."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def text_block(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    subtle: bool = False,
    color: str | None = None,
) -> Json:
    block: Json = {"type": "TextBlock", "text": text, "wrap": True}
    if size:
        block["size"] = size
    if weight:
        block["weight"] = weight
    if subtle:
        block["isSubtle"] = True
    if color:
        block["color"] = color
    return block


def execute(title: str, verb: str, data: Json, *, style: str | None = None) -> Json:
    # `action` in the data is what the Teams SDK routes Action.Execute by; `verb` is the
    # Universal Actions name for the same thing.
    action: Json = {
        "type": "Action.Execute",
        "title": clip(title, 40),
        "verb": verb,
        "data": {"action": verb, **data},
        "associatedInputs": "auto",
    }
    if style:
        action["style"] = style
    return action


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
