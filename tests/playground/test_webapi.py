"""The playground's Web API, driven by slack-sdk's own AsyncWebClient as the bot would drive it."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from playground import Channel
from tests.playground.conftest import (
    AMIRA,
    BOT,
    BOT_TOKEN,
    GENERAL,
    PRIYA,
    ROADMAP,
    TOM,
    Running,
)

TS = re.compile(r"^\d{10}\.\d{6}$")
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Outcome 12* is on track"}}


async def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


# ----- tokens and methods


async def test_auth_test_tells_the_bot_who_it_is(running: Running) -> None:
    answer = await running.client.auth_test()

    assert answer["user_id"] == BOT.id
    assert answer["bot_id"] == running.workspace.bot_id
    assert answer["team"] == "Luton 2040"
    assert answer["team_id"] == running.workspace.team_id
    assert answer["url"] == f"{running.url}/"


async def test_a_token_the_workspace_never_issued_is_invalid_auth(running: Running) -> None:
    client = AsyncWebClient(token="xoxb-someone-else", base_url=f"{running.url}/api/")

    error = await slack_error(client.auth_test())

    assert error.response["error"] == "invalid_auth"


async def test_no_token_at_all_is_not_authed(running: Running) -> None:
    client = AsyncWebClient(base_url=f"{running.url}/api/")

    error = await slack_error(client.auth_test())

    assert error.response["error"] == "not_authed"


async def test_a_method_slack_does_not_have_is_unknown_method(running: Running) -> None:
    error = await slack_error(running.client.api_call("chat.teleport"))

    assert error.response.status_code == 200
    assert error.response["error"] == "unknown_method"


async def test_a_form_post_with_the_token_as_a_field_works_like_slack(running: Running) -> None:
    form = {
        "token": BOT_TOKEN,
        "channel": GENERAL.id,
        "text": "Posted as a form",
        "blocks": json.dumps([SECTION]),
        "metadata": json.dumps({"event_type": "reading", "event_payload": {"outcome": 12}}),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{running.url}/api/chat.postMessage", data=form) as response,
    ):
        answer = await response.json()

    assert answer["ok"] is True
    call = running.workspace.calls_to("chat.postMessage")[-1]
    assert "token" not in call.params
    assert call.params["blocks"][0]["text"]["text"] == "*Outcome 12* is on track"
    assert call.params["metadata"]["event_payload"] == {"outcome": 12}


async def test_a_token_inside_a_json_body_is_ignored_as_slack_ignores_it(running: Running) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{running.url}/api/auth.test", json={"token": BOT_TOKEN}) as response,
    ):
        answer = await response.json()

    assert answer == {"ok": False, "error": "not_authed"}


# ----- chat.postMessage


async def test_post_message_answers_in_slacks_shape(running: Running) -> None:
    answer = await running.client.chat_postMessage(
        channel=GENERAL.id, text="Outcome 12 is on track", blocks=[SECTION]
    )

    assert answer["channel"] == GENERAL.id
    assert TS.match(answer["ts"])
    message = answer["message"]
    assert message["ts"] == answer["ts"]
    assert message["user"] == BOT.id
    assert message["bot_id"] == running.workspace.bot_id
    assert message["app_id"] == running.workspace.app_id
    assert message["text"] == "Outcome 12 is on track"
    # Slack fills in the block_id a bot leaves out.
    assert message["blocks"][0]["block_id"]
    assert message["blocks"][0]["text"] == SECTION["text"]


async def test_every_ts_is_unique_and_later_than_the_one_before(running: Running) -> None:
    stamps = [
        (await running.client.chat_postMessage(channel=GENERAL.id, text=f"n{n}"))["ts"]
        for n in range(20)
    ]

    numbers = [Decimal(ts) for ts in stamps]
    assert numbers == sorted(set(numbers))


async def test_a_channel_can_be_named_instead_of_given_by_id(running: Running) -> None:
    answer = await running.client.chat_postMessage(channel="#general", text="By name")

    assert answer["channel"] == GENERAL.id


async def test_post_message_errors_are_slacks(running: Running) -> None:
    client = running.client
    quiet = running.workspace.add_channel(
        Channel("C0QUIET", "quiet", members=[TOM.id]), with_bot=False
    )

    unknown = await slack_error(client.chat_postMessage(channel="C0NOWHERE", text="x"))
    outside = await slack_error(client.chat_postMessage(channel=quiet.id, text="x"))
    empty = await slack_error(client.api_call("chat.postMessage", json={"channel": GENERAL.id}))

    assert unknown.response["error"] == "channel_not_found"
    assert outside.response["error"] == "not_in_channel"
    assert empty.response["error"] == "no_text"


async def test_a_reply_counts_on_its_parent_and_stays_out_of_history(running: Running) -> None:
    client = running.client
    parent = await client.chat_postMessage(channel=GENERAL.id, text="Readings for March")
    first = await client.chat_postMessage(
        channel=GENERAL.id, text="12: 57.9", thread_ts=parent["ts"]
    )
    await client.chat_postMessage(channel=GENERAL.id, text="14: 16.1", thread_ts=parent["ts"])

    history = await client.conversations_history(channel=GENERAL.id)

    assert [m["text"] for m in history["messages"]] == ["Readings for March"]
    shown = history["messages"][0]
    assert shown["reply_count"] == 2
    assert shown["thread_ts"] == parent["ts"]
    assert shown["reply_users"] == [BOT.id]
    assert first["message"]["thread_ts"] == parent["ts"]
    assert first["message"]["parent_user_id"] == BOT.id


async def test_a_broadcast_reply_shows_in_the_channel_too(running: Running) -> None:
    client = running.client
    parent = await client.chat_postMessage(channel=GENERAL.id, text="Digest")
    await client.chat_postMessage(
        channel=GENERAL.id, text="Also here", thread_ts=parent["ts"], reply_broadcast=True
    )

    history = await client.conversations_history(channel=GENERAL.id)

    newest = history["messages"][0]
    assert newest["text"] == "Also here"
    assert newest["subtype"] == "thread_broadcast"
    assert newest["root"]["ts"] == parent["ts"]


async def test_blocks_slack_would_refuse_are_invalid_blocks(running: Running) -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}

    error = await slack_error(
        running.client.chat_postMessage(channel=GENERAL.id, text="x", blocks=[too_long])
    )

    assert error.response["error"] == "invalid_blocks"
    assert error.response["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert running.workspace.history(GENERAL.id) == []


async def test_text_over_forty_thousand_characters_is_truncated_with_a_warning(
    running: Running,
) -> None:
    answer = await running.client.chat_postMessage(channel=GENERAL.id, text="y" * 40_010)

    assert len(answer["message"]["text"]) == 40_000
    assert answer["response_metadata"]["warnings"] == ["message_truncated"]


# ----- chat.postEphemeral, chat.update, chat.delete, reactions


async def test_an_ephemeral_message_is_only_for_its_reader(running: Running) -> None:
    answer = await running.client.chat_postEphemeral(
        channel=GENERAL.id, user=AMIRA.id, text="Only you can see this"
    )

    assert TS.match(answer["message_ts"])
    ws = running.workspace
    assert [m.text for m in ws.ephemerals(AMIRA.id, GENERAL.id)] == ["Only you can see this"]
    assert ws.ephemerals(TOM.id, GENERAL.id) == []
    assert ws.history(GENERAL.id) == []


async def test_an_ephemeral_for_someone_outside_the_channel_is_refused(running: Running) -> None:
    error = await slack_error(
        running.client.chat_postEphemeral(channel=ROADMAP.id, user=PRIYA.id, text="x")
    )

    assert error.response["error"] == "user_not_in_channel"


async def test_update_changes_the_text_and_keeps_blocks_it_was_not_given(
    running: Running,
) -> None:
    client = running.client
    posted = await client.chat_postMessage(channel=GENERAL.id, text="Draft", blocks=[SECTION])

    answer = await client.chat_update(channel=GENERAL.id, ts=posted["ts"], text="Final")

    assert answer["ts"] == posted["ts"]
    assert answer["message"]["text"] == "Final"
    assert answer["message"]["blocks"][0]["text"] == SECTION["text"]
    cleared = await client.chat_update(channel=GENERAL.id, ts=posted["ts"], text="Bare", blocks=[])
    assert "blocks" not in cleared["message"]
    # The same message, marked edited as Slack marks it (the page says "(edited)"), in its place.
    assert cleared["message"]["edited"]["user"] == running.workspace.bot.id
    assert [m.ts for m in running.workspace.history(GENERAL.id)] == [posted["ts"]]


async def test_update_refuses_what_the_bot_may_not_change(running: Running) -> None:
    ws = running.workspace
    persons = ws.post(GENERAL.id, user=AMIRA.id, text="Mine")

    someone_elses = await slack_error(
        running.client.chat_update(channel=GENERAL.id, ts=persons.ts, text="Hijacked")
    )
    missing = await slack_error(
        running.client.chat_update(channel=GENERAL.id, ts="1.000001", text="x")
    )

    assert someone_elses.response["error"] == "cant_update_message"
    assert missing.response["error"] == "message_not_found"
    assert ws.message(GENERAL.id, persons.ts).text == "Mine"


async def test_a_deleted_message_whose_thread_stays_cannot_be_updated(running: Running) -> None:
    ws = running.workspace
    posted = await running.client.chat_postMessage(channel=GENERAL.id, text="Card")
    ws.post(GENERAL.id, user=AMIRA.id, text="31.5", thread_ts=posted["ts"])
    ws.delete(ws.message(GENERAL.id, posted["ts"]))  # "This message was deleted.", thread kept

    gone = await slack_error(
        running.client.chat_update(channel=GENERAL.id, ts=posted["ts"], text="Redrawn")
    )

    assert gone.response["error"] == "message_not_found"
    assert ws.message(GENERAL.id, posted["ts"]).text == "This message was deleted."


async def test_delete_removes_the_bots_message(running: Running) -> None:
    posted = await running.client.chat_postMessage(channel=GENERAL.id, text="Oops")

    await running.client.chat_delete(channel=GENERAL.id, ts=posted["ts"])

    assert running.workspace.history(GENERAL.id) == []


async def test_reactions_add_once_per_person(running: Running) -> None:
    client = running.client
    reading = running.workspace.post(GENERAL.id, user=TOM.id, text="12: 57.9")

    await client.reactions_add(channel=GENERAL.id, timestamp=reading.ts, name="white_check_mark")
    again = await slack_error(
        client.reactions_add(channel=GENERAL.id, timestamp=reading.ts, name="white_check_mark")
    )
    missing = await slack_error(
        client.reactions_add(channel=GENERAL.id, timestamp="1.000001", name="eyes")
    )

    assert again.response["error"] == "already_reacted"
    assert missing.response["error"] == "message_not_found"
    history = await client.conversations_history(channel=GENERAL.id)
    assert history["messages"][0]["reactions"] == [
        {"name": "white_check_mark", "users": [BOT.id], "count": 1}
    ]


# ----- rate limits and forced failures


async def test_a_rate_limited_method_answers_429_with_retry_after(running: Running) -> None:
    running.workspace.faults.rate_limit("chat.postMessage", times=1, retry_after=7)

    error = await slack_error(running.client.chat_postMessage(channel=GENERAL.id, text="x"))
    after = await running.client.chat_postMessage(channel=GENERAL.id, text="x")

    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert after["ok"] is True


async def test_the_sdks_retry_handler_waits_as_told_and_then_gets_through(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []

    async def note_the_wait(seconds: float) -> None:
        waited.append(seconds)

    # The handler sleeps for Retry-After; noting the wait instead keeps the test instant.
    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=note_the_wait))
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=f"{running.url}/api/",
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    running.workspace.faults.rate_limit("chat.postMessage", times=2, retry_after=3)

    answer = await client.chat_postMessage(channel=GENERAL.id, text="Eventually")

    assert answer["ok"] is True
    assert len(waited) == 2
    assert all(3 <= seconds < 4 for seconds in waited)
    statuses = [call.status for call in running.workspace.calls_to("chat.postMessage")]
    assert statuses == [429, 429, 200]


async def test_the_next_call_can_be_made_to_fail_with_any_slack_error(running: Running) -> None:
    reading = running.workspace.post(GENERAL.id, user=TOM.id, text="12: 57.9")
    running.workspace.faults.fail_next("reactions.add", "too_many_reactions")

    error = await slack_error(
        running.client.reactions_add(channel=GENERAL.id, timestamp=reading.ts, name="eyes")
    )
    await running.client.reactions_add(channel=GENERAL.id, timestamp=reading.ts, name="eyes")

    assert error.response["error"] == "too_many_reactions"
    assert [r.name for r in running.workspace.message(GENERAL.id, reading.ts).reactions] == ["eyes"]


async def test_every_call_is_in_the_transcript_with_its_parameters(running: Running) -> None:
    await running.client.chat_postMessage(channel=GENERAL.id, text="Hello", blocks=[SECTION])
    await slack_error(running.client.users_info(user="U0NOBODY"))

    methods = [(call.method, call.ok) for call in running.workspace.calls]
    assert methods == [("chat.postMessage", True), ("users.info", False)]
    post = running.workspace.calls[0]
    assert post.params["channel"] == GENERAL.id
    assert post.params["blocks"][0]["type"] == "section"
    assert running.workspace.calls[1].error == "user_not_found"
