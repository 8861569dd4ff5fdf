"""What the playground sends the bot when people click buttons and fill in modals: signed
interactivity payloads in Slack's shapes, and what it does with the bot's answers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.playground.conftest import AMIRA, GENERAL, FakeBot, Received, Running
from tests.playground.samples import ACTIONS, FORM


def answer_with(body: Any, status: int = 200) -> Any:
    def answer(received: Received) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(text=body, status=status)
        return web.json_response(body, status=status)

    return answer


async def posted_with_button(running: Running) -> str:
    posted = await running.client.chat_postMessage(
        channel=GENERAL.id, text="Outcome 12 needs a reading", blocks=ACTIONS
    )
    await running.parts.delivery.drain()
    return str(posted["ts"])


async def test_a_button_click_arrives_as_block_actions(running: Running, bot: FakeBot) -> None:
    ts = await posted_with_button(running)

    await running.parts.people.click(
        AMIRA.id, channel_id=GENERAL.id, message_ts=ts, action_id="record_reading"
    )

    [click] = bot.of_kind("interaction")
    payload = click.body
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": AMIRA.id,
        "username": "amira.khan",
        "name": "amira.khan",
        "team_id": running.workspace.team_id,
    }
    assert payload["api_app_id"] == running.workspace.app_id
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": GENERAL.id,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": GENERAL.id, "name": "general"}
    assert payload["message"]["ts"] == ts
    assert payload["response_url"].startswith(f"{running.url}/respond/")
    assert payload["trigger_id"]
    [action] = payload["actions"]
    assert action["action_id"] == "record_reading"
    assert action["block_id"] == "reading_actions"
    assert action["value"] == "12"
    assert action["type"] == "button"
    assert action["action_ts"]
    assert click.headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_a_click_on_an_ephemeral_message_says_so(running: Running, bot: FakeBot) -> None:
    answer = await running.client.chat_postEphemeral(
        channel=GENERAL.id, user=AMIRA.id, text="Choose", blocks=ACTIONS
    )

    await running.parts.people.click(
        AMIRA.id,
        channel_id=GENERAL.id,
        message_ts=answer["message_ts"],
        action_id="record_reading",
    )

    payload = bot.of_kind("interaction")[0].body
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload


async def open_form_from_a_click(running: Running, bot: FakeBot) -> str:
    ts = await posted_with_button(running)
    await running.parts.people.click(
        AMIRA.id, channel_id=GENERAL.id, message_ts=ts, action_id="record_reading"
    )
    trigger_id = bot.of_kind("interaction")[-1].body["trigger_id"]
    opened = await running.client.views_open(trigger_id=trigger_id, view=FORM)
    return str(opened["view"]["id"])


async def test_a_submitted_form_arrives_with_slacks_state_values(
    running: Running, bot: FakeBot
) -> None:
    view_id = await open_form_from_a_click(running, bot)

    await running.parts.people.submit(
        AMIRA.id, view_id, {"value": "57.9", "note": "", "period": "2025-26"}
    )

    payload = bot.of_kind("interaction")[-1].body
    assert payload["type"] == "view_submission"
    assert payload["user"]["id"] == AMIRA.id
    view = payload["view"]
    assert view["id"] == view_id
    assert view["callback_id"] == "record_reading"
    assert json.loads(view["private_metadata"]) == {"outcome": 12}
    assert view["state"]["values"] == {
        "value": {"value_input": {"type": "plain_text_input", "value": "57.9"}},
        "note": {"note_input": {"type": "plain_text_input", "value": None}},
        "period": {
            "period_select": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "2025-26"},
                    "value": "2025-26",
                },
            }
        },
    }
    # An empty answer closes the form.
    assert running.workspace.top_view(AMIRA.id) is None


async def test_errors_from_the_bot_stay_under_their_inputs(running: Running, bot: FakeBot) -> None:
    view_id = await open_form_from_a_click(running, bot)
    bot.answer = answer_with(
        {"response_action": "errors", "errors": {"value": "Type a number, such as 57.9"}}
    )

    outcome = await running.parts.people.submit(
        AMIRA.id, view_id, {"value": "lots", "period": "2025-26"}
    )

    assert outcome.errors == {"value": "Type a number, such as 57.9"}
    view = running.workspace.top_view(AMIRA.id)
    assert view is not None
    assert view.id == view_id
    assert view.errors == {"value": "Type a number, such as 57.9"}


async def test_an_update_answer_replaces_the_form(running: Running, bot: FakeBot) -> None:
    view_id = await open_form_from_a_click(running, bot)
    thanks = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Saved"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Thank you"}}],
    }
    bot.answer = answer_with({"response_action": "update", "view": thanks})

    await running.parts.people.submit(AMIRA.id, view_id, {"value": "57.9", "period": "2025-26"})

    view = running.workspace.top_view(AMIRA.id)
    assert view is not None
    assert view.id == view_id
    assert view.spec["title"]["text"] == "Saved"


async def test_a_required_field_left_empty_never_reaches_the_bot(
    running: Running, bot: FakeBot
) -> None:
    view_id = await open_form_from_a_click(running, bot)
    before = len(bot.received)

    outcome = await running.parts.people.submit(AMIRA.id, view_id, {"value": " ", "period": ""})

    assert outcome.errors == {
        "value": "Please complete this required field.",
        "period": "Please complete this required field.",
    }
    assert len(bot.received) == before


async def test_cancelling_tells_a_bot_that_asked_with_view_closed(
    running: Running, bot: FakeBot
) -> None:
    view_id = await open_form_from_a_click(running, bot)

    await running.parts.people.cancel(AMIRA.id, view_id)

    payload = bot.of_kind("interaction")[-1].body
    assert payload["type"] == "view_closed"
    assert payload["view"]["id"] == view_id
    assert running.workspace.top_view(AMIRA.id) is None
