"""Reminders and the digest reaching Teams and Slack channels through the outbox, each once;
readings given in a Teams reminder's thread and in its card; channels waymark cannot reach."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.operator_cli import timetable_from
from bot.slack.messenger import SlackMessenger, posting_client
from bot.teams.conversations import unreachable_lines
from commands.ports import Messenger
from config.settings import Settings
from scheduler.jobs import JobContext, send_nudges, send_weekly_digest
from storage.db import Database
from storage.repositories import (
    ConversationRefRepository,
    OutboxRepository,
    ReadingRepository,
    RoadmapRepository,
)
from tests.scheduler.conftest import at
from tests.scheduler.fake_slack import BOT_TOKEN, FakeSlack, running_fake_slack
from tests.teams.activities import (
    ADMIN,
    CHILDREN,
    LEAD,
    OUTSIDER,
    card_submit,
    channel_message,
    installed_in_team,
    personal_chat_id,
    personal_message,
    removed_from_team,
)
from tests.teams.connector import find, words_of
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness

TEAMS_DIGEST = "19:roadmap-digest@thread.tacv2"
SLACK_DIGEST = "C0DIGEST"
ECONOMY = "C0ECONOMY01"


@pytest.fixture
def now() -> datetime:
    """Monday 2 March 2026, 10:00 in London: reminders and the digest are due."""
    return at("2026-03-02T10:00")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as harness:
        yield harness


def jobs(teams: TeamsHarness, slack: FakeSlack, *, digest: str | None = None) -> JobContext:
    """What `waymark nudge` and `waymark digest` run with when both platforms are set up."""
    messengers: dict[str, Messenger] = {
        "slack": SlackMessenger(posting_client(BOT_TOKEN, slack.api_url)),
        "teams": teams.running.messenger,
    }
    return JobContext(
        db=teams.db,
        messengers=messengers,
        timetable=timetable_from(Settings.model_validate({})),
        digest_channel=digest,
        programme_channel=None,
        digest_platform="teams" if digest and digest.startswith("19:") else "slack",
    )


async def install(teams: TeamsHarness) -> None:
    status, _ = await teams.send(installed_in_team(teams.service_url))
    assert status == 200


async def test_installing_in_a_team_keeps_every_channel_and_says_hello(
    teams: TeamsHarness, now: datetime
) -> None:
    await install(teams)
    async with teams.db.reading() as session:
        refs = await ConversationRefRepository(session).everything("teams")
    channels = {r.conversation_id: (r.name, r.service_url) for r in refs}
    assert channels[CHILDREN] == ("Children's Trust", teams.service_url)
    [hello] = teams.connector.sent
    assert "waymark is here" in hello.words

    await teams.send(removed_from_team(teams.service_url))
    async with teams.db.reading() as session:
        assert (
            await ConversationRefRepository(session).of_team("teams", refs[0].team_id or "") == []
        )


async def test_one_nudge_run_reminds_the_teams_and_the_slack_group_once_each(
    teams: TeamsHarness, slack: FakeSlack, now: datetime
) -> None:
    await install(teams)
    ctx = jobs(teams, slack)
    report = await send_nudges(ctx, now)
    assert report.splitlines() == [
        f"Posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), to {CHILDREN}.",
        f"Posted: reminder to Inclusive Economy Board: outcome 20 (2024), to {ECONOMY}.",
    ]
    [reminder] = teams.connector.to(CHILDREN)
    assert "Overdue readings: Children's Trust Board" in reminder.words
    assert "Outcome 13: More children are vaccinated" in reminder.words
    [box] = find(reminder.card, "Input.Number")
    assert box["id"] == "value-13"
    [submit] = [a for a in find(reminder.card, "Action.Execute") if a["title"] == "Submit"]
    assert submit["data"] == {"action": "waymark.submit_reading", "outcome": 13}
    assert [m.channel for m in slack.posts] == [ECONOMY]

    again = await send_nudges(ctx, now)
    assert again.startswith("No reminders to post")
    assert len(teams.connector.to(CHILDREN)) == 1
    assert len(slack.posts) == 1


async def test_one_digest_run_per_channel_reaches_teams_and_slack_once(
    teams: TeamsHarness, slack: FakeSlack, now: datetime
) -> None:
    await install(teams)
    await teams.send(channel_message(teams.service_url, "hello", channel=TEAMS_DIGEST))
    digest_time = at("2026-03-02T09:30")
    for channel in (TEAMS_DIGEST, SLACK_DIGEST, TEAMS_DIGEST, SLACK_DIGEST):
        await send_weekly_digest(jobs(teams, slack, digest=channel), digest_time)
    await teams.settle()
    digest, chart = teams.connector.in_channel(TEAMS_DIGEST)[1:]
    assert digest.conversation_id == TEAMS_DIGEST
    assert find(digest.card, "Table")
    assert chart.conversation_id == f"{TEAMS_DIGEST};messageid={digest.id}"
    assert find(chart.card, "Image")[0]["url"].startswith("data:image/png;base64,")
    assert [m.channel for m in slack.posts] == [SLACK_DIGEST]


async def test_a_reply_in_the_reminders_thread_is_a_reading(
    teams: TeamsHarness, slack: FakeSlack, now: datetime
) -> None:
    await install(teams)
    await send_nudges(jobs(teams, slack), now)
    [reminder] = teams.connector.to(CHILDREN)

    # Without a mention: Teams delivers it because of the ChannelMessage.Read.Group permission.
    reply = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=reminder.id, mention=False
    )
    assert (await teams.send(reply))[0] == 200
    thread = f"{CHILDREN};messageid={reminder.id}"
    [confirmation] = teams.connector.to(thread)
    assert confirmation.words.startswith(
        "Recorded outcome 13 (MMR coverage), 2025-Q4: 89%. Status now: On track."
    )

    # Teams delivering the same message again records nothing more and says nothing more.
    assert (await teams.send(reply))[0] == 200
    assert len(teams.connector.to(thread)) == 1
    async with teams.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(13)
        assert outcome is not None
        readings = await ReadingRepository(session).history(outcome.id)
    assert [(r.period, r.value, r.submitted_by) for r in readings][-1] == (
        "2025-Q4",
        89.0,
        LEAD.aad,
    )


async def test_only_leads_may_give_a_reading_and_are_named_when_someone_else_tries(
    teams: TeamsHarness, slack: FakeSlack, now: datetime
) -> None:
    await install(teams)
    await send_nudges(jobs(teams, slack), now)
    [reminder] = teams.connector.to(CHILDREN)
    await teams.send(
        channel_message(
            teams.service_url, "88", channel=CHILDREN, thread=reminder.id, person=OUTSIDER
        )
    )
    [refusal] = teams.connector.to(f"{CHILDREN};messageid={reminder.id}")
    assert "Only the leads of the Children's Trust Board and administrators" in refusal.words
    assert "<at>Priya Shah</at>" in refusal.words
    [named] = refusal.card["msteams"]["entities"]
    assert named["mentioned"] == {"id": LEAD.aad, "name": "Priya Shah"}


async def test_the_reminders_box_takes_a_reading_and_shows_errors_on_the_card(
    teams: TeamsHarness, slack: FakeSlack, now: datetime
) -> None:
    await install(teams)
    await send_nudges(jobs(teams, slack), now)
    [reminder] = teams.connector.to(CHILDREN)

    def submit(value: object, period: str = "") -> dict[str, object]:
        return card_submit(
            teams.service_url,
            {
                "action": "waymark.submit_reading",
                "outcome": 13,
                "value-13": value,
                "period-13": period,
            },
            card_id=reminder.id,
            channel=CHILDREN,
        )

    status, answer = await teams.send(submit(140))
    assert status == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    words = "\n".join(words_of(answer["value"]))
    assert "140 is not a percentage: outcome 13 (MMR coverage) is measured in %" in words
    assert find(answer["value"], "Input.Number")[0]["value"] == 140

    status, answer = await teams.send(submit(88, "2025-Q4"))
    words = "\n".join(words_of(answer["value"]))
    assert "✅ Recorded outcome 13 (MMR coverage), 2025-Q4: 88%." in words
    assert find(answer["value"], "Input.Number") == []
    [confirmation] = teams.connector.to(f"{CHILDREN};messageid={reminder.id}")
    assert "Recorded outcome 13 (MMR coverage), 2025-Q4: 88%." in confirmation.words


async def test_a_group_whose_teams_channel_cannot_be_reached_is_reported_then_served(
    teams: TeamsHarness, slack: FakeSlack, now: datetime
) -> None:
    # The administrator has talked to waymark in Teams, so waymark can write to them.
    await teams.send(personal_message(teams.service_url, "outcome help", person=ADMIN))
    told_before = len(teams.connector.to(personal_chat_id(ADMIN)))
    ctx = jobs(teams, slack)
    report = await send_nudges(ctx, now)
    assert (
        f"Not posted yet: reminder to Children's Trust Board: outcome 13 (2025-Q4), to {CHILDREN}"
        in report
    )
    assert "waymark cannot reach the Teams channel" in report
    async with teams.db.reading() as session:
        [waiting] = await OutboxRepository(session).unsent()
    assert waiting.channel_id == CHILDREN
    assert "add the waymark app to the channel's team" in (waiting.last_error or "")
    [warning] = teams.connector.to(personal_chat_id(ADMIN))[told_before:]
    assert f"I could not post to the Teams channel {CHILDREN}" in warning.words
    async with teams.db.reading() as session:
        [line] = await unreachable_lines(session)
    assert line.startswith(f"Teams channel {CHILDREN} cannot be reached (since 2026-03-02 10:00")

    await install(teams)  # the waiting reminder is brought forward, and goes out once
    await send_nudges(ctx, now)
    assert len(teams.connector.to(CHILDREN)) == 1
    assert len(teams.connector.to(personal_chat_id(ADMIN))) == told_before + 1
    async with teams.db.reading() as session:
        assert await unreachable_lines(session) == []
