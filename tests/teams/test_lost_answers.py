"""Exactly once in Teams when a post's answer is lost: waymark reads the channel through
Microsoft Graph (a local stand-in) to see whether the message arrived before posting again,
and where it cannot read the channel it parks the message for an operator and tells the
administrators, rather than risk posting it twice."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.teams.graph import ChannelReader
from bot.wiring import Runtime
from commands.delivery.outbox import drain
from config.targets import Target
from playground.standin import StandIn, running_standin
from scheduler.jobs import send_reminders, send_weekly_digest
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import OutboxRepository, PostRepository
from tests.scheduler.conftest import at
from tests.teams.activities import (
    ADMIN,
    CHILDREN,
    TEAM,
    TENANT,
    card_submit,
    channel_message,
    personal_chat_id,
    personal_message,
    removed_from_team,
)
from tests.teams.connector import find, words_of
from tests.teams.graph_stand_in import TOKEN, GraphStandIn
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, serve, teams_harness
from tests.teams.mixed.both_platforms import both_platforms, install, jobs, operator_command

GROUP = "6f0c2a63-0000-4000-8000-00000000c0de"  # the team's Microsoft 365 group
DIGEST = "19:roadmap-digest@thread.tacv2"
REMINDER = "reminder:children:13:2025-Q4:1"
LATER = timedelta(minutes=2)  # past the first retry, when a lost answer is looked into


class ProcessDiedError(BaseException):
    """The process dies here: nothing after it runs."""


@pytest.fixture
def now() -> datetime:
    """Monday 2 March 2026, 10:00 in London: a reminder is due for the Children's Trust Board."""
    return at("2026-03-02T10:00")


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    """waymark in Teams with no credentials, so with no way to read a channel."""
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as harness:
        harness.connector.groups[TEAM] = GROUP
        await install(harness)
        yield harness


@pytest.fixture
async def graph(teams: TeamsHarness, now: datetime) -> AsyncIterator[GraphStandIn]:
    """Graph, and the token waymark's credentials would get for it in the team's tenant."""
    stand_in = GraphStandIn(teams.connector, posted_at=now)
    tenants: list[str | None] = []

    async def token(tenant: str | None) -> str:
        tenants.append(tenant)
        return TOKEN

    async with serve(stand_in.app()) as (_, url):
        stand_in.url = url
        teams.running.messenger.graph = ChannelReader(httpx.AsyncClient(), url, token)
        yield stand_in
    if stand_in.pages_read:
        assert set(tenants) == {TENANT}


async def remind_and_lose_the_answer(teams: TeamsHarness, slack: StandIn, now: datetime) -> None:
    """A reminder pass whose Teams post arrives, but whose answer is lost on the way back."""
    teams.connector.lose_next_answer = True
    await send_reminders(jobs(teams, slack), now)


async def reminder_row(db: Database) -> OutboxMessage:
    async with db.reading() as session:
        row = await OutboxRepository(session).by_key(REMINDER)
    assert row is not None
    return row


