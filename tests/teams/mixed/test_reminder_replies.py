"""Replies, boxes and unreachable channels for reminders on Slack and Teams together."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.messengers import close_messengers, messengers_from
from bot.wiring import Runtime
from commands.delivery.conversation_book import unreachable_lines
from commands.errors import UserError
from config.settings import Settings
from playground.standin import BOT_TOKEN, StandIn
from scheduler.jobs import send_reminders
from storage.repositories import (
    OutboxRepository,
    ReadingRepository,
    RoadmapRepository,
)
from tests.teams.activities import (
    ADMIN,
    CHILDREN,
    LEAD,
    OUTSIDER,
    card_submit,
    channel_message,
    personal_chat_id,
    personal_message,
)
from tests.teams.connector import find, words_of
from tests.teams.harness import TeamsHarness
from tests.teams.mixed.both_platforms import (
    TEAMS_DIGEST,
    both_platforms,
    install,
    jobs,
    operator_command,
)


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
