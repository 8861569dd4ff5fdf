"""What waymark checks at its Teams door: anonymous Teams only for a local trial (loopback, no
Slack beside it), and no post ever to a serviceUrl that is not the Bot Framework's."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.background import Background
from bot.teams.app import start_teams
from bot.teams.door import ServiceUrls
from commands.conversations import Core
from config.settings import Settings, SettingsError
from storage.db import Database
from storage.repositories import RoadmapRepository
from tests.teams.activities import ADMIN, personal_message
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, serve, teams_harness

CREDENTIALS = {
    "TEAMS_ALLOW_ANONYMOUS": "false",
    "TEAMS_CLIENT_ID": "5f1c2a34-8d2e-4f5b-9b57-000000waymark",
    "TEAMS_CLIENT_SECRET": "not-a-real-secret",
    "TEAMS_TENANT_ID": "72f988bf-0000-4000-8000-2d7cd011db47",
}


@pytest.fixture
async def real_teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    """Teams with credentials: every request must carry the Bot Framework's token."""
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(
        db,
        now,
        TEAMS_ALLOW_ANONYMOUS=CREDENTIALS["TEAMS_ALLOW_ANONYMOUS"],
        TEAMS_CLIENT_ID=CREDENTIALS["TEAMS_CLIENT_ID"],
        TEAMS_CLIENT_SECRET=CREDENTIALS["TEAMS_CLIENT_SECRET"],
        TEAMS_TENANT_ID=CREDENTIALS["TEAMS_TENANT_ID"],
    ) as harness:
        yield harness


async def owner_of(db: Database, number: int) -> str | None:
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(number)
        assert outcome is not None
        return outcome.owner.slug if outcome.owner else None


async def test_a_forged_admin_post_cannot_reassign_an_outcome(real_teams: TeamsHarness) -> None:
    before = await owner_of(real_teams.db, 12)
    forged = personal_message(real_teams.service_url, "outcome 12 assign economy", person=ADMIN)
    status, _ = await real_teams.send(forged)
    assert status == 401
    assert await owner_of(real_teams.db, 12) == before
    assert real_teams.connector.sent == []


async def test_a_hostile_service_url_is_refused_and_never_called(real_teams: TeamsHarness) -> None:
    called: list[str] = []

    async def record(request: web.Request) -> web.Response:
        called.append(request.path)
        return web.json_response({"id": "1"})

    hostile = web.Application()
    hostile.router.add_route("*", "/{tail:.*}", record)
    async with serve(hostile) as (_, hostile_url):
        activity = personal_message(hostile_url, "outcome 12", person=ADMIN)
        status, _ = await real_teams.send(activity)
    assert status == 403
    assert called == []
    assert real_teams.connector.sent == []


async def test_a_body_that_is_not_an_activity_is_answered_400_in_one_line(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, caplog: pytest.LogCaptureFixture
) -> None:
    """The Teams SDK answers such a body with a 500 and logs a traceback; waymark refuses it
    first (Teams itself never sends one; `test_door_fuzz.py` throws many more)."""
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as teams:
        broken = personal_message(teams.service_url, "outcome 12")
        broken["conversation"]["conversationType"] = []
        with caplog.at_level(logging.WARNING):
            status, body = await teams.send(broken)
    assert status == 400
    assert body == {"error": "the body is not a Teams activity"}
    [refusal] = [r for r in caplog.records if r.name == "bot.teams.door"]
    assert refusal.getMessage().startswith(
        "refused a Teams activity with 400: not a Teams activity"
    )
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert teams.connector.sent == []


def settings_with(**values: str) -> Settings:
    return Settings.model_validate({"DATABASE_URL": "sqlite://", **values})


@pytest.mark.parametrize(
    ("values", "host", "says"),
    [
        (
            {"TEAMS_ALLOW_ANONYMOUS": "true", "SLACK_BOT_TOKEN": "xoxb-1"},
            "127.0.0.1",
            "TEAMS_ALLOW_ANONYMOUS is set beside Slack credentials (SLACK_BOT_TOKEN)",
        ),
        (
            {"TEAMS_ALLOW_ANONYMOUS": "true"},
            "0.0.0.0",  # noqa: S104 (the host being refused)
            "only on this machine (--host 127.0.0.1), not on 0.0.0.0",
        ),
        (
            {"TEAMS_ALLOW_ANONYMOUS": "true", "TEAMS_CLIENT_ID": "5f1c2a34"},
            "127.0.0.1",
            "must be set too when any of TEAMS_CLIENT_ID",
        ),
    ],
)
async def test_anonymous_teams_is_refused_at_start_unless_a_local_trial(
    db: Database, now: datetime, values: dict[str, str], host: str, says: str
) -> None:
    settings = settings_with(**values)
    core = Core(db, clock=lambda: now, tz=settings.zone, admins=frozenset())
    with pytest.raises(SettingsError) as refused:
        await start_teams(
            settings, web.Application(), core=core, background=Background(), host=host
        )
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://smba.trafficmanager.net/teams/", True),
        ("https://smba.trafficmanager.net/amer/", True),
        ("https://europe.webchat.botframework.com/", True),
        ("https://smba.infra.gcc.teams.microsoft.com/teams", True),
        ("http://smba.trafficmanager.net/teams/", False),  # not TLS
        ("https://smba.trafficmanager.net.evil.example/", False),
        ("https://evilbotframework.com/", False),
        ("http://127.0.0.1:9/", False),
        ("https://169.254.169.254/latest/meta-data/", False),
    ],
)
def test_only_the_bot_frameworks_service_urls_are_posted_to(url: str, allowed: bool) -> None:
    assert ServiceUrls(settings_with(**CREDENTIALS), local_trial=False).allows(url) is allowed
    assert ServiceUrls(settings_with(**CREDENTIALS), local_trial=True).allows(url)
