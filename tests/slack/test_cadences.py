"""Academic years and pooled three-year periods, as leads report them in Slack: the card's due
period, submitting with and without a period, a thread reply, the mistakes people make, and
history with its chart."""

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from tests.factories import CADENCE_OUTCOMES, CADENCE_READINGS, GROUPS, load_roadmap
from tests.slack.harness import ADMIN, CHILDREN, GENERAL, LEAD, SlackHarness, slack_harness
from tests.slack.test_outcome_command import text_of
from tests.slack.test_thread_readings import readings_of, shared_card


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    more = tmp_path / "cadences"
    more.mkdir()
    (more / "groups.csv").write_text(GROUPS)
    (more / "outcomes.csv").write_text(CADENCE_OUTCOMES)
    (more / "readings.csv").write_text(CADENCE_READINGS)
    async with db.transaction() as session:
        await import_roadmap(session, more, actor="tests", now=now, tz=tz)
    async with slack_harness(db.url.render_as_string(hide_password=False), now) as harness:
        yield harness


async def test_the_cards_show_the_due_period_of_each_cadence(slack: SlackHarness) -> None:
    pooled = text_of(await slack.command(LEAD, CHILDREN, "21"))
    assert "OVERDUE: 2022-24, due Tue 24 Feb 2026" in pooled
    assert "78.2 years for 2021-23" in pooled
    assert "78.8 years by 2026-28" in pooled
    academic = text_of(await slack.command(LEAD, CHILDREN, "22"))
    assert "2024/25 received (was due Tue 28 Apr 2026)" in academic


async def test_submitting_for_pooled_and_academic_periods(slack: SlackHarness) -> None:
    # At risk (the path expects 78.33, then 78.45), so each comes with a line on what is being
    # done.
    words = text_of(await slack.command(LEAD, CHILDREN, "21 submit 78.3 NHS Health Checks"))
    assert "Recorded outcome 21 (Male life expectancy at birth), 2022-24: 78.3 years" in words
    words = text_of(await slack.command(LEAD, CHILDREN, "21 submit 78.4 2023-25 Health Checks"))
    assert "2023-25: 78.4 years" in words
    words = text_of(await slack.command(ADMIN, GENERAL, "22 submit 73% 2025/26"))
    assert "Recorded outcome 22 (Level 2 English and maths by 19), 2025/26: 73%" in words
    assert [(p, v) for p, v, _ in await readings_of(slack, 21)] == [
        ("2021-23", 78.2),
        ("2022-24", 78.3),
        ("2023-25", 78.4),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "21 submit 78.4 2023-24",
            "'2023-24' is not a 3-year period: it runs from its first year to its last, 3 "
            "calendar years in all, as in 2023-25. Outcome 21 is reported for three calendar "
            "years pooled, a new period each year (2021-23).",
        ),
        ("21 submit 78.4 2025", "pooled_3y periods are written like 2021-23 (1 January 2021"),
        (
            "21 submit 78.4 2024-26",
            "2024-26 has not ended yet (it ends on 31 December 2026), so it cannot have a "
            "reading. Give a period that has ended, like 2023-25.",
        ),
        ("22 submit 73 2025-26", "academic_year periods are written like 2024/25 (1 September"),
        ("22 submit 73 2026/27", "2026/27 has not ended yet (it ends on 31 August 2027)"),
    ],
)
async def test_a_wrong_period_says_how_to_write_it_and_changes_nothing(
    slack: SlackHarness, text: str, says: str
) -> None:
    number = int(text.split()[0])
    before = await readings_of(slack, number)
    assert says in text_of(await slack.command(LEAD, CHILDREN, text))
    assert await readings_of(slack, number) == before


async def test_a_thread_reply_names_a_pooled_period(slack: SlackHarness) -> None:
    thread = await shared_card(slack, 21)
    await slack.reply(LEAD, CHILDREN, thread, "78.4 2023-25 provisional")
    [confirmation] = slack.bot_replies(CHILDREN, thread)
    assert "2023-25: 78.4 years" in confirmation.text
    assert ("2023-25", 78.4, True) in await readings_of(slack, 21)


async def test_history_of_a_pooled_measure_has_its_chart(slack: SlackHarness) -> None:
    words = text_of(await slack.command(LEAD, CHILDREN, "21 history"))
    assert "2021-23" in words
    assert len(slack.calls("files.completeUploadExternal")) == 1


async def test_the_form_for_a_pooled_measure_says_how_periods_are_written(
    slack: SlackHarness,
) -> None:
    thread = await shared_card(slack, 21)
    await slack.playground.people.click(
        LEAD.id, action_id="waymark.submit_reading", channel_id=CHILDREN, message_ts=thread
    )
    await slack.settle()
    [view] = [v for v in slack.workspace.views.values() if v.user_id == LEAD.id]
    period = next(b for b in view.spec["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_value"] == "2022-24"  # the due period, filled in
    assert period["hint"]["text"] == (
        "Pooled_3y periods are written like 2021-23 (1 January 2021 to 31 December 2023)."
    )
    bad = await slack.playground.people.submit(
        LEAD.id, view.id, {"value": "78.3", "period": "2022-23"}
    )
    assert "'2022-23' is not a 3-year period" in bad.errors["period"]
    good = await slack.playground.people.submit(
        LEAD.id, view.id, {"value": "78.3", "period": "2022-24", "note": "NHS Health Checks"}
    )  # at risk, so with a line on what is being done
    assert good.errors == {}
    await slack.settle()
    assert ("2022-24", 78.3, True) in await readings_of(slack, 21)
