"""A real slack-bolt AsyncApp against the playground, exactly as it would run against Slack."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond, AsyncSay
from slack_sdk.web.async_client import AsyncWebClient

from tests.playground.conftest import AMIRA, GENERAL, TOM, Wired
from tests.playground.samples import ACTIONS, FORM


async def test_a_slash_command_answered_with_respond_shows_as_ephemeral(wired: Wired) -> None:
    @wired.bolt.command("/outcome")
    async def on_outcome(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await ack()
        await respond(f"Outcome {command['text']} is on track")

    ws = wired.playground.workspace
    outcome = await wired.playground.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    assert outcome.delivery is not None
    assert outcome.delivery.status == 200
    await ws.wait_for(lambda: bool(ws.ephemerals(AMIRA.id, GENERAL.id)))
    assert [m.text for m in ws.ephemerals(AMIRA.id, GENERAL.id)] == ["Outcome 12 is on track"]
    assert ws.calls_to("auth.test")[0].ok


async def test_a_thread_reply_is_heard_and_answered_in_the_thread(wired: Wired) -> None:
    @wired.bolt.message("")
    async def on_message(message: dict[str, Any], say: AsyncSay) -> None:
        if message.get("thread_ts"):
            await say(text=f"Recorded {message['text']}", thread_ts=message["thread_ts"])

    ws = wired.playground.workspace
    parent = ws.post(GENERAL.id, user=AMIRA.id, text="Readings for March, please")

    await wired.playground.people.say(TOM.id, GENERAL.id, "57.9", thread_ts=parent.ts)

    await ws.wait_for(lambda: len(ws.thread(GENERAL.id, parent.ts)) == 3)
    answer = ws.thread(GENERAL.id, parent.ts)[2]
    assert (answer.text, answer.bot_id) == ("Recorded 57.9", ws.bot_id)
    # Bolt ignores its own message events, so the bot never answers itself.
    await wired.playground.delivery.drain()
    assert len(ws.thread(GENERAL.id, parent.ts)) == 3


async def test_a_button_opens_a_form_and_the_bots_errors_show_in_it(wired: Wired) -> None:
    @wired.bolt.action("record_reading")
    async def on_click(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @wired.bolt.view("record_reading")
    async def on_submit(ack: AsyncAck, view: dict[str, Any]) -> None:
        value = view["state"]["values"]["value"]["value_input"]["value"]
        try:
            float(value)
        except ValueError:
            await ack(response_action="errors", errors={"value": "Type a number, such as 57.9"})
            return
        await ack()

    ws = wired.playground.workspace
    people = wired.playground.people
    posted = await wired.bolt.client.chat_postMessage(
        channel=GENERAL.id, text="Outcome 12 needs a reading", blocks=ACTIONS
    )
    await people.click(
        AMIRA.id, channel_id=GENERAL.id, message_ts=posted["ts"], action_id="record_reading"
    )
    await ws.wait_for(lambda: ws.top_view(AMIRA.id) is not None)
    view = ws.top_view(AMIRA.id)
    assert view is not None

    refused = await people.submit(AMIRA.id, view.id, {"value": "lots", "period": "2025-26"})
    assert refused.errors == {"value": "Type a number, such as 57.9"}
    assert ws.top_view(AMIRA.id) is view

    accepted = await people.submit(AMIRA.id, view.id, {"value": "57.9", "period": "2025-26"})
    assert accepted.errors == {}
    assert ws.top_view(AMIRA.id) is None
