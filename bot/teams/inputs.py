"""Boxes on a card: Teams has no modal for a message, so a "Submit reading" button becomes a
number box, a period box and Submit reading on the card itself, shown again with errors under the
boxes, or with the confirmation in their place; a "Give an update" button becomes a state
choice, a line of text and Give an update."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.teams.blocks import Json, execute, text_block
from commands.plans.states import STATE_CHOICES
from commands.presentation.replies import Action
from commands.readings.form import KEEP_CHOICE

SUBMIT_VERB = Action.SUBMIT_READING.value
UPDATE_VERB = Action.UPDATE_ACTION.value


@dataclass(frozen=True)
class Entry:
    """What the reading boxes of one outcome show: what was typed, what was wrong with it, or,
    once it was recorded, the confirmation in their place."""

    value: str = ""
    period: str = ""
    note: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)  # by field: value, period, note
    done: str | None = None


def input_id(name: str, number: int) -> str:
    return f"{name}-{number}"


def reading_inputs(number: int, entry: Entry) -> list[Json]:
    """A number box, an optional period box and Submit, with any errors under their box."""
    if entry.done is not None:
        return [text_block(f"✅ {entry.done}", color="good")]
    value: Json = {
        "type": "Input.Number",
        "id": input_id("value", number),
        "label": f"Reading for outcome {number}",
        "placeholder": "e.g. 23.4",
    }
    if entry.value:
        value["value"] = _number_or_none(entry.value)
    period: Json = {
        "type": "Input.Text",
        "id": input_id("period", number),
        "label": "Period (leave empty for the one due)",
        "placeholder": "e.g. 2025/26",
        "value": entry.period,
    }
    note: Json = {
        "type": "Input.Text",
        "id": input_id("note", number),
        "label": "Note (what is being done, when it is at risk or off track)",
        "isMultiline": True,
        "value": entry.note,
    }
    blocks: list[Json] = [value]
    if "value" in entry.errors:
        blocks.append(_error(entry.errors["value"]))
    blocks.append(period)
    if "period" in entry.errors:
        blocks.append(_error(entry.errors["period"]))
    blocks.append(note)
    if "note" in entry.errors:
        blocks.append(_error(entry.errors["note"]))
    if "confirm" in entry.errors:
        # Asked only when the figure is doubted: keep it, or correct it.
        blocks.append(_error(entry.errors["confirm"]))
        blocks.append(
            {
                "type": "Input.Toggle",
                "id": input_id("confirm", number),
                "title": KEEP_CHOICE,
                "valueOn": "yes",
                "valueOff": "",
            }
        )
    for key, problem in entry.errors.items():
        if key not in {"value", "period", "note", "confirm"}:
            blocks.append(_error(problem))
    blocks.append(
        {
            "type": "ActionSet",
            "actions": [
                execute("Submit reading", SUBMIT_VERB, {"outcome": number}, style="positive"),
            ],
        }
    )
    return [{"type": "Container", "items": blocks, "spacing": "Small"}]


def update_inputs(action_id: int) -> list[Json]:
    """A Give an update button as boxes on the card: the state (left empty, it stays as it
    is), one line of what happened, and Give an update."""
    state: Json = {
        "type": "Input.ChoiceSet",
        "id": input_id("state", action_id),
        "label": "State",
        "style": "compact",
        "placeholder": "Keep it as it is",
        "choices": [{"title": c.label, "value": c.value} for c in STATE_CHOICES],
    }
    line: Json = {
        "type": "Input.Text",
        "id": input_id("line", action_id),
        "label": "What happened",
        "placeholder": "e.g. contractor changed, new date March",
        "maxLength": 1000,
    }
    submit = execute("Give an update", UPDATE_VERB, {"action_id": action_id}, style="positive")
    actions: Json = {"type": "ActionSet", "actions": [submit]}
    return [{"type": "Container", "items": [state, line, actions], "spacing": "Small"}]


def _number_or_none(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # not a number: shown as typed, with its error below


def _error(problem: str) -> Json:
    return text_block(f"⚠️ {problem}", color="attention", size="Small")
