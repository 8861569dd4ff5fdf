"""Reminders and the digest reaching Teams and Slack channels through the outbox, each once;
readings given in a Teams reminder's thread and in its card; channels waymark cannot reach."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.messengers import close_messengers, messengers_from
from bot.slack.messenger import SlackMessenger, posting_client
from bot.wiring import Runtime, timetable_from
from commands.delivery.conversation_book import unreachable_lines
from commands.delivery.targets import Target
from commands.errors import UserError
from commands.ports import Messenger
from config.settings import Settings
from playground.standin import BOT_TOKEN, StandIn, running_standin
from scheduler.jobs import JobContext, send_reminders, send_weekly_digest
from storage.db import Database
from storage.repositories import (
    ConversationRefRepository,
    OutboxRepository,
    ReadingRepository,
    RoadmapRepository,
)
from tests.scheduler.conftest import at
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
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness, teams_settings

TEAMS_DIGEST = "19:roadmap-digest@thread.tacv2"
SLACK_DIGEST = "C0DIGEST"
PROGRAMME = "C0PROGRAMME"
ECONOMY = "C0ECONOMY01"


@pytest.fixture
def now() -> datetime:
    """Monday 2 March 2026, 10:00 in London: reminders and the digest are due."""
    return at("2026-03-02T10:00")


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as harness:
        yield harness


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


async def test_one_reminder_run_reminds_the_teams_and_the_slack_group_once_each(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    await install(teams)
    ctx = jobs(teams, slack)
    report = await send_reminders(ctx, now)
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

    again = await send_reminders(ctx, now)
    assert again.startswith("No reminders to post")
    assert len(teams.connector.to(CHILDREN)) == 1
    assert len(slack.posts) == 1


async def test_one_digest_run_reaches_the_teams_and_the_slack_channel_once_each(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    await install(teams)
    await teams.send(channel_message(teams.service_url, "hello", channel=TEAMS_DIGEST))
    said_hello = len(teams.connector.in_channel(TEAMS_DIGEST))
    ctx = jobs(teams, slack, digest=(Target("teams", TEAMS_DIGEST), Target("slack", SLACK_DIGEST)))
    digest_time = at("2026-03-02T09:30")

    report = await send_weekly_digest(ctx, digest_time)
    assert report.splitlines() == [
        f"Posted: digest for the week of Mon 2 Mar 2026, to {TEAMS_DIGEST}.",
        f"Posted: digest for the week of Mon 2 Mar 2026, to {SLACK_DIGEST}.",
    ]
    await teams.settle()
    digest, chart = teams.connector.in_channel(TEAMS_DIGEST)[said_hello:]
    assert digest.conversation_id == TEAMS_DIGEST
    assert find(digest.card, "Table")
    assert chart.conversation_id == f"{TEAMS_DIGEST};messageid={digest.id}"
    assert find(chart.card, "Image")[0]["url"].startswith("data:image/png;base64,")
    assert [(m.channel, m.key) for m in slack.posts] == [
        (SLACK_DIGEST, "digest:C0DIGEST:2026-03-02")
    ]
    assert "Road map digest: week of Mon 2 Mar 2026" in slack.posts[0].words

    again = await send_weekly_digest(ctx, digest_time)
    assert again.splitlines() == [
        f"The digest for the week of Mon 2 Mar 2026 to {TEAMS_DIGEST} was posted already, on "
        "Mon 2 Mar 2026, 09:30; nothing posted.",
        f"The digest for the week of Mon 2 Mar 2026 to {SLACK_DIGEST} was posted already, on "
        "Mon 2 Mar 2026, 09:30; nothing posted. Use --force to post it again.",
    ]
    await send_weekly_digest(ctx, at("2026-03-02T11:00"))  # the scheduler's later passes too
    assert len(teams.connector.in_channel(TEAMS_DIGEST)) == said_hello + 2
    assert len(slack.posts) == 1

    forced = await send_weekly_digest(ctx, digest_time, force=True)
    assert forced.splitlines() == [
        f"Posted: digest for the week of Mon 2 Mar 2026, to {TEAMS_DIGEST}.",
        f"Posted: digest for the week of Mon 2 Mar 2026, to {SLACK_DIGEST}.",
    ]
    assert slack.post_keys()[1:] == ["digest:C0DIGEST:2026-03-02:again-1"]


async def test_waymark_digest_posts_to_a_slack_and_a_teams_channel_once_from_one_run(
    teams: TeamsHarness, slack: StandIn, capsys: pytest.CaptureFixture[str], tz: ZoneInfo
) -> None:
    """The operator's command, with WAYMARK_DIGEST_CHANNEL naming a channel on each platform:
    its messengers come from the settings, as `waymark digest` builds them."""
    await install(teams)
    await teams.send(channel_message(teams.service_url, "hello", channel=TEAMS_DIGEST))
    said_hello = len(teams.connector.in_channel(TEAMS_DIGEST))
    settings = both_platforms(
        teams, slack, WAYMARK_DIGEST_CHANNEL=f"{SLACK_DIGEST}, teams:{TEAMS_DIGEST}"
    )
    rt = Runtime(settings, teams.db, tz, at("2026-03-02T09:30"))
    args = operator_command("digest")

    assert await args.handler(args, rt) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Posted: digest for the week of Mon 2 Mar 2026, to {SLACK_DIGEST}.",
        f"Posted: digest for the week of Mon 2 Mar 2026, to {TEAMS_DIGEST}.",
    ]
    assert await args.handler(args, rt) == 0
    assert "nothing posted. Use --force to post it again." in capsys.readouterr().out
    assert [m.channel for m in slack.posts] == [SLACK_DIGEST]
    await teams.settle()
    digest = teams.connector.in_channel(TEAMS_DIGEST)[said_hello]
    assert digest.conversation_id == TEAMS_DIGEST
    assert len(teams.connector.in_channel(TEAMS_DIGEST)) == said_hello + 2  # the digest, its chart


async def test_a_teams_groups_escalation_goes_to_the_slack_programme_channel(
    teams: TeamsHarness, slack: StandIn
) -> None:
    """The programme team is in Slack; the Children's Trust Board meets in Teams. Its reading
    14 days overdue is escalated in the programme's Slack channel, through the Slack messenger,
    while the group itself is reminded in Teams."""
    await install(teams)
    ctx = jobs(teams, slack, programme=Target("slack", PROGRAMME))
    fortnight_late = at("2026-03-16T10:00")  # 2025-Q4 was due Sun 1 Mar

    report = await send_reminders(ctx, fortnight_late)
    assert (
        "Posted: escalation for Children's Trust Board: outcome 13 (2025-Q4), to "
        f"{PROGRAMME}." in report.splitlines()
    )
    [escalation] = [m for m in slack.in_channel(PROGRAMME) if "children" in (m.key or "")]
    assert escalation.key == "escalation:children:13:2025-Q4:3"
    assert "Escalation: Children's Trust Board" in escalation.words
    assert teams.connector.to(PROGRAMME) == []
    assert len(teams.connector.to(CHILDREN)) == 1  # the group's own reminder, in Teams
    async with teams.db.reading() as session:
        row = await OutboxRepository(session).by_key("escalation:children:13:2025-Q4:3")
    assert row is not None
    assert (row.platform, row.channel_id, row.state) == ("slack", PROGRAMME, "sent")

    await send_reminders(ctx, fortnight_late)
    assert len([m for m in slack.in_channel(PROGRAMME) if "children" in (m.key or "")]) == 1


async def test_a_reply_in_the_reminders_thread_is_a_reading(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    await install(teams)
    await send_reminders(jobs(teams, slack), now)
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
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    await install(teams)
    await send_reminders(jobs(teams, slack), now)
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
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    await install(teams)
    await send_reminders(jobs(teams, slack), now)
    [reminder] = teams.connector.to(CHILDREN)

    def submit(value: object, period: str = "", note: str = "") -> dict[str, object]:
        return card_submit(
            teams.service_url,
            {
                "action": "waymark.submit_reading",
                "outcome": 13,
                "value-13": value,
                "period-13": period,
                "note-13": note,
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

    # At risk, so the card asks for a line on what is being done, under the note box.
    status, answer = await teams.send(submit(88, "2025-Q4"))
    words = "\n".join(words_of(answer["value"]))
    assert "88% for 2025-Q4 is at risk" in words
    assert "say in a line what is being done about it" in words
    assert teams.connector.to(f"{CHILDREN};messageid={reminder.id}") == []

    status, answer = await teams.send(submit(88, "2025-Q4", "GP reminder texts from April"))
    words = "\n".join(words_of(answer["value"]))
    assert "✅ Recorded outcome 13 (MMR coverage), 2025-Q4: 88%." in words
    assert find(answer["value"], "Input.Number") == []
    [confirmation] = teams.connector.to(f"{CHILDREN};messageid={reminder.id}")
    assert "Recorded outcome 13 (MMR coverage), 2025-Q4: 88%." in confirmation.words


async def test_a_group_whose_teams_channel_cannot_be_reached_is_reported_then_served(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    # The administrator has talked to waymark in Teams, so waymark can write to them.
    await teams.send(personal_message(teams.service_url, "outcome help", person=ADMIN))
    told_before = len(teams.connector.to(personal_chat_id(ADMIN)))
    ctx = jobs(teams, slack)
    report = await send_reminders(ctx, now)
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
    await send_reminders(ctx, now)
    assert len(teams.connector.to(CHILDREN)) == 1
    assert len(teams.connector.to(personal_chat_id(ADMIN))) == told_before + 1
    async with teams.db.reading() as session:
        assert await unreachable_lines(session) == []


async def test_waymark_outbox_lists_the_teams_channels_it_cannot_reach_yet(
    teams: TeamsHarness,
    slack: StandIn,
    now: datetime,
    tz: ZoneInfo,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rt = Runtime(both_platforms(teams, slack), teams.db, tz, now)
    outbox = operator_command("outbox")
    await send_reminders(jobs(teams, slack), now)  # waymark is in no team yet

    assert await outbox.handler(outbox, rt) == 0
    waiting, posted = capsys.readouterr().out.split("Recently posted:")
    assert "reminder to Children's Trust Board" in waiting
    [line] = waiting.split("\nChannels waymark cannot reach yet:\n")[1].strip().splitlines()
    assert line.startswith(
        f"- Teams channel {CHILDREN} cannot be reached (since 2026-03-02 10:00 UTC): waymark "
        "is not installed in the channel's team. Add the waymark app to that channel's team"
    )
    assert "reminder to Inclusive Economy Board" in posted  # Slack's went out meanwhile

    await install(teams)
    await send_reminders(jobs(teams, slack), now)
    assert await outbox.handler(outbox, rt) == 0
    out = capsys.readouterr().out
    assert "cannot reach" not in out
    assert "Nothing is waiting to be posted, and nothing has failed." in out


async def test_a_run_needs_a_connection_only_to_the_platforms_it_posts_to(
    teams: TeamsHarness, slack: StandIn
) -> None:
    teams_only = Settings.model_validate(
        {"WAYMARK_DIGEST_CHANNEL": f"teams:{TEAMS_DIGEST}", "SLACK_BOT_TOKEN": BOT_TOKEN}
    )
    # The digest goes to Teams alone, and Teams is not set up.
    with pytest.raises(UserError) as caught:
        await messengers_from(teams_only, teams.db, reminders=False)
    assert str(caught.value) == (
        "TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID are not set: waymark needs "
        f"the Teams app's credentials to post to the digest channel {TEAMS_DIGEST}. Set them "
        "(see README, 'Installing in Teams'), or add --dry-run to see what would be posted."
    )
    # Reminders go to a group in Teams too, and to one in Slack, with no token for it.
    with pytest.raises(UserError) as caught:
        await messengers_from(Settings.model_validate({}), teams.db, digest=False)
    [slack_line, teams_line] = str(caught.value).splitlines()
    assert slack_line.startswith(
        "SLACK_BOT_TOKEN is not set: waymark needs the bot token (xoxb-…) to post to "
        "Inclusive Economy Board's channel."
    )
    assert teams_line.startswith(
        "TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID are not set: waymark needs "
        "the Teams app's credentials to post to Children's Trust Board's channel."
    )
    # A digest to Teams alone needs no Slack token.
    settings = both_platforms(teams, slack, WAYMARK_DIGEST_CHANNEL=f"teams:{TEAMS_DIGEST}")
    messengers = await messengers_from(
        settings.model_copy(update={"slack_bot_token": None}), teams.db, reminders=False
    )
    assert set(messengers) == {"teams"}
    await close_messengers(messengers)
