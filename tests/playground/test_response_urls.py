"""response_url, posted to with slack-sdk's AsyncWebhookClient as Bolt's respond() does."""

from __future__ import annotations

from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.playground.conftest import AMIRA, BOT, GENERAL, TOM, FakeBot, Running
from tests.playground.samples import ACTIONS


async def response_url_from_a_command(running: Running, bot: FakeBot) -> str:
    await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")
    return str(bot.of_kind("slash_command")[-1].body["response_url"])


async def response_url_from_a_click(running: Running, bot: FakeBot) -> tuple[str, str]:
    posted = await running.client.chat_postMessage(
        channel=GENERAL.id, text="Needs a reading", blocks=ACTIONS
    )
    await running.parts.people.click(
        AMIRA.id, channel_id=GENERAL.id, message_ts=posted["ts"], action_id="record_reading"
    )
    return str(bot.of_kind("interaction")[-1].body["response_url"]), str(posted["ts"])


async def test_a_response_is_ephemeral_unless_asked_otherwise(
    running: Running, bot: FakeBot
) -> None:
    url = await response_url_from_a_command(running, bot)

    answer = await AsyncWebhookClient(url).send(text="Outcome 12: on track")

    assert (answer.status_code, answer.body) == (200, "ok")
    ws = running.workspace
    assert [m.text for m in ws.ephemerals(AMIRA.id, GENERAL.id)] == ["Outcome 12: on track"]
    assert ws.ephemerals(TOM.id, GENERAL.id) == []
    assert ws.history(GENERAL.id) == []


async def test_an_in_channel_response_is_posted_by_the_bot(running: Running, bot: FakeBot) -> None:
    url = await response_url_from_a_command(running, bot)

    await AsyncWebhookClient(url).send(text="For everyone", response_type="in_channel")

    [posted] = running.workspace.history(GENERAL.id)
    assert (posted.text, posted.user) == ("For everyone", BOT.id)


async def test_replace_original_changes_the_clicked_message(running: Running, bot: FakeBot) -> None:
    url, ts = await response_url_from_a_click(running, bot)

    await AsyncWebhookClient(url).send(text="Reading recorded: 57.9", replace_original=True)

    message = running.workspace.message(GENERAL.id, ts)
    assert message.text == "Reading recorded: 57.9"
    assert message.blocks is None
    assert running.workspace.ephemerals(AMIRA.id, GENERAL.id) == []


async def test_delete_original_removes_the_clicked_message(running: Running, bot: FakeBot) -> None:
    url, _ = await response_url_from_a_click(running, bot)

    await AsyncWebhookClient(url).send_dict({"delete_original": True})

    assert running.workspace.history(GENERAL.id) == []


async def test_a_response_url_takes_five_posts_and_no_more(running: Running, bot: FakeBot) -> None:
    url = await response_url_from_a_command(running, bot)
    hook = AsyncWebhookClient(url)

    statuses = [(await hook.send(text=f"Update {n}")).status_code for n in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 404]
    assert len(running.workspace.ephemerals(AMIRA.id, GENERAL.id)) == 5


async def test_a_response_with_nothing_to_show_is_no_text(running: Running, bot: FakeBot) -> None:
    url = await response_url_from_a_command(running, bot)

    answer = await AsyncWebhookClient(url).send_dict({"response_type": "ephemeral"})

    assert (answer.status_code, answer.body) == (400, "no_text")
    assert running.workspace.calls_to("response_url")[-1].error == "no_text"
