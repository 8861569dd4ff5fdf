"""Block Kit the tests post and open: a message with a button, and a form."""

from __future__ import annotations

from typing import Any

ACTIONS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Outcome 12 needs a reading"}},
    {
        "type": "actions",
        "block_id": "reading_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "record_reading",
                "text": {"type": "plain_text", "text": "Record a reading"},
                "value": "12",
                "style": "primary",
            }
        ],
    },
]

FORM: dict[str, Any] = {
    "type": "modal",
    "callback_id": "record_reading",
    "private_metadata": '{"outcome": 12}',
    "title": {"type": "plain_text", "text": "Record a reading"},
    "submit": {"type": "plain_text", "text": "Save"},
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "value",
            "label": {"type": "plain_text", "text": "Value"},
            "element": {"type": "plain_text_input", "action_id": "value_input"},
        },
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "note_input", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "period",
            "label": {"type": "plain_text", "text": "Period"},
            "element": {
                "type": "static_select",
                "action_id": "period_select",
                "options": [
                    {"text": {"type": "plain_text", "text": "2024-25"}, "value": "2024-25"},
                    {"text": {"type": "plain_text", "text": "2025-26"}, "value": "2025-26"},
                ],
            },
        },
    ],
}
