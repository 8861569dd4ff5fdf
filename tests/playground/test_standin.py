"""The playground as the one stand-in for Slack: each fault switch, seen through waymark's own
SlackMessenger (the real slack-sdk client), and the control routes a benchmark in another
process uses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.slack.messenger import SlackMessenger, posting_client
from commands.ports import CannotLookError, DeliveryError
from commands.presentation.replies import Reply, Section
from playground import PLAYGROUND, Workspace, start_playground
from playground.standin import BOT_TOKEN, build_standin, standin_workspace

CHANNEL = "C0CHILDREN1"  # a channel nobody set up: the stand-in takes any channel it is given
REPLY = Reply("Outcome 13 is overdue", (Section(text="Outcome 13 is overdue"),))
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


class Slack:
    def __init__(self, url: str, workspace: Workspace) -> None:
        self.url = url
        self.workspace = workspace

    def messenger(self, session: aiohttp.ClientSession | None = None) -> SlackMessenger:
        client = posting_client(BOT_TOKEN, f"{self.url}/api/", session=session)
        return SlackMessenger(client, interval=0)

    def keys(self) -> list[str | None]:
        return [
            (m.metadata or {}).get("event_payload", {}).get("key")
            for m in self.workspace.all_messages(CHANNEL)
        ]

    def calls(self, method: str) -> list[int]:
        return [c.status for c in self.workspace.calls_to(method)]


@pytest.fixture
async def slack() -> AsyncIterator[Slack]:
    app = build_standin(BOT_TOKEN, standin_workspace())
    runner, url = await start_playground(app)
    try:
        yield Slack(url, app[PLAYGROUND].workspace)
    finally:
        app[PLAYGROUND].workspace.faults.clear()
        await runner.cleanup()


async def test_a_post_to_any_channel_is_kept_with_its_key_and_found_again(slack: Slack) -> None:
    messenger = slack.messenger()
    ts = await messenger.post(CHANNEL, REPLY, key="reminder:1")
    assert slack.keys() == ["reminder:1"]
    assert await messenger.find_post(CHANNEL, "reminder:1", SINCE, reply=REPLY) == ts
    assert await messenger.find_post(CHANNEL, "reminder:2", SINCE, reply=REPLY) is None


async def test_a_refused_post_is_not_kept_and_not_unclear(slack: Slack) -> None:
    slack.workspace.faults.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(DeliveryError) as refused:
        await slack.messenger().post(CHANNEL, REPLY, key="reminder:1")
    assert not refused.value.ambiguous
    assert "not_in_channel" in str(refused.value)
    assert slack.keys() == []


async def test_a_rate_limit_says_when_to_try_again_and_the_client_waits_it_out(
    slack: Slack,
) -> None:
    slack.workspace.faults.rate_limit("chat.postMessage", retry_after=0)
    await slack.messenger().post(CHANNEL, REPLY, key="reminder:1")
    assert slack.calls("chat.postMessage") == [429, 200]
    assert slack.keys() == ["reminder:1"]


@pytest.mark.parametrize(("fault", "kept"), [("server_error", []), ("error_after", ["r:1"])])
async def test_a_server_error_before_or_after_storing_is_unclear(
    slack: Slack, fault: str, kept: list[str]
) -> None:
    getattr(slack.workspace.faults, fault)("chat.postMessage", status=503)
    with pytest.raises(DeliveryError) as failed:
        await slack.messenger().post(CHANNEL, REPLY, key="r:1")
    assert failed.value.ambiguous
    assert "503" in str(failed.value)
    assert slack.keys() == kept


async def test_a_lost_answer_leaves_the_post_kept_and_the_sender_unsure(slack: Slack) -> None:
    slack.workspace.faults.lose_answer("chat.postMessage")
    with pytest.raises(DeliveryError) as lost:
        await slack.messenger().post(CHANNEL, REPLY, key="r:1")
    assert lost.value.ambiguous
    assert slack.keys() == ["r:1"]


async def test_a_slow_answer_outlasts_the_client_and_the_post_is_kept_once(slack: Slack) -> None:
    slack.workspace.faults.slow("chat.postMessage")  # held until released
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5)) as impatient:
        posting = asyncio.create_task(slack.messenger(impatient).post(CHANNEL, REPLY, key="r:1"))
        await slack.workspace.wait_for(lambda: slack.keys() == ["r:1"])
        with pytest.raises(DeliveryError) as slow:
            await posting
    assert slow.value.ambiguous
    slack.workspace.faults.release()
    assert slack.keys() == ["r:1"]


async def test_a_history_that_cannot_be_read_stays_unreadable(slack: Slack) -> None:
    slack.workspace.faults.fail_next("conversations.history", "missing_scope", times=None)
    messenger = slack.messenger()
    await messenger.post(CHANNEL, REPLY, key="r:1")
    for _ in range(2):
        with pytest.raises(CannotLookError, match="missing_scope"):
            await messenger.find_post(CHANNEL, "r:1", SINCE, reply=REPLY)


async def test_another_process_sets_faults_and_waits_for_calls_over_http(slack: Slack) -> None:
    async with aiohttp.ClientSession() as http:
        fault = {"method": "chat.postMessage", "fault": "refuse", "error": "channel_not_found"}
        async with http.post(f"{slack.url}/control/faults", json=fault) as answer:
            assert answer.status == 200
        async with http.post(f"{slack.url}/control/faults", json={"fault": "gremlins"}) as answer:
            assert answer.status == 400
            assert "one of refuse, rate_limit" in await answer.text()
        with pytest.raises(DeliveryError, match="channel_not_found"):
            await slack.messenger().post(CHANNEL, REPLY)
        await slack.messenger().post(CHANNEL, REPLY)
        wait = {"name": "chat.postMessage", "count": "2", "timeout": "5"}
        async with http.get(f"{slack.url}/control/wait", params=wait) as answer:
            assert await answer.json() == {"name": "chat.postMessage", "count": 2}
        async with http.get(f"{slack.url}/control/counts") as answer:
            assert (await answer.json())["chat.postMessage"] == 2


async def test_messages_said_before_are_adopted_and_answered_in_their_thread(
    slack: Slack,
) -> None:
    """What a benchmark plays: a card already in its channel, a lead's reply to it; the bot
    ticks the reply and answers in the thread."""
    card = {"channel": CHANNEL, "ts": "1760000000.000001", "user": "U0WAYMARK", "text": "card"}
    reply = {**card, "ts": "1770000001.000001", "user": "U0LEAD", "thread_ts": card["ts"]}
    async with aiohttp.ClientSession() as http:
        said = {"messages": [card, reply]}
        async with http.post(f"{slack.url}/control/messages", json=said) as answer:
            assert await answer.json() == {"ok": True, "adopted": 2}
        asker = {"user": "U0LEAD", "channel": CHANNEL}
        async with http.post(f"{slack.url}/control/response-urls", json=asker) as answer:
            response_url = (await answer.json())["url"]
        async with http.post(response_url, json={"text": "Only you can see this"}) as answer:
            assert await answer.text() == "ok"
    client = slack.messenger().client
    await client.reactions_add(channel=CHANNEL, timestamp=reply["ts"], name="white_check_mark")
    await client.chat_postMessage(channel=CHANNEL, thread_ts=card["ts"], text="Recorded.")
    _card, *replies = slack.workspace.thread(CHANNEL, card["ts"])
    assert [m.text for m in replies] == [reply["text"], "Recorded."]
    assert [r.name for r in replies[0].reactions] == ["white_check_mark"]
    assert [m.text for m in slack.workspace.ephemerals("U0LEAD", CHANNEL)] == [
        "Only you can see this"
    ]
