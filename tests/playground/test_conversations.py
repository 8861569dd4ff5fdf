"""The playground's conversations.* and users.* methods: channels, people, history and threads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from tests.playground.conftest import (
    AMIRA,
    BOT,
    GENERAL,
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


# ----- people and channels


async def test_users_info_has_slacks_profile_fields(running: Running) -> None:
    answer = await running.client.users_info(user=AMIRA.id)

    user = answer["user"]
    assert user["id"] == AMIRA.id
    assert user["real_name"] == "Amira Khan"
    assert user["name"] == "amira.khan"
    assert user["is_admin"] is True
    assert user["profile"]["title"] == "Head of Partnerships"
    assert user["tz"] == "Europe/London"
    error = await slack_error(running.client.users_info(user="U0NOBODY"))
    assert error.response["error"] == "user_not_found"


async def test_conversations_info_and_members(running: Running) -> None:
    info = await running.client.conversations_info(channel=ROADMAP.id)
    members = await running.client.conversations_members(channel=ROADMAP.id)

    assert info["channel"]["name"] == "roadmap-2040"
    assert info["channel"]["is_member"] is True
    assert info["channel"]["topic"]["value"] == "Outcomes and readings"
    assert sorted(members["members"]) == sorted([AMIRA.id, TOM.id, BOT.id])


async def test_join_adds_the_bot_once(running: Running) -> None:
    ws = running.workspace
    ws.channel(ROADMAP.id).members.remove(BOT.id)

    joined = await running.client.conversations_join(channel=ROADMAP.id)
    again = await running.client.conversations_join(channel=ROADMAP.id)

    assert joined["channel"]["is_member"] is True
    assert "warning" not in joined
    assert again["warning"] == "already_in_channel"
    assert [m.subtype for m in ws.history(ROADMAP.id)] == ["channel_join"]


async def test_permalink_points_back_at_the_playground(running: Running) -> None:
    posted = await running.client.chat_postMessage(channel=GENERAL.id, text="Link me")

    answer = await running.client.chat_getPermalink(channel=GENERAL.id, message_ts=posted["ts"])

    digits = posted["ts"].replace(".", "")
    assert answer["permalink"] == f"{running.url}/archives/{GENERAL.id}/p{digits}"


# ----- history


async def test_history_is_newest_first_and_pages_with_a_cursor(running: Running) -> None:
    client = running.client
    posted = [
        (await client.chat_postMessage(channel=GENERAL.id, text=f"Message {n}"))["ts"]
        for n in range(5)
    ]

    first = await client.conversations_history(channel=GENERAL.id, limit=2)
    second = await client.conversations_history(
        channel=GENERAL.id, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    third = await client.conversations_history(
        channel=GENERAL.id, limit=2, cursor=second["response_metadata"]["next_cursor"]
    )

    assert [m["ts"] for m in first["messages"]] == posted[:2:-1]
    assert first["has_more"] is True
    assert [m["ts"] for m in second["messages"]] == posted[2:0:-1]
    assert [m["ts"] for m in third["messages"]] == posted[:1]
    assert third["has_more"] is False
    assert "response_metadata" not in third


async def test_the_sdks_own_pagination_walks_every_page(running: Running) -> None:
    for n in range(7):
        await running.client.chat_postMessage(channel=GENERAL.id, text=f"Message {n}")

    sizes = []
    # The SDK hands back the same response object for every page, so count as it goes.
    async for page in await running.client.conversations_history(channel=GENERAL.id, limit=3):
        sizes.append(len(page["messages"]))

    assert sizes == [3, 3, 1]


async def test_history_between_oldest_and_latest(running: Running) -> None:
    client = running.client
    stamps = [
        (await client.chat_postMessage(channel=GENERAL.id, text=f"n{n}"))["ts"] for n in range(4)
    ]

    exclusive = await client.conversations_history(
        channel=GENERAL.id, oldest=stamps[0], latest=stamps[3]
    )
    inclusive = await client.conversations_history(
        channel=GENERAL.id, oldest=stamps[0], latest=stamps[3], inclusive=True
    )

    assert [m["ts"] for m in exclusive["messages"]] == [stamps[2], stamps[1]]
    assert [m["ts"] for m in inclusive["messages"]] == stamps[::-1]


async def test_metadata_comes_back_only_when_asked_for(running: Running) -> None:
    metadata = {"event_type": "digest_posted", "event_payload": {"week": "2026-W09"}}
    await running.client.chat_postMessage(channel=GENERAL.id, text="Digest", metadata=metadata)

    plain = await running.client.conversations_history(channel=GENERAL.id)
    with_metadata = await running.client.conversations_history(
        channel=GENERAL.id, include_all_metadata=True
    )

    assert "metadata" not in plain["messages"][0]
    assert with_metadata["messages"][0]["metadata"] == metadata


async def test_badly_shaped_metadata_is_refused(running: Running) -> None:
    error = await slack_error(
        running.client.chat_postMessage(
            channel=GENERAL.id, text="x", metadata={"event_payload": {"week": 9}}
        )
    )

    assert error.response["error"] == "invalid_metadata_format"


async def test_replies_are_the_parent_then_its_replies(running: Running) -> None:
    client = running.client
    parent = await client.chat_postMessage(channel=GENERAL.id, text="Readings please")
    running.workspace.post(GENERAL.id, user=TOM.id, text="12: 57.9", thread_ts=parent["ts"])
    running.workspace.post(GENERAL.id, user=AMIRA.id, text="14: 16.1", thread_ts=parent["ts"])

    thread = await client.conversations_replies(channel=GENERAL.id, ts=parent["ts"])
    missing = await slack_error(client.conversations_replies(channel=GENERAL.id, ts="1.000001"))

    assert [m["text"] for m in thread["messages"]] == ["Readings please", "12: 57.9", "14: 16.1"]
    assert thread["messages"][1]["parent_user_id"] == BOT.id
    assert missing.response["error"] == "thread_not_found"
