"""Reminders and the digest reaching Teams and Slack channels through the outbox, each once;
readings given in a Teams reminder's thread and in its card; channels waymark cannot reach."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.teams.door import ServiceUrls
from bot.wiring import Runtime
from config.targets import Target
from playground.standin import StandIn
from scheduler.jobs import send_reminders, send_weekly_digest
from storage.conversation_models import ConversationRef
from storage.repositories import (
    ConversationRefRepository,
    OutboxRepository,
)
from tests.scheduler.conftest import at
from tests.teams.activities import (
    CHILDREN,
    channel_message,
    removed_from_team,
)
from tests.teams.connector import find
from tests.teams.harness import TeamsHarness
from tests.teams.mixed.both_platforms import (
    ECONOMY,
    PROGRAMME,
    SLACK_DIGEST,
    TEAMS_DIGEST,
    both_platforms,
    install,
    jobs,
    operator_command,
)


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
    # "Last reading:" starts a line of its own rather than run on from the sentence before.
    lines = [b["text"] for b in find(reminder.card, "TextBlock")]
    assert any(line.startswith("Last reading: 2024-Q3, 85.5%") for line in lines), lines
    [box] = find(reminder.card, "Input.Number")
    assert box["id"] == "value-13"
    [submit] = [a for a in find(reminder.card, "Action.Execute") if a["title"] == "Submit reading"]
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
    # Its lists are a line each, not one run-on paragraph.
    lines = [b["text"] for b in find(digest.card, "TextBlock")]
    assert lines[lines.index("Overdue readings by group") + 1 :][:2] == [
        "• Children's Trust Board: outcome 13 (2025-Q4, 1 day)",
        "• Inclusive Economy Board: outcome 20 (2024, 156 days)",
    ]
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


async def test_remind_without_a_slack_token_reminds_teams_and_holds_slacks_part(
    teams: TeamsHarness, slack: StandIn, tz: ZoneInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A road map in Slack and Teams, run by someone with only Teams' credentials: the Teams
    group is reminded, and the Slack group's reminder waits in the outbox, said in one line."""
    await install(teams)
    settings = both_platforms(teams, slack).model_copy(update={"slack_bot_token": None})
    rt = Runtime(settings, teams.db, tz, at("2026-03-02T10:00"))
    args = operator_command("remind", "--at", "2026-03-02T10:00")

    assert await args.handler(args, rt) == 0
    out = capsys.readouterr().out
    assert (
        f"Posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), to {CHILDREN}." in out
    )
    assert (
        "SLACK_BOT_TOKEN is not set, so nothing was posted to Inclusive Economy Board's channel: "
        "those messages wait in the outbox (`waymark outbox`) and go at the next pass once it "
        "is. Set it." in out
    )
    assert len(teams.connector.to(CHILDREN)) == 1
    assert slack.posts == []
    async with teams.db.reading() as session:
        held = await OutboxRepository(session).by_key("reminder:economy:20:2024:4")
    assert held is not None
    assert held.sent_at is None


async def test_a_channel_kept_with_an_address_no_longer_allowed_is_not_posted_to(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    """A conversation's address kept under an earlier configuration, pointing somewhere that is
    neither the Bot Framework nor TEAMS_SERVICE_URL, is not posted through (the bot's token
    goes wherever it points): the reminder waits in the outbox, which says why, and goes once
    waymark is addressed in the channel and Teams gives it its address again."""
    await install(teams)
    # As deployed with Teams credentials (the harness is a local trial, which allows any).
    messenger = teams.running.messenger
    messenger.service_urls = ServiceUrls(both_platforms(teams, slack), local_trial=False)
    async with teams.db.transaction() as session:
        await session.execute(
            update(ConversationRef)
            .where(ConversationRef.conversation_id == CHILDREN)
            .values(service_url="https://bots.example.org/")
        )
    ctx = jobs(teams, slack)
    report = await send_reminders(ctx, now)
    assert (
        "Not posted yet: reminder to Children's Trust Board: outcome 13 (2025-Q4), to "
        f"{CHILDREN} (waymark cannot reach the Teams channel {CHILDREN} as its address is not "
        "one waymark posts to any more: add the waymark app to the channel's team, or "
        "@mention waymark in the channel once)" in report
    ), report
    assert teams.connector.to(CHILDREN) == []

    await teams.send(channel_message(teams.service_url, "@waymark outcome 13", channel=CHILDREN))
    later = await send_reminders(ctx, now + timedelta(minutes=5))
    assert f"Posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), to {CHILDREN}." in (
        later
    ), later
    [reminder] = teams.connector.to(CHILDREN)
    assert "Overdue readings: Children's Trust Board" in reminder.words
