"""What the bot receives from the playground: signed requests in Slack's shapes, and what Slack
does with the bot's answers."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from playground.delivery import signature
from tests.playground.conftest import AMIRA, BOT, GENERAL, ROADMAP, TOM, FakeBot, Received, Running


def answer_with(body: Any, status: int = 200) -> Any:
    def answer(received: Received) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(text=body, status=status)
        return web.json_response(body, status=status)

    return answer


def test_signatures_match_slacks_published_example() -> None:
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook"
        "-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700"
        "885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2"
        "c447fce8b6703c"
    )

    assert signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body.encode()) == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


# ----- slash commands


async def test_a_slash_command_arrives_signed_with_slacks_fields(
    running: Running, bot: FakeBot
) -> None:
    await running.parts.people.say(AMIRA.id, GENERAL.id, "/outcome 12 history")

    [command] = bot.of_kind("slash_command")
    fields = command.body
    assert fields["command"] == "/outcome"
    assert fields["text"] == "12 history"
    assert fields["user_id"] == AMIRA.id
    assert fields["user_name"] == "amira.khan"
    assert fields["channel_id"] == GENERAL.id
    assert fields["channel_name"] == "general"
    assert fields["team_id"] == running.workspace.team_id
    assert fields["team_domain"] == "luton-2040"
    assert fields["api_app_id"] == running.workspace.app_id
    assert fields["is_enterprise_install"] == "false"
    assert fields["response_url"].startswith(f"{running.url}/respond/")
    assert re.fullmatch(r"\d+\.\d+\.[0-9a-f]{32}", fields["trigger_id"])
    assert command.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert command.headers["X-Slack-Signature"].startswith("v0=")
    # Nothing is posted in the channel for a command, as in Slack.
    assert running.workspace.history(GENERAL.id) == []


async def test_an_acknowledgement_with_text_is_shown_only_to_the_person(
    running: Running, bot: FakeBot
) -> None:
    bot.answer = answer_with({"text": "Outcome 12: on track"})

    await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    ws = running.workspace
    assert [m.text for m in ws.ephemerals(AMIRA.id, GENERAL.id)] == ["Outcome 12: on track"]
    assert ws.ephemerals(TOM.id, GENERAL.id) == []
    assert ws.history(GENERAL.id) == []


async def test_a_plain_text_acknowledgement_is_shown_too(running: Running, bot: FakeBot) -> None:
    bot.answer = answer_with("Working on it…")

    await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    assert [m.text for m in running.workspace.ephemerals(AMIRA.id, GENERAL.id)] == [
        "Working on it…"
    ]


async def test_an_in_channel_acknowledgement_is_posted_for_everyone(
    running: Running, bot: FakeBot
) -> None:
    bot.answer = answer_with({"response_type": "in_channel", "text": "Outcome 12 is on track"})

    await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    [posted] = running.workspace.history(GENERAL.id)
    assert (posted.text, posted.user, posted.bot_id) == (
        "Outcome 12 is on track",
        BOT.id,
        running.workspace.bot_id,
    )


async def test_an_empty_acknowledgement_shows_nothing(running: Running, bot: FakeBot) -> None:
    outcome = await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    assert outcome.notice is None
    assert running.workspace.ephemerals(AMIRA.id, GENERAL.id) == []


async def test_a_bot_failing_with_500_is_reported_to_the_person(
    running: Running, bot: FakeBot
) -> None:
    bot.answer = answer_with("boom", status=500)

    outcome = await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    assert outcome.notice == "waymark did not answer (HTTP 500)."
    notices = [(n.user_id, n.channel_id, n.text) for n in running.workspace.notices]
    assert notices == [(AMIRA.id, GENERAL.id, "waymark did not answer (HTTP 500).")]
    assert running.workspace.deliveries[-1].status == 500


async def test_a_bot_with_another_signing_secret_refuses_the_request(
    running: Running, bot: FakeBot
) -> None:
    bot.signing_secret = "not-the-same-secret"

    outcome = await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    assert outcome.notice == "waymark did not answer (HTTP 401)."
    assert bot.received == []


async def test_a_bot_that_is_not_running_is_reported_as_such(running: Running) -> None:
    running.parts.delivery.url = "http://127.0.0.1:9/slack/events"

    outcome = await running.parts.people.run_command(AMIRA.id, GENERAL.id, "/outcome 12")

    assert outcome.notice == "waymark did not answer: it is not running or cannot be reached."


async def test_slash_commands_are_not_sent_from_threads(running: Running, bot: FakeBot) -> None:
    parent = running.workspace.post(GENERAL.id, user=TOM.id, text="Thread")

    outcome = await running.parts.people.say(
        AMIRA.id, GENERAL.id, "/outcome 12", thread_ts=parent.ts
    )

    assert outcome.notice == "/outcome is not supported in threads. Sorry!"
    assert bot.received == []


# ----- message events


async def test_a_message_arrives_as_an_event_callback(running: Running, bot: FakeBot) -> None:
    outcome = await running.parts.people.say(TOM.id, GENERAL.id, "Reading for 12: 57.9 & rising")

    [received] = bot.of_kind("event")
    envelope = received.body
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"].startswith("Ev")
    assert envelope["team_id"] == running.workspace.team_id
    assert envelope["api_app_id"] == running.workspace.app_id
    assert isinstance(envelope["event_time"], int)
    assert envelope["authorizations"][0]["user_id"] == BOT.id
    assert envelope["authorizations"][0]["is_bot"] is True
    event = envelope["event"]
    assert outcome.message is not None
    assert event["type"] == "message"
    assert "subtype" not in event
    assert event["channel"] == GENERAL.id
    assert event["channel_type"] == "channel"
    assert event["user"] == TOM.id
    # The Slack client escapes what people type.
    assert event["text"] == "Reading for 12: 57.9 &amp; rising"
    assert event["ts"] == event["event_ts"] == outcome.message.ts
    assert event["client_msg_id"]
    assert "thread_ts" not in event
    assert received.headers["Content-Type"] == "application/json"


async def test_a_thread_reply_carries_thread_ts_and_parent_user_id(
    running: Running, bot: FakeBot
) -> None:
    parent = await running.client.chat_postMessage(channel=GENERAL.id, text="Readings please")
    await running.parts.delivery.drain()

    await running.parts.people.say(TOM.id, GENERAL.id, "57.9", thread_ts=parent["ts"])

    reply = bot.events()[-1]
    assert reply["thread_ts"] == parent["ts"]
    assert reply["parent_user_id"] == BOT.id
    assert reply["ts"] != parent["ts"]


async def test_the_bots_own_posts_come_back_as_events_with_bot_id(
    running: Running, bot: FakeBot
) -> None:
    posted = await running.client.chat_postMessage(channel=GENERAL.id, text="Digest")
    await running.parts.delivery.drain()

    [event] = bot.events()
    assert event["ts"] == posted["ts"]
    assert event["bot_id"] == running.workspace.bot_id
    assert event["user"] == BOT.id


async def test_an_edit_arrives_as_message_changed(running: Running, bot: FakeBot) -> None:
    people = running.parts.people
    said = await people.say(TOM.id, GENERAL.id, "12: 57.8")
    assert said.message is not None

    await people.edit(TOM.id, GENERAL.id, said.message.ts, "12: 57.9")

    changed = bot.events()[-1]
    assert changed["subtype"] == "message_changed"
    assert changed["hidden"] is True
    assert "user" not in changed
    assert changed["ts"] != said.message.ts
    assert changed["message"]["ts"] == said.message.ts
    assert changed["message"]["text"] == "12: 57.9"
    assert changed["message"]["user"] == TOM.id
    assert changed["message"]["edited"]["user"] == TOM.id
    assert changed["previous_message"]["text"] == "12: 57.8"


async def test_a_delete_arrives_as_message_deleted(running: Running, bot: FakeBot) -> None:
    people = running.parts.people
    said = await people.say(TOM.id, GENERAL.id, "Wrong outcome")
    assert said.message is not None

    await people.delete(TOM.id, GENERAL.id, said.message.ts)

    deleted = bot.events()[-1]
    assert deleted["subtype"] == "message_deleted"
    assert deleted["deleted_ts"] == said.message.ts
    assert deleted["previous_message"]["text"] == "Wrong outcome"
    assert running.workspace.history(GENERAL.id) == []


async def test_nothing_is_heard_from_a_channel_the_bot_is_not_in(
    running: Running, bot: FakeBot
) -> None:
    running.workspace.channel(ROADMAP.id).members.remove(BOT.id)

    outcome = await running.parts.people.say(TOM.id, ROADMAP.id, "Anyone there?")

    assert outcome.delivery is None
    assert bot.received == []


async def test_every_event_has_its_own_event_id(running: Running, bot: FakeBot) -> None:
    for n in range(5):
        await running.parts.people.say(TOM.id, GENERAL.id, f"Message {n}")

    ids = [r.body["event_id"] for r in bot.of_kind("event")]
    assert len(set(ids)) == 5


async def test_each_delivery_and_its_status_is_recorded(running: Running, bot: FakeBot) -> None:
    bot.answer = answer_with({"text": "ok"})
    await running.parts.people.say(TOM.id, GENERAL.id, "Hello")
    await running.parts.people.run_command(TOM.id, GENERAL.id, "/outcome 3")

    recorded = [(d.kind, d.status) for d in running.workspace.deliveries]
    assert recorded == [("event", 200), ("slash_command", 200)]
