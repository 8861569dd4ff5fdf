"""The playground's views.* methods: modals opened, pushed and updated, as Slack checks them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from tests.playground.conftest import (
    AMIRA,
    Running,
)

TS = re.compile(r"^\d{10}\.\d{6}$")
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Outcome 12* is on track"}}


async def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


# ----- views


MODAL = {
    "type": "modal",
    "callback_id": "record_reading",
    "private_metadata": "outcome=12",
    "title": {"type": "plain_text", "text": "Record a reading"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "value",
            "label": {"type": "plain_text", "text": "Value"},
            "element": {"type": "plain_text_input", "action_id": "input"},
        }
    ],
}


async def test_views_open_shows_a_modal_to_whoever_had_the_trigger(running: Running) -> None:
    trigger_id = running.workspace.issue_trigger(AMIRA.id)

    answer = await running.client.views_open(trigger_id=trigger_id, view=MODAL)

    view = answer["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["state"] == {"values": {}}
    assert view["callback_id"] == "record_reading"
    assert view["private_metadata"] == "outcome=12"
    shown = running.workspace.top_view(AMIRA.id)
    assert shown is not None
    assert shown.id == view["id"]


async def test_a_trigger_works_once_and_not_for_long(running: Running) -> None:
    ws = running.workspace
    used = ws.issue_trigger(AMIRA.id)
    await running.client.views_open(trigger_id=used, view=MODAL)
    stale = ws.issue_trigger(AMIRA.id)
    ws.triggers[stale].issued_at -= 10

    again = await slack_error(running.client.views_open(trigger_id=used, view=MODAL))
    expired = await slack_error(running.client.views_open(trigger_id=stale, view=MODAL))
    unknown = await slack_error(running.client.views_open(trigger_id="1.2.abc", view=MODAL))

    assert again.response["error"] == "exchanged_trigger_id"
    assert expired.response["error"] == "expired_trigger_id"
    assert unknown.response["error"] == "invalid_trigger_id"


async def test_a_modal_slack_would_not_open_is_invalid_arguments(running: Running) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "A title far too long to fit"}}

    error = await slack_error(
        running.client.views_open(
            trigger_id=running.workspace.issue_trigger(AMIRA.id), view=long_title
        )
    )

    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]


async def test_views_update_by_id_or_external_id_and_hash(running: Running) -> None:
    client = running.client
    opened = await client.views_open(
        trigger_id=running.workspace.issue_trigger(AMIRA.id),
        view={**MODAL, "external_id": "reading-12"},
    )
    view_id = opened["view"]["id"]
    renamed = {
        **MODAL,
        "external_id": "reading-12",
        "title": {"type": "plain_text", "text": "Reading saved"},
    }

    stale = await slack_error(client.views_update(view_id=view_id, hash="old", view=renamed))
    updated = await client.views_update(view_id=view_id, hash=opened["view"]["hash"], view=renamed)
    by_external = await client.views_update(
        external_id="reading-12", view={**MODAL, "external_id": "reading-12"}
    )
    missing = await slack_error(client.views_update(view_id="V0NOPE", view=MODAL))

    assert stale.response["error"] == "hash_conflict"
    assert updated["view"]["title"]["text"] == "Reading saved"
    assert updated["view"]["hash"] != opened["view"]["hash"]
    assert by_external["view"]["id"] == view_id
    assert missing.response["error"] == "not_found"
