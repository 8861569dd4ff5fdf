"""waymark's real Slack app served over HTTP, talking to the playground workspace as its Slack:
signed requests in, recorded Web API calls out. Nothing in Bolt or slack-sdk is mocked."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.server import Running
from bot.wiring import start_server
from config.settings import Settings
from playground import (
    PLAYGROUND,
    Channel,
    Playground,
    User,
    Workspace,
    build_playground,
    start_playground,
)
from playground.delivery import signature
from playground.records import Message

SECRET = "test-signing-secret"
# Seconds waymark waits for the database in tests that do not ask for less: they check what is
# said, not how fast, and a busy two-core machine must not turn a slow answer into "too busy".
PATIENT_DATABASE = 30.0
TOKEN = "xoxb-waymark-test"
APP_TOKEN = "xapp-waymark-test"

# How long waymark may take to connect in Socket Mode on a busy machine.
START_SECONDS = 30.0

BOT = User("U0WAYMARK", "waymark", is_bot=True)
LEAD = User("U0CHILDLEAD", "Priya Shah", "Children's Trust lead")
LEAD_2 = User("U0CHILDLEA2", "Sam Okafor", "Children's Trust lead")
ECONOMY_LEAD = User("U0ECONLEAD1", "Tom Reed", "Inclusive Economy lead")
ADMIN = User("U0ADMIN", "Joanne Clarke", "Performance officer", is_admin=True)
OUTSIDER = User("U0NOBODY", "Graham Ellis", "Board member")
CHILDREN = "C0CHILDREN1"
ECONOMY = "C0ECONOMY01"
GENERAL = "C0GENERAL"


@dataclass
class SlackHarness:
    playground: Playground
    running: Running
    url: str
    events_url: str

    @property
    def workspace(self) -> Workspace:
        return self.playground.workspace

    async def settle(self) -> None:
        """Wait for work done after an answer: confirmations, uploads, the bot's own echoes."""
        for _ in range(3):
            await self.running.background.drain()
            await self.playground.delivery.drain()

    async def command(self, user: User, channel: str, text: str) -> list[Message]:
        """Type `/outcome text`; return what the person then sees, only to them or in channel."""
        before = {m.ts for m in self.visible(user, channel)}
        outcome = await self.playground.people.run_command(user.id, channel, f"/outcome {text}")
        assert outcome.delivery is not None
        assert outcome.delivery.status == 200, outcome.delivery
        await self.settle()
        return [m for m in self.visible(user, channel) if m.ts not in before]

    def visible(self, user: User, channel: str) -> list[Message]:
        return self.workspace.all_messages(channel) + self.workspace.ephemerals(user.id, channel)

    async def reply(self, user: User, channel: str, thread: str, text: str) -> Message:
        outcome = await self.playground.people.say(user.id, channel, text, thread_ts=thread)
        assert outcome.message is not None
        await self.settle()
        return outcome.message

    def bot_replies(self, channel: str, thread: str) -> list[Message]:
        return [m for m in self.workspace.thread(channel, thread)[1:] if m.user == BOT.id]

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.workspace.calls if c.method == method]

    async def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str = SECRET,
    ) -> tuple[int, str]:
        """Send a request to waymark as Slack would, signed with `secret` at `timestamp`."""
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret, stamp, body),
            **(headers or {}),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.events_url, data=body, headers=sent) as response,
        ):
            return response.status, await response.text()

    async def deliver_event(self, envelope: dict[str, Any], retry: int = 0) -> int:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await self.post_signed(
            json.dumps(envelope).encode(), "application/json", headers=headers if retry else None
        )
        await self.settle()
        return status


def seeded_workspace() -> Workspace:
    return Workspace.seed(
        team_name="Luton 2040",
        bot=BOT,
        users=[ADMIN, LEAD, LEAD_2, ECONOMY_LEAD, OUTSIDER],
        channels=[
            Channel(CHILDREN, "childrens-trust", "Children's Trust Board"),
            Channel(ECONOMY, "inclusive-economy", "Inclusive Economy Board"),
            Channel(GENERAL, "general", "Everyone"),
        ],
    )


@asynccontextmanager
async def slack_harness(
    database_url: str,
    now: datetime,
    *,
    clock: Callable[[], datetime] | None = None,
    socket_mode: bool = False,
    database_timeout: float | None = None,
) -> AsyncIterator[SlackHarness]:
    """`clock`: the time as waymark reads it, for tests that move it on; `now` otherwise.
    `socket_mode`: waymark connects with an app token, as without a public address, and
    everything reaches it over the WebSocket, with no signing secret and no request URL.
    `database_timeout`: WAYMARK_DATABASE_TIMEOUT, when a test wants it short."""
    app: web.Application = build_playground(
        workspace=seeded_workspace(),
        bot_events_url=None,
        signing_secret=SECRET,
        bot_token=TOKEN,
        public_url=None,
        app_token=APP_TOKEN,
    )
    runner, url = await start_playground(app)
    credentials = (
        {"SLACK_APP_TOKEN": APP_TOKEN} if socket_mode else {"SLACK_SIGNING_SECRET": SECRET}
    )
    settings = Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": TOKEN,
            **credentials,
            "SLACK_API_URL": f"{url}/api/",
            "WAYMARK_ADMINS": ADMIN.id,
            "WAYMARK_DATABASE_TIMEOUT": database_timeout or PATIENT_DATABASE,
        }
    )
    running = await start_server(
        settings, host="127.0.0.1", port=0, clock=clock or (lambda: now), tick=False
    )
    events_url = f"http://127.0.0.1:{running.port}/slack/events"
    playground = app[PLAYGROUND]
    if socket_mode:
        await asyncio.wait_for(playground.socket_mode.connected.wait(), START_SECONDS)
    else:
        playground.delivery.url = events_url
    try:
        yield SlackHarness(playground, running, url, events_url)
    finally:
        await playground.delivery.drain()
        await running.stop()
        await runner.cleanup()
