"""A reminder posted in a Teams channel is redrawn in place when its reading arrives: the Bot
Connector's update activity (PUT v3/conversations/{id}/activities/{id}) on the same message,
once, and nothing at all for a message deleted since."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.delivery.drain_report import DrainReport
from commands.delivery.outbox import drain
from playground.standin import StandIn, running_standin
from scheduler.jobs import send_reminders
from storage.db import Database
from tests.scheduler.conftest import at
from tests.teams.activities import CHILDREN, card_submit, channel_message
from tests.teams.connector import Sent, find
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness
from tests.teams.mixed.both_platforms import install, jobs

LONDON = ZoneInfo("Europe/London")


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
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as harness:
        await install(harness)
        yield harness


async def remind(teams: TeamsHarness, slack: StandIn, now: datetime) -> Sent:
    await send_reminders(jobs(teams, slack), now)
    [reminder] = teams.connector.to(CHILDREN)
    assert "overdue" in reminder.words
    return reminder


async def pass_of_the_outbox(teams: TeamsHarness, slack: StandIn, now: datetime) -> DrainReport:
    return await drain(teams.db, jobs(teams, slack).messengers, now)


async def test_a_reminder_says_its_reading_arrived_once_a_reply_gives_it(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    reminder = await remind(teams, slack, now)
    reply = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=reminder.id, mention=False
    )
    assert (await teams.send(reply))[0] == 200
    assert teams.connector.updated == []  # queued, not yet sent

    report = await pass_of_the_outbox(teams, slack, now)

    [update] = teams.connector.updated
    assert (update.conversation_id, update.id) == (CHILDREN, reminder.id)
    assert "The 2025-Q4 reading arrived on Mon 2 Mar 2026: 89%." in update.words
    assert "Every reading asked for here has arrived" in update.words
    assert "overdue" not in update.words.lower()
    assert not find(update.card, "Input.Number")  # no box left to give it in
    assert teams.connector.to(CHILDREN) == [reminder]  # the same message, not a new one
    assert report.lines(LONDON) == [
        "Refresh the reminder for outcome 13 in #Children's Trust: done."
    ]

    await pass_of_the_outbox(teams, slack, now)
    assert len(teams.connector.updated) == 1  # once


async def test_a_reading_given_in_the_reminders_boxes_redraws_it_too(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    reminder = await remind(teams, slack, now)
    submit = card_submit(
        teams.service_url,
        {"action": "waymark.submit_reading", "outcome": 13, "value-13": 91, "period-13": ""},
        card_id=reminder.id,
        channel=CHILDREN,
    )
    assert (await teams.send(submit))[0] == 200

    await pass_of_the_outbox(teams, slack, now)

    [update] = teams.connector.updated
    assert update.id == reminder.id
    assert "The 2025-Q4 reading arrived on Mon 2 Mar 2026: 91%." in update.words


async def test_a_deleted_reminder_is_left_alone(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    reminder = await remind(teams, slack, now)
    reply = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=reminder.id, mention=False
    )
    assert (await teams.send(reply))[0] == 200
    teams.connector.deleted.add(reminder.id)
    posted = len(teams.connector.sent)

    [line] = (await pass_of_the_outbox(teams, slack, now)).lines(LONDON)

    assert "nothing to do, the message was deleted" in line
    assert "404" in line
    assert teams.connector.updated == []
    assert len(teams.connector.sent) == posted  # not posted again as a new message
    assert (await pass_of_the_outbox(teams, slack, now)).lines(LONDON) == []


async def test_a_status_card_answering_a_mention_is_redrawn_in_its_thread(
    teams: TeamsHarness, slack: StandIn, now: datetime
) -> None:
    """In a Teams channel an @mention is answered in its thread: the card is a reply there,
    and Teams changes it through the thread's conversation."""
    ask = channel_message(teams.service_url, "outcome 13", channel=CHILDREN)
    assert (await teams.send(ask))[0] == 200
    [card] = teams.connector.in_channel(CHILDREN)
    thread = f"{CHILDREN};messageid={ask['id']}"
    assert card.conversation_id == thread
    assert "overdue" in card.words.lower()

    reply = channel_message(
        teams.service_url, "89 2025-Q4", channel=CHILDREN, thread=ask["id"], mention=False
    )
    assert (await teams.send(reply))[0] == 200
    report = await pass_of_the_outbox(teams, slack, now)

    [update] = teams.connector.updated
    assert (update.conversation_id, update.id) == (thread, card.id)
    assert "89%" in update.words
    assert "2025-Q4" in update.words
    assert "overdue" not in update.words.lower()
    assert [line.split(":")[0] for line in report.lines(LONDON)] == [
        "Refresh the card for outcome 13 in #Children's Trust"
    ]
    await pass_of_the_outbox(teams, slack, now)
    assert len(teams.connector.updated) == 1  # once
