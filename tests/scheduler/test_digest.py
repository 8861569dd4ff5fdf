"""The weekly digest as the programme board reads it: what it says, when it arrives, once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.slack import render
from bot.slack.messenger import SlackMessenger, posting_client
from commands.comparators.importing import import_comparators
from commands.digest.weekly import build_digest
from commands.domain.calendar import Timetable
from commands.reminders.bank_holidays import england_and_wales
from commands.roadmap_files.importing import import_roadmap
from config.targets import Target
from playground.standin import BOT_TOKEN, StandIn, running_standin
from scheduler.jobs import JobContext, send_weekly_digest
from storage.db import Database
from storage.repositories import DigestRepository
from tests.factories import GROUPS, OUTCOMES, READINGS
from tests.scheduler.conftest import DIGEST, LONDON, at, context, days, local_times, run
from tests.scheduler.fakes import FakeMessenger

# Outcome 40 is monthly with a 20-day lag: its first reading, February 2026, is due Fri 20 Mar.
HOUSING = "40,Fewer empty homes,Housing,Long-term empty homes,count,lower_is_better,monthly,20,2026-01,900,2030-12:500,5%,economy,\n"  # noqa: E501

# In the week from Mon 2 Mar 09:00 to Mon 9 Mar 09:00:
# - outcome 13's 2025-Q3 reading, 86.2 (it was 85.5 for 2024-Q3);
# - outcome 12's 2024/25 reading corrected from 36 to 35;
# - outcome 20's first reading, 94,000 for 2024;
# and one after the week ends, which waits for next week's digest.
WEEK_READINGS = (
    READINGS
    + "13,2025-Q3,86.2,U0CHILDLEAD,2026-03-03T10:15:00Z,\n"
    + "12,2024/25,35,U0CHILDLEAD,2026-03-05T14:00:00Z,DWP revised figure\n"
    + "20,2024,94000,U0ECONLEAD1,2026-03-06T16:30:00Z,\n"
    + "20,2025,95000,U0ECONLEAD1,2026-03-09T11:00:00Z,\n"
)


def write(directory: Path, outcomes: str, readings: str) -> Path:
    directory.mkdir()
    (directory / "groups.csv").write_text(GROUPS)
    (directory / "outcomes.csv").write_text(outcomes)
    (directory / "readings.csv").write_text(readings)
    return directory


async def load(db: Database, directory: Path, outcomes: str, readings: str) -> None:
    write(directory, outcomes, readings)
    async with db.transaction() as session:
        await import_roadmap(
            session, directory, actor="tests", now=at("2026-03-09T12:00"), tz=LONDON
        )


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


def slack_ctx(db: Database, slack: StandIn) -> JobContext:
    messenger = SlackMessenger(posting_client(BOT_TOKEN, slack.api_url), interval=0)
    return JobContext(
        db,
        {"slack": messenger},
        Timetable(LONDON, bank_holidays=england_and_wales),
        digest_targets=(Target("slack", DIGEST),),
    )


async def test_the_digest_reports_the_week(db: Database, tmp_path: Path, slack: StandIn) -> None:
    await load(db, tmp_path / "map", OUTCOMES + HOUSING, WEEK_READINGS)

    summary = await send_weekly_digest(slack_ctx(db, slack), at("2026-03-09T09:00"))

    assert summary == f"Posted: digest for the week of Mon 9 Mar 2026, to {DIGEST}."
    (message,) = slack.in_channel(DIGEST)
    assert message.key == "digest:C0DIGEST:2026-03-09"
    words = message.words
    assert "Road map digest: week of Mon 9 Mar 2026" in words
    assert "4 outcomes: 1 on track, 1 at risk, 1 off track, 1 no data." in words
    # Per area, as fields and as a table in a code block (outcome 12 on track after its
    # correction, 13 off track, 20 at risk, 40 without data).
    assert "*Child friendly town*\n1 on track, 0 at risk, 1 off track, 0 no data" in words
    table = next(t for t in re.findall(r"```\n(.*?)\n```", words, re.S))
    header, _, *rows = [re.split(r"\s{2,}", row.strip()) for row in table.splitlines()]
    assert header == ["Priority area", "On track", "At risk", "Off track", "No data"]
    assert rows == [
        ["Child friendly town", "1", "0", "1", "0"],
        ["Inclusive economy", "0", "1", "0", "0"],
        ["Housing", "0", "0", "0", "1"],
        ["All areas", "1", "1", "1", "1"],
    ]
    assert "• Outcome 13, MMR coverage: 2025-Q3 86.2%, improving (was 85.5% in 2024-Q3)" in words
    assert "• Outcome 20, Jobs in the town: 2024 94,000, the first reading" in words
    assert "2025 95,000" not in words  # received after the week ended
    assert "• Outcome 12, 2024/25: 36% corrected to 35% (DWP revised figure)" in words
    assert "• Outcome 12, Fewer children grow up in poverty: at risk → on track" in words
    assert "• Outcome 13, More children are vaccinated: at risk → off track" in words
    assert "• Outcome 20, More jobs in the town: no data → at risk" in words
    assert "• Children's Trust Board: outcome 13 (2025-Q4, 8 days)" in words
    assert (
        "• Outcome 40, Long-term empty homes: 2026-02 due Fri 20 Mar 2026, "
        "Inclusive Economy Board" in words
    )
    (chart,) = slack.charts()
    assert chart.filename == "status-by-area.png"
    images = [b for b in message.blocks if b["type"] == "image"]
    assert [i["slack_file"]["id"] for i in images] == [chart.file_id]  # shown in the digest
    assert chart.data.startswith(b"\x89PNG")
    assert chart.alt_txt is not None
    assert "Child friendly town: 1 on track, 0 at risk, 1 off track" in chart.alt_txt


async def test_the_digest_names_who_sent_each_reading(
    db: Database, tmp_path: Path, slack: StandIn
) -> None:
    directory = write(tmp_path / "map", OUTCOMES + HOUSING, WEEK_READINGS)
    (directory / "people.csv").write_text(
        "platform,user_id,name,organisation\nslack,U0CHILDLEAD,Priya Shah,Luton Council\n"
    )
    async with db.transaction() as session:
        await import_roadmap(
            session, directory, actor="tests", now=at("2026-03-09T12:00"), tz=LONDON
        )

    await send_weekly_digest(slack_ctx(db, slack), at("2026-03-09T09:00"))

    (message,) = slack.in_channel(DIGEST)
    words = message.words
    assert "2025-Q3 86.2%, improving (was 85.5% in 2024-Q3), from Priya Shah" in words
    assert "36% corrected to 35% (DWP revised figure), by Priya Shah" in words
    # Nobody has named the economy lead: shown by their id, never an error.
    assert "2024 94,000, the first reading, from U0ECONLEAD1" in words
    assert "U0CHILDLEAD" not in words


async def test_the_digest_sets_englands_latest_figure_beside_a_reading_received(
    db: Database, tmp_path: Path, slack: StandIn
) -> None:
    await load(db, tmp_path / "map", OUTCOMES + HOUSING, WEEK_READINGS)
    figures = tmp_path / "comparators.csv"
    figures.write_text(
        "outcome,period,area,value,source\n"
        "13,2024-Q3,England,83.3,UKHSA COVER\n"
        "13,2025-Q2,England,83.9,UKHSA COVER\n"
        "13,2025-Q3,East of England,88.0,UKHSA COVER\n"
    )
    async with db.transaction() as session:
        await import_comparators(session, figures, actor="tests", now=at("2026-03-09T12:00"))

    await send_weekly_digest(slack_ctx(db, slack), at("2026-03-09T09:00"))

    (message,) = slack.in_channel(DIGEST)
    words = message.words
    # England's latest only, compactly: the card and the history chart show the other areas.
    assert (
        "• Outcome 13, MMR coverage: 2025-Q3 86.2%, improving (was 85.5% in 2024-Q3); "
        "England 83.9% in 2025-Q2, from U0CHILDLEAD" in words
    )
    assert "East of England" not in words
    assert "• Outcome 20, Jobs in the town: 2024 94,000, the first reading, from" in words


async def test_a_second_pass_posts_nothing_and_force_posts_again(
    roadmap: Database, slack: StandIn
) -> None:
    ctx = slack_ctx(roadmap, slack)
    monday = at("2026-03-09T09:00")
    await send_weekly_digest(ctx, monday)
    again = await send_weekly_digest(ctx, monday + timedelta(minutes=5))
    assert again == (
        "The digest for the week of Mon 9 Mar 2026 to C0DIGEST was posted already, on "
        "Mon 9 Mar 2026, 09:00; nothing posted. Use --force to post it again."
    )
    preview = await send_weekly_digest(ctx, monday + timedelta(minutes=6), dry_run=True)
    assert preview.startswith(
        "The digest for the week of Mon 9 Mar 2026 to C0DIGEST was posted already, on "
        "Mon 9 Mar 2026, 09:00; with --force it would be posted again as:\n\nROAD MAP DIGEST"
    )
    forced = await send_weekly_digest(ctx, monday + timedelta(minutes=6), force=True)
    assert forced == f"Posted: digest for the week of Mon 9 Mar 2026, to {DIGEST}."
    assert slack.post_keys() == [
        "digest:C0DIGEST:2026-03-09",
        "digest:C0DIGEST:2026-03-09:again-1",
    ]


async def test_a_missed_monday_is_posted_late_once_saying_so(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger, digest=DIGEST, programme=None)
    posted = await run(ctx, [at("2026-02-23T09:00")])
    # Down from Friday 27 February until Wednesday 4 March, 14:00.
    back = [at("2026-03-04T14:00"), *days(date(2026, 3, 5), date(2026, 3, 9), hours=(9, 14, 18))]
    posted += await run(ctx, back)
    digests = [(t, p) for t, p in posted if p.channel_id == DIGEST]
    assert [(when, key) for when, _, key in local_times(digests)] == [
        ("Mon 23 Feb 09:00", "digest:C0DIGEST:2026-02-23"),
        ("Wed 04 Mar 14:00", "digest:C0DIGEST:2026-03-02"),
        ("Mon 09 Mar 09:00", "digest:C0DIGEST:2026-03-09"),
    ]
    late = digests[1][1]
    # Late, and only that: an operator's run "as if" another time is late too, and not because
    # waymark was down.
    words = _context_words(late.reply)
    assert "This digest is late: it was due on Mon 2 Mar 2026 at 09:00." in words
    assert "not running" not in words
    assert "This digest is late" not in _context_words(digests[2][1].reply)


async def test_older_missed_weeks_are_recorded_as_skipped_not_posted(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger, digest=DIGEST, programme=None)
    await run(ctx, [at("2026-02-09T09:00"), at("2026-03-04T14:00"), at("2026-03-05T14:00")])
    assert [p.key for p in messenger.sent if p.channel_id == DIGEST] == [
        "digest:C0DIGEST:2026-02-09",
        "digest:C0DIGEST:2026-03-02",
    ]
    late = next(p for p in messenger.sent if p.key == "digest:C0DIGEST:2026-03-02")
    assert "No digest was posted for the weeks of Mon 16 Feb 2026, Mon 23 Feb 2026." in (
        _context_words(late.reply)
    )
    async with roadmap.reading() as session:
        runs = await DigestRepository(session).everything()
    assert [(r.week_start, r.state) for r in runs] == [
        (date(2026, 2, 9), "on_time"),
        (date(2026, 2, 16), "skipped"),
        (date(2026, 2, 23), "skipped"),
        (date(2026, 3, 2), "late"),
    ]


async def test_the_digest_keeps_to_nine_oclock_local_after_the_clocks_go_forward(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger, digest=DIGEST, programme=None)
    moments = [
        at("2026-03-23T09:00"),
        datetime(2026, 3, 30, 7, 59, tzinfo=UTC),  # 08:59 BST
        datetime(2026, 3, 30, 8, 0, tzinfo=UTC),  # 09:00 BST
    ]
    posted = await run(ctx, moments)
    assert [(t, p.key) for t, p in posted if p.channel_id == DIGEST] == [
        (moments[0], "digest:C0DIGEST:2026-03-23"),
        (moments[2], "digest:C0DIGEST:2026-03-30"),
    ]


async def test_a_large_road_map_still_fits_slack_and_says_what_it_left_out(
    db: Database, tmp_path: Path
) -> None:
    header = (
        "number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,"
        "baseline_value,milestones,tolerance,owner,source\n"
    )
    outcomes = header + "".join(
        f"{n},A rather long outcome title number {n} for the town,Priority area number "
        f"{n % 40:02d},Measure {n} of something,%,higher_is_better,quarterly,30,2024-Q1,50,"
        f"2030-Q4:60;2040-Q4:70,5%,{'children' if n % 2 else 'economy'},\n"
        for n in range(1, 401)
    )
    readings = "outcome,period,value,submitted_by,submitted_at,note\n"
    readings += "".join(
        f"{n},2025-Q3,{50 + n % 9},U1,2026-01-10T09:00:00Z,\n" for n in range(1, 401)
    )
    readings += "".join(
        f"{n},2025-Q4,{49 + n % 11},U1,2026-03-0{3 + n % 4}T09:00:00Z,\n" for n in range(1, 301)
    )
    readings += "".join(
        f"{n},2025-Q4,{51 + n % 5},U1,2026-03-06T15:00:00Z,corrected\n" for n in range(1, 61)
    )
    await load(db, tmp_path / "map", outcomes, readings)

    async with db.reading() as session:
        digest = await build_digest(
            session,
            at("2026-03-09T09:00"),
            date(2026, 3, 9),
            Timetable(LONDON, bank_holidays=england_and_wales),
            DIGEST,
        )
    message = render.message(digest.reply)
    blocks = message["blocks"]
    assert len(blocks) <= render.MAX_BLOCKS
    for block in blocks:
        if "text" in block and block["type"] == "section":
            assert len(block["text"]["text"]) <= render.MAX_SECTION
        assert len(block.get("fields", [])) <= render.MAX_FIELDS
    text = "\n".join(
        str(b.get("text", {}).get("text", "")) for b in blocks if b["type"] == "section"
    )
    # The digest summarised; the renderer's last-resort cut was never needed.
    assert "parts not shown" not in str(blocks)
    assert "…and 292 more. `/outcome list` shows every outcome." in text  # 300 new readings
    assert "…and 52 more. `/outcome list` shows every outcome." in text  # 60 corrections
    assert "26 more areas" in text  # the table keeps 14 areas and sums the rest


def _context_words(reply: object) -> str:
    from commands.presentation.replies import Context, Reply

    assert isinstance(reply, Reply)
    return " ".join(i for b in reply.blocks if isinstance(b, Context) for i in b.items)