async def test_a_reminder_whose_answer_was_lost_is_found_in_the_channel_not_posted_again(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    teams.connector.lose_next_answer = True
    report = await send_reminders(jobs(teams, slack), now)
    assert "Not posted yet: reminder to Children's Trust Board" in report
    assert "Teams answered 504" in report
    [reminder] = teams.connector.to(CHILDREN)  # it arrived; waymark never heard so

    report = await send_reminders(jobs(teams, slack), now + LATER)
    assert report.splitlines()[0] == (
        f"Found already posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), "
        f"to {CHILDREN}."
    )
    assert teams.connector.to(CHILDREN) == [reminder]
    assert graph.pages_read == [CHILDREN]
    row = await reminder_row(teams.db)
    assert (row.state, row.message_id) == ("sent", reminder.id)

    # It works as any reminder does: its box shows errors on the card ...
    submit = card_submit(
        teams.service_url,
        {"action": "waymark.submit_reading", "outcome": 13, "value-13": 140, "period-13": ""},
        card_id=reminder.id,
        channel=CHILDREN,
    )
    status, answer = await teams.send(submit)
    assert (status, answer["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    assert "140 is not a percentage" in "\n".join(words_of(answer["value"]))
    # ... and replies in its thread are readings.
    reply = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=reminder.id, mention=False
    )
    assert (await teams.send(reply))[0] == 200
    [confirmation] = teams.connector.to(f"{CHILDREN};messageid={reminder.id}")
    assert "Recorded outcome 13 (MMR coverage), 2025-Q4: 89%." in confirmation.words


async def test_a_reminder_that_never_arrived_is_posted_again_once(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    teams.connector.refuse_next = 502  # a gateway error: it may or may not have arrived
    await send_reminders(jobs(teams, slack), now)
    assert teams.connector.to(CHILDREN) == []
    assert (await reminder_row(teams.db)).state == "sending"

    report = await send_reminders(jobs(teams, slack), now + LATER)
    assert report.splitlines()[0] == (
        f"Posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), to {CHILDREN}."
    )
    [reminder] = teams.connector.to(CHILDREN)
    assert graph.pages_read == [CHILDREN]
    await send_reminders(jobs(teams, slack), now + timedelta(hours=1))
    assert teams.connector.to(CHILDREN) == [reminder]
    async with teams.db.reading() as session:
        post = await PostRepository(session).find("teams", CHILDREN, reminder.id)
    assert post is not None
    assert post.outcomes == [13]


async def test_the_post_is_found_behind_what_people_wrote_since(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    await remind_and_lose_the_answer(teams, slack, now)
    graph.chatter[CHILDREN] = 5  # five messages since, two to a page: the post is on page 3
    graph.page_size = 2

    await send_reminders(jobs(teams, slack), now + LATER)
    assert len(teams.connector.to(CHILDREN)) == 1
    assert graph.pages_read == [CHILDREN] * 3
    assert (await reminder_row(teams.db)).state == "sent"


async def test_old_messages_reacted_to_since_do_not_end_the_search_early(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    await remind_and_lose_the_answer(teams, slack, now)
    # Three week-old messages got reactions after the post, so Graph lists them before it.
    graph.brought_forward[CHILDREN] = 3
    graph.page_size = 2

    await send_reminders(jobs(teams, slack), now + LATER)
    assert len(teams.connector.to(CHILDREN)) == 1
    assert graph.pages_read == [CHILDREN] * 2
    assert (await reminder_row(teams.db)).state == "sent"


async def test_a_channel_too_busy_to_read_back_far_enough_is_looked_at_again_not_reposted(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    await remind_and_lose_the_answer(teams, slack, now)
    graph.chatter[CHILDREN] = 30
    graph.page_size = 2  # the post is on page 16; waymark reads ten at a time

    report = await send_reminders(jobs(teams, slack), now + LATER)
    assert "read 10 pages of" in report
    assert len(teams.connector.to(CHILDREN)) == 1
    assert (await reminder_row(teams.db)).state == "sending"  # to be looked for again

    graph.page_size = 50
    await send_reminders(jobs(teams, slack), now + timedelta(hours=1))
    assert len(teams.connector.to(CHILDREN)) == 1
    assert (await reminder_row(teams.db)).state == "sent"


async def test_a_post_to_look_for_waits_while_teams_is_not_connected_or_waymark_was_removed(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    await remind_and_lose_the_answer(teams, slack, now)

    # A pass by a waymark without Teams set up: it can neither look nor post.
    slack_only = {"slack": jobs(teams, slack).messengers["slack"]}
    await drain(teams.db, slack_only, now + LATER)
    assert (await reminder_row(teams.db)).state == "sending"

    # waymark is removed from the team, then added again: the post is looked for, not repeated.
    await teams.send(removed_from_team(teams.service_url))
    await send_reminders(jobs(teams, slack), now + timedelta(minutes=10))
    assert (await reminder_row(teams.db)).state == "sending"
    await install(teams)
    await send_reminders(jobs(teams, slack), now + timedelta(hours=1))
    assert len(teams.connector.to(CHILDREN)) == 1
    assert (await reminder_row(teams.db)).state == "sent"


async def test_a_post_an_operator_found_by_hand_reads_replies_in_its_thread(
    teams: TeamsHarness,
    slack: StandIn,
    now: datetime,
    tz: ZoneInfo,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await remind_and_lose_the_answer(teams, slack, now)
    await send_reminders(jobs(teams, slack), now + LATER)
    row = await reminder_row(teams.db)
    assert row.state == "unconfirmed"
    [reminder] = teams.connector.to(CHILDREN)

    rt = Runtime(both_platforms(teams, slack), teams.db, tz, now + timedelta(hours=1))
    # The operator pastes the message's link, as Teams copies it.
    link = (
        "https://teams.microsoft.com/l/message/19%3Achildren-trust%40thread.tacv2/"
        f"{reminder.id}?tenantId={TENANT}&groupId={GROUP}&parentMessageId={reminder.id}"
    )
    posted = operator_command("outbox", "--posted", str(row.id), "--message", link)
    assert await posted.handler(posted, rt) == 0
    assert capsys.readouterr().out == (
        f"Message {row.id} (reminder to Children's Trust Board: outcome 13 (2025-Q4)) is marked "
        "posted; waymark will not post it.\n"
    )
    reply = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=reminder.id, mention=False
    )
    assert (await teams.send(reply))[0] == 200
    [confirmation] = teams.connector.to(f"{CHILDREN};messageid={reminder.id}")
    assert "Recorded outcome 13 (MMR coverage), 2025-Q4: 89%." in confirmation.words
    await send_reminders(jobs(teams, slack), now + timedelta(days=1))
    assert teams.connector.to(CHILDREN) == [reminder]


async def test_without_a_way_to_read_the_channel_the_post_waits_for_an_operator(
    teams: TeamsHarness,
    slack: StandIn,
    now: datetime,
    tz: ZoneInfo,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The administrator has talked to waymark in Teams, so waymark can write to them.
    await teams.send(personal_message(teams.service_url, "outcome help", person=ADMIN))
    told_before = len(teams.connector.to(personal_chat_id(ADMIN)))
    await remind_and_lose_the_answer(teams, slack, now)

    report = await send_reminders(jobs(teams, slack), now + LATER)
    row = await reminder_row(teams.db)
    assert row.state == "unconfirmed"
    assert (
        "Perhaps posted, and waymark cannot check: reminder to Children's Trust Board: "
        f"outcome 13 (2025-Q4), to {CHILDREN} (waymark has no Teams credentials to read the "
        "channel through Microsoft Graph). Look in the channel: if it is there, `waymark "
        f"outbox --posted {row.id}`; if not, `waymark outbox --retry {row.id}`."
    ) in report
    [warning] = teams.connector.to(personal_chat_id(ADMIN))[told_before:]
    assert warning.words.startswith(
        "A message for the Teams channel Children's Trust may or may not have arrived, and I "
        "cannot check"
    )
    begins = "The message begins “Children's Trust Board: 1 reading overdue, outcome 13"
    assert begins in warning.words
    assert "waymark outbox --retry ID" in warning.words

    # No later pass posts it a second time, or tells the administrators again.
    for later in (now + timedelta(hours=1), now + timedelta(days=1)):
        await drain(teams.db, jobs(teams, slack).messengers, later)
    assert len(teams.connector.to(CHILDREN)) == 1
    assert len(teams.connector.to(personal_chat_id(ADMIN))) == told_before + 1

    rt = Runtime(both_platforms(teams, slack), teams.db, tz, now + timedelta(days=1))
    listing = operator_command("outbox")
    assert await listing.handler(listing, rt) == 0
    out = capsys.readouterr().out
    assert f"Unconfirmed ({row.id}): these may have been posted, and waymark could not" in out
    [line] = [line for line in out.splitlines() if line.split()[:1] == [str(row.id)]]
    assert "unconfirmed" in line
    assert "when you have looked" in line

    # Someone deleted it from the channel before the operator looked: post it again, once.
    teams.connector.sent.remove(teams.connector.to(CHILDREN)[0])
    retry = operator_command("outbox", "--retry", str(row.id))
    assert await retry.handler(retry, rt) == 0
    await drain(teams.db, jobs(teams, slack).messengers, now + timedelta(days=1))
    assert len(teams.connector.to(CHILDREN)) == 1
    assert (await reminder_row(teams.db)).state == "sent"


async def test_graph_refusing_to_show_the_channel_parks_the_post(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, now: datetime
) -> None:
    await remind_and_lose_the_answer(teams, slack, now)
    graph.refuse = 403  # the team owner did not grant ChannelMessage.Read.Group

    await send_reminders(jobs(teams, slack), now + LATER)
    row = await reminder_row(teams.db)
    assert row.state == "unconfirmed"
    assert "ChannelMessage.Read.Group" in (row.last_error or "")
    assert len(teams.connector.to(CHILDREN)) == 1


async def test_a_refused_post_is_posted_again_without_looking_for_it(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    # Teams said no, so it was not posted: even with no way to read the channel, the next
    # try posts it, with no operator needed.
    teams.connector.refuse_next = 403
    await send_reminders(jobs(teams, slack), now)
    assert teams.connector.to(CHILDREN) == []

    await send_reminders(jobs(teams, slack), now + LATER)
    assert len(teams.connector.to(CHILDREN)) == 1
    assert (await reminder_row(teams.db)).state == "sent"


async def test_a_digest_found_after_its_answer_was_lost_gets_its_chart_once(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn
) -> None:
    await teams.send(channel_message(teams.service_url, "hello", channel=DIGEST))
    said_hello = len(teams.connector.in_channel(DIGEST))
    ctx = jobs(teams, slack, digest=(Target("teams", DIGEST),))
    teams.connector.lose_next_answer = True
    await send_weekly_digest(ctx, at("2026-03-02T09:30"))
    [digest] = teams.connector.in_channel(DIGEST)[said_hello:]  # no chart: its answer was lost

    report = await send_weekly_digest(ctx, at("2026-03-02T09:40"))
    assert report.startswith("Found already posted: digest for the week of Mon 2 Mar 2026")
    await teams.settle()
    [found, chart] = teams.connector.in_channel(DIGEST)[said_hello:]
    assert found == digest
    assert chart.conversation_id == f"{DIGEST};messageid={digest.id}"
    assert find(chart.card, "Image")[0]["url"].startswith("data:image/png;base64,")

    await send_weekly_digest(ctx, at("2026-03-02T11:00"))
    assert len(teams.connector.in_channel(DIGEST)) == said_hello + 2


async def test_a_chart_already_in_the_thread_is_not_posted_again(
    teams: TeamsHarness, graph: GraphStandIn, slack: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    await teams.send(channel_message(teams.service_url, "hello", channel=DIGEST))
    said_hello = len(teams.connector.in_channel(DIGEST))
    ctx = jobs(teams, slack, digest=(Target("teams", DIGEST),))

    async def dies(*args: object, **kwargs: object) -> bool:
        raise ProcessDiedError

    # The digest and its chart are posted; waymark dies before it records that.
    monkeypatch.setattr(OutboxRepository, "mark_sent", dies)
    with pytest.raises(ProcessDiedError):
        await send_weekly_digest(ctx, at("2026-03-02T09:30"))
    monkeypatch.undo()
    posted = teams.connector.in_channel(DIGEST)[said_hello:]
    assert len(posted) == 2

    await send_weekly_digest(ctx, at("2026-03-02T09:40"))  # its claim has run out
    await teams.settle()
    assert teams.connector.in_channel(DIGEST)[said_hello:] == posted
