"""A seeded playground on an ephemeral port, and a stand-in bot that checks Slack's signatures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from playground import (
    PLAYGROUND,
    Channel,
    Playground,
    User,
    Workspace,
    build_playground,
    start_playground,
)
from playground.ui import RunHook

SIGNING_SECRET = "playground-signing-secret"
BOT_TOKEN = "xoxb-playground-test"

BOT = User("U0WAYMARK", "waymark", is_bot=True)
AMIRA = User("U0AMIRA", "Amira Khan", "Head of Partnerships", is_admin=True)
TOM = User("U0TOM", "Tom Reed", "Data Officer")
PRIYA = User("U0PRIYA", "Priya Shah", "Children's Trust lead")
GENERAL = Channel("C0GENERAL", "general", "Town-wide announcements")
ROADMAP = Channel("C0ROADMAP", "roadmap-2040", "Outcomes and readings")
# Priya is the one person not in #roadmap-2040, for user_not_in_channel.
ROADMAP_MEMBERS = [AMIRA.id, TOM.id]


def seeded_workspace() -> Workspace:
    return Workspace.seed(
        team_name="Luton 2040",
        bot=BOT,
        users=[AMIRA, TOM, PRIYA],
        channels=[
            GENERAL,
            Channel(ROADMAP.id, ROADMAP.name, ROADMAP.topic, members=ROADMAP_MEMBERS),
        ],
    )


@dataclass
class Received:
    """One request the stand-in bot got, already checked and parsed."""

    kind: str
    raw: bytes
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def event(self) -> dict[str, Any]:
        event = self.body["event"]
        assert isinstance(event, dict)
        return event


Answer = Callable[[Received], web.StreamResponse]


@dataclass
class FakeBot:
    """Stands in for waymark's Bolt app: verifies each request as Bolt would, then records it."""

    signing_secret: str = SIGNING_SECRET
    received: list[Received] = field(default_factory=list)
    answer: Answer = field(default=lambda received: web.Response())

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        verifier = SignatureVerifier(self.signing_secret)
        if not verifier.is_valid_request(raw, dict(request.headers)):
            return web.json_response({"error": "invalid request"}, status=401)
        if request.content_type == "application/json":
            received = Received("event", raw, dict(request.headers), json.loads(raw))
        else:
            form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
            if "payload" in form:
                received = Received(
                    "interaction", raw, dict(request.headers), json.loads(form["payload"])
                )
            else:
                received = Received("slash_command", raw, dict(request.headers), form)
        self.received.append(received)
        return self.answer(received)

    def of_kind(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.kind == kind]

    def events(self) -> list[dict[str, Any]]:
        return [r.event for r in self.of_kind("event")]


@dataclass
class Running:
    """A playground being served, with the parts a test reaches for."""

    url: str
    app: web.Application
    client: AsyncWebClient

    @property
    def parts(self) -> Playground:
        return self.app[PLAYGROUND]

    @property
    def workspace(self) -> Workspace:
        return self.parts.workspace


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    return await start_playground(app, host="127.0.0.1", port=0)


@pytest.fixture
async def fake_bot() -> AsyncIterator[tuple[FakeBot, str]]:
    bot = FakeBot()
    app = web.Application()
    app.router.add_post("/slack/events", bot.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield bot, f"http://{host}:{port}/slack/events"
    await runner.cleanup()


@pytest.fixture
def hooks() -> dict[str, RunHook | None]:
    return {"run_reminders": None, "run_digest": None}


@pytest.fixture
async def running(
    fake_bot: tuple[FakeBot, str], hooks: dict[str, RunHook | None]
) -> AsyncIterator[Running]:
    _, events_url = fake_bot
    app = build_playground(
        workspace=seeded_workspace(),
        bot_events_url=events_url,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        public_url=None,
        run_reminders=hooks["run_reminders"],
        run_digest=hooks["run_digest"],
    )
    runner, url = await serve(app)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=f"{url}/api/")
    yield Running(url, app, client)
    await runner.cleanup()


@pytest.fixture
def bot(fake_bot: tuple[FakeBot, str]) -> FakeBot:
    return fake_bot[0]


@dataclass
class Wired:
    bolt: AsyncApp
    playground: Playground
    url: str


@pytest.fixture
async def wired() -> AsyncIterator[Wired]:
    """The playground and a Bolt app that know each other's addresses."""
    app = build_playground(
        workspace=seeded_workspace(),
        bot_events_url=None,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        public_url=None,
    )
    playground_runner, url = await start_playground(app)
    bolt = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=f"{url}/api/"),
        signing_secret=SIGNING_SECRET,
    )
    bolt_runner = web.AppRunner(bolt.web_app())
    await bolt_runner.setup()
    await web.TCPSite(bolt_runner, "127.0.0.1", 0).start()
    host, port = bolt_runner.addresses[0][:2]
    playground = app[PLAYGROUND]
    playground.delivery.url = f"http://{host}:{port}/slack/events"
    yield Wired(bolt, playground, url)
    await bolt_runner.cleanup()
    await playground_runner.cleanup()
