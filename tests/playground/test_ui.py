"""The page's own routes: what each person sees, what they can do, and the live update stream."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from playground import build_playground, start_playground
from playground.page import STATIC_DIR
from playground.ui import RunHook
from tests.playground.conftest import (
    AMIRA,
    BOT_TOKEN,
    GENERAL,
    PRIYA,
    ROADMAP,
    SIGNING_SECRET,
    TOM,
    FakeBot,
    Running,
    seeded_workspace,
)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def state(session: aiohttp.ClientSession, running: Running, **query: str) -> dict[str, Any]:
    async with session.get(f"{running.url}/ui/state", params=query) as response:
        assert response.status == 200
        body = await response.json()
        assert isinstance(body, dict)
        return body


async def act(
    session: aiohttp.ClientSession, running: Running, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{running.url}{path}", json=body) as response:
        answer = await response.json()
        assert isinstance(answer, dict)
        return response.status, answer


async def test_the_page_has_the_controls_the_browser_tests_drive(
    running: Running, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{running.url}/") as response:
        html = await response.text()

    assert response.status == 200
    for testid in [
        "user-switcher",
        "channel-list",
        "message-list",
        "message-input",
        "send-button",
        "thread-pane",
        "thread-reply-input",
        "thread-send-button",
        "modal",
        "run-reminders",
        "run-digest",
        "run-as-of",
        "run-result",
    ]:
        assert f'data-testid="{testid}"' in html


STATIC_FILES = ["app.css", "app.js", "mrkdwn.js"]


@pytest.mark.parametrize("name", ["index.html", *STATIC_FILES])
def test_nothing_is_fetched_from_the_internet(name: str) -> None:
    text = (STATIC_DIR / name).read_text()

    assert re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|@font-face", text) is None


async def test_static_files_are_served(running: Running, session: aiohttp.ClientSession) -> None:
    expected = {name: (STATIC_DIR / name).read_bytes() for name in STATIC_FILES}

    for name in STATIC_FILES:
        async with session.get(f"{running.url}/ui/static/{name}") as response:
            assert response.status == 200
            assert await response.read() == expected[name]


async def test_the_admin_is_who_you_are_until_you_switch(
    running: Running, session: aiohttp.ClientSession
) -> None:
    default = await state(session, running)
    as_tom = await state(session, running, **{"as": TOM.id})

    assert default["me"] == AMIRA.id
    assert as_tom["me"] == TOM.id
    assert default["channel"] == GENERAL.id
    assert [c["name"] for c in default["channels"]] == ["general", "roadmap-2040"]
    people = {u["id"]: (u["name"], u["title"]) for u in default["users"] if not u["is_bot"]}
    assert people[AMIRA.id] == ("Amira Khan", "Head of Partnerships")


async def test_ephemeral_messages_show_only_for_their_reader(
    running: Running, session: aiohttp.ClientSession
) -> None:
    await running.client.chat_postEphemeral(channel=GENERAL.id, user=TOM.id, text="Just for Tom")

    toms = await state(session, running, **{"as": TOM.id})
    amiras = await state(session, running, **{"as": AMIRA.id})

    assert [(m["text"], m["is_ephemeral"]) for m in toms["messages"]] == [("Just for Tom", True)]
    assert amiras["messages"] == []


async def test_sending_a_message_from_the_page_reaches_the_bot(
    running: Running, session: aiohttp.ClientSession, bot: FakeBot
) -> None:
    status, answer = await act(
        session, running, "/ui/messages", {"as": TOM.id, "channel": GENERAL.id, "text": "Hello"}
    )

    assert (status, answer["ok"]) == (200, True)
    assert [e["user"] for e in bot.events()] == [TOM.id]
    shown = await state(session, running, **{"as": TOM.id})
    assert [(m["text"], m["is_own"]) for m in shown["messages"]] == [("Hello", True)]


async def test_a_slash_command_from_the_page_and_the_bots_failure(
    running: Running, session: aiohttp.ClientSession, bot: FakeBot
) -> None:
    bot.answer = lambda received: web.Response(status=500)

    _, answer = await act(
        session,
        running,
        "/ui/messages",
        {"as": TOM.id, "channel": GENERAL.id, "text": "/outcome 3"},
    )

    assert answer["notice"] == "waymark did not answer (HTTP 500)."
    assert bot.of_kind("slash_command")[0].body["text"] == "3"
    toms = await state(session, running, **{"as": TOM.id})
    amiras = await state(session, running, **{"as": AMIRA.id})
    assert [n["text"] for n in toms["notices"]] == ["waymark did not answer (HTTP 500)."]
    assert amiras["notices"] == []


async def test_a_thread_is_shown_when_asked_for(
    running: Running, session: aiohttp.ClientSession
) -> None:
    parent = await running.client.chat_postMessage(channel=GENERAL.id, text="Readings please")
    await act(
        session,
        running,
        "/ui/messages",
        {"as": TOM.id, "channel": GENERAL.id, "text": "57.9", "thread_ts": parent["ts"]},
    )

    shown = await state(session, running, **{"as": TOM.id, "thread": parent["ts"]})

    assert [m["text"] for m in shown["messages"]] == ["Readings please"]
    assert shown["messages"][0]["reply_count"] == 1
    assert [m["text"] for m in shown["thread"]["messages"]] == ["Readings please", "57.9"]


async def test_editing_someone_elses_message_is_refused_in_plain_words(
    running: Running, session: aiohttp.ClientSession
) -> None:
    amiras = running.workspace.post(GENERAL.id, user=AMIRA.id, text="Mine")

    status, answer = await act(
        session,
        running,
        "/ui/messages/edit",
        {"as": TOM.id, "channel": GENERAL.id, "ts": amiras.ts, "text": "Changed"},
    )

    assert status == 400
    assert answer["message"] == "You can only edit your own messages."


async def test_a_form_shows_required_field_errors_under_the_input(
    running: Running, session: aiohttp.ClientSession
) -> None:
    view = running.workspace.open_view(
        PRIYA.id,
        {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Record a reading"},
            "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "value",
                    "label": {"type": "plain_text", "text": "Value"},
                    "element": {"type": "plain_text_input", "action_id": "value_input"},
                }
            ],
        },
    )

    _, answer = await act(
        session,
        running,
        "/ui/views/submit",
        {"as": PRIYA.id, "view_id": view.id, "values": {"value": ""}},
    )
    shown = await state(session, running, **{"as": PRIYA.id})

    assert answer["errors"] == {"value": "Please complete this required field."}
    assert shown["view"]["id"] == view.id
    assert shown["view"]["errors"] == {"value": "Please complete this required field."}
    assert (await state(session, running, **{"as": TOM.id}))["view"] is None


async def test_a_channel_the_person_is_not_in_is_still_readable(
    running: Running, session: aiohttp.ClientSession
) -> None:
    shown = await state(session, running, **{"as": PRIYA.id, "channel": ROADMAP.id})

    assert shown["channel"] == ROADMAP.id
    assert [c["is_member"] for c in shown["channels"]] == [True, False]


async def test_the_event_stream_announces_each_change(
    running: Running, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{running.url}/ui/events") as stream:
        assert stream.content_type == "text/event-stream"
        hello = await stream.content.readuntil(b"\n\n")
        await running.client.chat_postMessage(channel=GENERAL.id, text="Live")
        change = await stream.content.readuntil(b"\n\n")

    assert b"event: hello" in hello
    lines = dict(line.split(": ", 1) for line in change.decode().strip().splitlines())
    assert lines["event"] == "change"
    assert json.loads(lines["data"]) == {"kind": "message", "channel": GENERAL.id, "user": None}


async def test_stopping_the_playground_ends_open_event_streams(
    session: aiohttp.ClientSession,
) -> None:
    app = build_playground(
        workspace=seeded_workspace(),
        bot_events_url=None,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        public_url=None,
    )
    runner, url = await start_playground(app)

    async with session.get(f"{url}/ui/events") as stream:
        await stream.content.readuntil(b"\n\n")
        # Without ending the streams itself, aiohttp would wait a minute for them.
        async with asyncio.timeout(5):
            await runner.cleanup()
        rest = await stream.content.read()

    assert rest == b""


async def test_a_permalink_opens_the_message_in_the_page(
    running: Running, session: aiohttp.ClientSession
) -> None:
    posted = await running.client.chat_postMessage(channel=GENERAL.id, text="Link me")
    link = await running.client.chat_getPermalink(channel=GENERAL.id, message_ts=posted["ts"])

    async with session.get(link["permalink"], allow_redirects=False) as response:
        location = response.headers["Location"]

    assert response.status == 302
    assert location == f"/?channel={GENERAL.id}&ts={posted['ts']}"


# ----- the Run reminders / Run digest buttons

ran: list[datetime | None] = []


async def remind(as_of: datetime | None) -> str:
    ran.append(as_of)
    return "3 reminders sent"


async def fail(as_of: datetime | None) -> str:
    raise RuntimeError("the database is not reachable")


@pytest.fixture
def hooks() -> dict[str, RunHook | None]:
    ran.clear()
    return {"run_reminders": remind, "run_digest": fail}


async def test_run_reminders_as_if_it_were_a_given_local_time(
    running: Running, session: aiohttp.ClientSession
) -> None:
    # 29 March 2026 is the day the clocks go forward: 09:00 that morning is BST, UTC+1.
    _, answer = await act(session, running, "/ui/run/reminders", {"as_of": "2026-03-29T09:00"})

    assert answer == {"ok": True, "summary": "3 reminders sent"}
    assert ran == [datetime(2026, 3, 29, 9, 0, tzinfo=ZoneInfo("Europe/London"))]
    assert ran[0] is not None
    assert ran[0].utcoffset() is not None
    assert ran[0].utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


async def test_run_now_without_a_time_passes_none(
    running: Running, session: aiohttp.ClientSession
) -> None:
    await act(session, running, "/ui/run/reminders", {})

    assert ran == [None]


async def test_a_failing_job_is_shown_not_hidden(
    running: Running, session: aiohttp.ClientSession
) -> None:
    _, answer = await act(session, running, "/ui/run/digest", {"as_of": None})

    assert answer == {"ok": False, "error": "The digest failed: the database is not reachable"}


async def test_an_unreadable_time_is_explained(
    running: Running, session: aiohttp.ClientSession
) -> None:
    status, answer = await act(session, running, "/ui/run/reminders", {"as_of": "next Tuesday"})

    assert status == 400
    assert "could not be read" in answer["message"]
    assert ran == []
