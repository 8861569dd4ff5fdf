"""Socket Mode, the way a council without a public address installs waymark: waymark opens a
WebSocket with its app token (`SLACK_APP_TOKEN`) and everything reaches it through Bolt's
Socket Mode handler, acknowledged over the socket. No request URL, no signing secret."""

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from storage.db import Database
from tests.factories import load_roadmap
from tests.slack.harness import (
    APP_TOKEN,
    CHILDREN,
    LEAD,
    TOKEN,
    SlackHarness,
    slack_harness,
)
from tests.slack.test_outcome_command import text_of


@pytest.fixture
async def socket_slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    url = db.url.render_as_string(hide_password=False)
    async with slack_harness(url, now, socket_mode=True) as harness:
        yield harness


async def test_waymark_connects_with_its_app_token(socket_slack: SlackHarness) -> None:
    [opened] = [c for c in socket_slack.workspace.calls if c.method == "apps.connections.open"]
    assert opened.response["ok"] is True
    assert opened.response["url"].startswith("ws://")
    assert socket_slack.playground.socket_mode.is_connected


async def test_a_slash_command_is_answered_over_the_socket(socket_slack: SlackHarness) -> None:
    [card] = await socket_slack.command(LEAD, CHILDREN, "12")
    assert "Children in relative low-income families" in text_of([card])
    [delivery] = socket_slack.workspace.deliveries
    assert (delivery.kind, delivery.status) == ("slash_command", 200)
    # Nothing went to a request URL: waymark has none in Socket Mode.
    assert socket_slack.playground.delivery.url is None


async def test_a_thread_reply_is_recorded_and_answered_over_the_socket(
    socket_slack: SlackHarness,
) -> None:
    await socket_slack.command(LEAD, CHILDREN, "12 share")
    thread = socket_slack.workspace.history(CHILDREN)[0].ts
    reply = await socket_slack.reply(LEAD, CHILDREN, thread, "31.5 2025/26")
    [confirmation] = socket_slack.bot_replies(CHILDREN, thread)
    assert "Recorded outcome 12 (Children in relative low-income families), 2025/26: 31.5%" in (
        confirmation.text
    )
    reactions = socket_slack.workspace.message(CHILDREN, reply.ts).reactions
    assert [r.name for r in reactions] == ["white_check_mark"]
    kinds = {(d.kind, d.status) for d in socket_slack.workspace.deliveries}
    assert ("event", 200) in kinds


async def test_only_the_app_token_opens_a_connection(socket_slack: SlackHarness) -> None:
    web_api = f"{socket_slack.url}/api/"
    async with aiohttp.ClientSession() as session:
        for token, error in [(TOKEN, "not_allowed_token_type"), ("xapp-other", "invalid_auth")]:
            headers = {"Authorization": f"Bearer {token}"}
            async with session.post(web_api + "apps.connections.open", headers=headers) as got:
                assert (await got.json())["error"] == error
        headers = {"Authorization": f"Bearer {APP_TOKEN}"}
        async with session.post(web_api + "chat.postMessage", headers=headers) as got:
            assert (await got.json())["error"] == "not_allowed_token_type"


async def test_a_button_and_its_form_work_over_the_socket(socket_slack: SlackHarness) -> None:
    await socket_slack.command(LEAD, CHILDREN, "12 share")
    card = socket_slack.workspace.history(CHILDREN)[0].ts
    await socket_slack.playground.people.click(
        LEAD.id, action_id="waymark.submit_reading", channel_id=CHILDREN, message_ts=card
    )
    await socket_slack.settle()
    [view] = [v for v in socket_slack.workspace.views.values() if v.user_id == LEAD.id]
    # A wrong value is refused in the acknowledgement, under the field, as over HTTP.
    bad = await socket_slack.playground.people.submit(
        LEAD.id, view.id, {"value": "about forty", "period": "2025/26"}
    )
    assert "is not a number" in bad.errors["value"]
    kinds = [(d.kind, d.status) for d in socket_slack.workspace.deliveries]
    assert ("block_actions", 200) in kinds
    assert ("view_submission", 200) in kinds
