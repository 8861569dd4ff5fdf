"""People by name and targets with their history, as Slack users see them through `/outcome`."""

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from commands.roadmap_files.importing import import_roadmap
from config import EXAMPLE_ROADMAP
from storage.db import Database
from tests.slack.harness import CHILDREN, GENERAL, LEAD, OUTSIDER, SlackHarness, slack_harness
from tests.slack.test_outcome_command import text_of


@pytest.fixture
async def example(db: Database, now: datetime, tz: ZoneInfo) -> AsyncIterator[SlackHarness]:
    """waymark's Slack app with the example road map, its people and its revised target."""
    async with db.transaction() as session:
        await import_roadmap(session, EXAMPLE_ROADMAP, actor="tests", now=now, tz=tz)
    async with slack_harness(db.url.render_as_string(hide_password=False), now) as harness:
        yield harness


async def test_history_and_the_card_name_people_not_their_ids(example: SlackHarness) -> None:
    """The tried case: "history and the CLI show U0CTBLEAD01 where people expect a name"."""
    history = text_of(await example.command(OUTSIDER, GENERAL, "12 history"))
    assert "David Okafor" in history
    assert "Claire Bennett" in history
    assert "Joanne Clarke" in history
    assert "U0CTBLEAD01" not in history
    assert "U0ADMIN0001" not in history
    card = text_of(await example.command(OUTSIDER, GENERAL, "12"))
    assert "Latest reading submitted by David Okafor on" in card
    assert "U0CTBLEAD01" not in card


async def test_history_keeps_the_status_each_reading_was_given(example: SlackHarness) -> None:
    """Outcome 12's 2027 milestone was raised from 88% to 89% on 2 September 2025. Its 2025-Q1
    reading, 85.4%, was at risk against an expected 86.31% (85.7 + 2.3 x 365/1370); against
    today's targets, 86.58%, it would be off track. History shows what it was given."""
    history = text_of(await example.command(OUTSIDER, GENERAL, "12 history"))
    assert "86.31%" in history
    assert "At risk (rated against the targets before 2 Sep 2025)" in history
    assert "Targets revised on 2 Sep 2025" in history
    # Readings recorded after the revision are rated against today's targets, unmarked.
    assert history.count("rated against the targets before") == 4


async def test_targets_lists_each_revision_with_who_when_and_why(example: SlackHarness) -> None:
    words = text_of(await example.command(OUTSIDER, GENERAL, "12 targets"))
    assert "12. Luton children are protected from preventable disease: targets" in words
    assert (
        "Now: baseline 85.7% in 2024-Q1; milestones 89% by 2027-Q4, 93% by 2031-Q4, 95% by "
        "2040; tolerance 1 percentage point." in words
    )
    assert "Revised on 2 Sep 2025 by Joanne Clarke" in words
    assert "Why: Children's Trust Board, 2 September 2025" in words
    assert "Changed: milestones 2027-Q4:88;2031-Q4:93;2040:95 → 2027-Q4:89;2031-Q4:93;2040:95" in (
        words
    )
    words = text_of(await example.command(OUTSIDER, GENERAL, "13 targets"))
    assert "they have never been revised" in words


async def test_a_slack_users_name_comes_from_slack_once(slack: SlackHarness) -> None:
    await slack.command(LEAD, CHILDREN, "12 submit 31.5% 2025/26")
    await slack.command(LEAD, CHILDREN, "13")
    card = text_of(await slack.command(OUTSIDER, GENERAL, "12"))
    assert "Latest reading submitted by Priya Shah on" in card
    assert "U0CHILDLEAD" not in text_of(await slack.command(OUTSIDER, GENERAL, "12 history"))
    asked = [call["user"] for call in slack.calls("users.info")]
    assert asked.count(LEAD.id) == 1


async def test_someone_slack_cannot_name_is_shown_by_their_id(slack: SlackHarness) -> None:
    slack.workspace.faults.fail_next("users.info", "missing_scope", times=None)
    await slack.command(LEAD, CHILDREN, "12 submit 31.5% 2025/26")
    card = text_of(await slack.command(OUTSIDER, GENERAL, "12"))
    assert "Latest reading submitted by U0CHILDLEAD on" in card
