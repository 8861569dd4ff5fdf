"""What the mixed Slack-and-Teams tests run waymark with: its jobs, settings and commands."""

from __future__ import annotations

import argparse

from bot import cli
from bot.slack.messenger import SlackMessenger, posting_client
from bot.wiring import timetable_from
from commands.ports import Messenger
from config.settings import Settings
from config.targets import Target
from playground.standin import BOT_TOKEN, StandIn
from scheduler.jobs import JobContext
from tests.teams.activities import (
    installed_in_team,
)
from tests.teams.harness import TeamsHarness, teams_settings

TEAMS_DIGEST = "19:roadmap-digest@thread.tacv2"
SLACK_DIGEST = "C0DIGEST"
PROGRAMME = "C0PROGRAMME"
ECONOMY = "C0ECONOMY01"


def jobs(
    teams: TeamsHarness,
    slack: StandIn,
    *,
    digest: tuple[Target, ...] = (),
    programme: Target | None = None,
) -> JobContext:
    """What `waymark remind` and `waymark digest` run with when both platforms are set up."""
    messengers: dict[str, Messenger] = {
        "slack": SlackMessenger(posting_client(BOT_TOKEN, slack.api_url), interval=0),
        "teams": teams.running.messenger,
    }
    return JobContext(
        db=teams.db,
        messengers=messengers,
        timetable=timetable_from(Settings.model_validate({})),
        digest_targets=digest,
        programme=programme,
    )


def operator_command(*argv: str) -> argparse.Namespace:
    """The arguments of `waymark ARGV`, as the command line reads them."""
    return cli.build_parser().parse_args(list(argv))


def both_platforms(teams: TeamsHarness, slack: StandIn, **more: str) -> Settings:
    """The settings of a waymark that posts to Slack and to Teams (the Bot Connector stand-in)."""
    return teams_settings(
        teams.db.url.render_as_string(hide_password=False),
        teams.service_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        **more,
    )


async def install(teams: TeamsHarness) -> None:
    status, _ = await teams.send(installed_in_team(teams.service_url))
    assert status == 200
