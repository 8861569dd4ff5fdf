"""waymark's real Teams app (the Teams SDK's App and HTTP handling, waymark's handlers) served
over HTTP, with the Bot Connector it answers replaced by a local recorder. Activities go in as
Teams sends them; what comes out is what a Teams user would see. Nothing in the SDK is mocked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from bot.background import Background
from bot.pacing import Pacer
from bot.teams.app import MESSAGES_PATH, TeamsRunning, start_teams
from commands.conversations import Core
from commands.roadmap_files.importing import import_roadmap
from config.settings import Settings
from storage.db import Database
from tests.factories import OUTCOMES, READINGS
from tests.teams.activities import ADMIN, CHILDREN, LEAD, OUTSIDER, TEAM
from tests.teams.connector import Connector

# The Children's Trust Board meets in Teams; the Inclusive Economy Board stays in Slack.
GROUPS = f"""slug,name,channel,leads,platform
children,Children's Trust Board,{CHILDREN},{LEAD.aad},teams
economy,Inclusive Economy Board,C0ECONOMY01,U0ECONLEAD1,
"""
TEAM_CHANNELS = [{"id": TEAM}, {"id": CHILDREN, "name": "Children's Trust"}]


def write_mixed_roadmap(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "groups.csv").write_text(GROUPS)
    (directory / "outcomes.csv").write_text(OUTCOMES)
    (directory / "readings.csv").write_text(READINGS.replace("U0CHILDLEAD", LEAD.aad))
    return directory


async def load_mixed_roadmap(db: Database, directory: Path, now: datetime, tz: ZoneInfo) -> None:
    write_mixed_roadmap(directory)
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[tuple[web.AppRunner, str]]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield runner, f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@dataclass
class TeamsHarness:
    running: TeamsRunning
    connector: Connector
    url: str
    db: Database

    @property
    def service_url(self) -> str:
        return self.connector.url

    async def settle(self) -> None:
        await self.running.services.background.drain()

    async def send(self, activity: dict[str, Any]) -> tuple[int, Any]:
        """Post an activity to /api/messages as Teams does; the answer's status and body."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + MESSAGES_PATH, json=activity, headers=self.headers) as answer,
        ):
            body = await answer.json() if answer.content_type == "application/json" else None
            status = answer.status
        await self.settle()
        return status, body

    headers: dict[str, str] | None = None


def teams_settings(database_url: str, connector_url: str, **more: str) -> Settings:
    return Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "TEAMS_ALLOW_ANONYMOUS": "true",
            "TEAMS_SERVICE_URL": connector_url,
            "WAYMARK_ADMINS": ADMIN.aad,
            **more,
        }
    )


@asynccontextmanager
async def teams_harness(
    db: Database, now: datetime, *, clock: Callable[[], datetime] | None = None, **settings: str
) -> AsyncIterator[TeamsHarness]:
    """`clock`: the time as waymark reads it, for tests that move it on; `now` otherwise."""
    members = [p.account() for p in (LEAD, ADMIN, OUTSIDER)]
    connector = Connector(channels={TEAM: TEAM_CHANNELS}, members={TEAM: members})
    async with serve(connector.app()) as (_, connector_url):
        connector.url = connector_url
        web_app = web.Application()
        chosen = teams_settings(
            db.url.render_as_string(hide_password=False), connector_url, **settings
        )
        core = Core(
            db, clock=clock or (lambda: now), tz=chosen.zone, admins=frozenset(chosen.admins)
        )
        running = await start_teams(
            chosen, web_app, core=core, background=Background(), host="127.0.0.1"
        )
        assert running is not None
        # Unpaced, so tests run in no time; `test_pacing.py` checks the pace itself.
        running.messenger.pacer = Pacer(0)
        async with serve(web_app) as (_, url):
            harness = TeamsHarness(running, connector, url, db)
            try:
                yield harness
            finally:
                await harness.settle()
                await running.stop()
