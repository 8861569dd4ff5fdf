"""What a councillor trips on in the progress report, found by reading its pages: each figure
and label says what it is, in words that cannot be misread."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.comparators.importing import import_comparators
from commands.domain.rules import Status
from commands.presentation.formatting import status_counts, with_unit
from commands.presentation.trajectory import draw_trajectory, trajectory_figures
from commands.reports.blocks import more_work_words, outcome_block, success_sentence
from commands.reports.content import ReportContent, report_content
from commands.reports.method import METHOD
from commands.reports.page import report_html
from commands.reports.snapshot import take_snapshot
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from tests.factories import CADENCE_OUTCOMES, OUTCOMES, write_roadmap

# Outcome 12 (lower is better) beats its path: 34% against the 35% expected for 2024/25.
READINGS = """outcome,period,value,submitted_by,submitted_at,note
12,2024/25,34,U0CHILDLEAD,2025-10-01T09:00:00Z,
13,2024-Q2,86,U0CHILDLEAD,2024-09-01T09:00:00Z,
13,2024-Q3,84,U0CHILDLEAD,2024-12-01T09:00:00Z,clinics from March
21,2021-23,78.2,U0CHILDLEAD,2025-03-10T17:27:00Z,wide confidence interval
"""
COMPARATORS = """outcome,period,area,value,source
21,2021-23,East of England,80.2,Illustrative
"""


async def _content(db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo) -> ReportContent:
    directory = write_roadmap(tmp_path / "map", readings=READINGS)
    # The pooled life-expectancy outcome too, for a tolerance in the measure's own unit.
    life = CADENCE_OUTCOMES.splitlines()[1]
    (directory / "outcomes.csv").write_text(f"{OUTCOMES}{life}\n")
    (directory / "comparators.csv").write_text(COMPARATORS)
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
        await import_comparators(session, directory / "comparators.csv", actor="tests", now=now)
    async with db.reading() as session:
        snapshot = await take_snapshot(session, as_of=date(2026, 1, 31), tz=tz)
    return report_content(snapshot)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(36.5, "£36.50"), (37, "£37"), (1_276_156.27, "£1,276,156.27"), (1200, "£1,200")],
)
def test_money_is_written_in_pounds_and_pence(value: float, expected: str) -> None:
    # Outcome 29's productivity read "£36.5 expected" in the report.
    assert with_unit(value, "GBP") == expected


def test_no_data_is_counted_in_words_that_do_not_read_as_none() -> None:
    counts = {Status.ON_TRACK: 20, Status.AT_RISK: 8, Status.OFF_TRACK: 8, Status.NO_DATA: 4}
    assert status_counts(counts) == "20 on track, 8 at risk, 8 off track, 4 with no data"


async def test_a_success_names_its_measure_and_which_way_is_better(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # "Satisfied with their lives: 8.6%, better than 9.1%" read as a fall in satisfaction.
    content = await _content(db, tmp_path, now, tz)
    [poverty] = [o for o in content.successes if o.status.number == 12]
    assert success_sentence(poverty) == (
        "Fewer children grow up in poverty. Children in relative low-income families: 34% in "
        "2024/25 (lower is better), at or better than the 35% expected."
    )


async def test_the_charts_tolerance_band_says_what_the_tolerance_is(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # "at risk (within 5%)" on a chart of percentages reads as 5 percentage points, and
    # "(within 0.3)" does not say 0.3 of what.
    content = await _content(db, tmp_path, now, tz)
    legends = {}
    for o in content.outcomes:
        figures = trajectory_figures(o.facts, [(p.period, p.value) for p in o.points])
        svg = draw_trajectory(figures, image_format="svg", salt=str(o.status.number))
        legends[o.status.number] = [
            line for line in svg.decode().splitlines() if "at risk (within" in line
        ]
    assert "at risk (within 5% of the path)" in legends[12][0]
    assert "at risk (within 1 percentage point)" in legends[13][0]
    assert "at risk (within 0.3 years)" in legends[21][0]


async def test_an_outcomes_block_reads_as_sentences(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    content = await _content(db, tmp_path, now, tz)
    [life] = [o for o in content.outcomes if o.status.number == 21]
    block = outcome_block(life)
    # One reading: no direction yet, said as the other directions are ("improving since …").
    assert "<td>not known until there are two readings</td>" in block
    # The lead's note, begun with a capital: it is printed as the commentary.
    assert "Wide confidence interval." in block
    # What is illustrative: the area's figures, not the area.
    assert "East of England's figures: Illustrative." in block


async def test_a_charts_description_gives_the_milestones_and_the_band_in_words(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # A screen reader heard "through its milestones" and no milestone.
    content = await _content(db, tmp_path, now, tz)
    [poverty] = [o for o in content.outcomes if o.status.number == 12]
    assert (
        "through its milestones (30% by 2025/26, 10% by 2040); the band above the path is where "
        "a reading is at risk (within 5% of the path). Readings: 2024/25: 34%."
    ) in outcome_block(poverty)


def test_the_method_page_does_not_claim_comparators_are_for_the_same_period() -> None:
    # England 65% (2024-03) sat beside a 2026-08 reading while the method page said "the
    # published figures for the same measure and period"; some are illustrative.
    words = " ".join(METHOD.split())
    assert "same measure and period" not in words
    assert "for the period written beside each" in words
    assert 'a figure whose source says "illustrative" is an example' in words


async def test_the_expected_figure_is_the_same_in_the_sentence_and_the_table(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # Jobs: 93,000 at the end of 2023, 100,000 by the end of 2030 (2,557 days later). At the end
    # of 2024, 366 days on: 93,000 + 7,000 × 366 / 2,557 = 94,001.96.
    content = await _content(db, tmp_path, now, tz)
    [jobs] = [o for o in content.outcomes if o.status.number == 20]
    block = outcome_block(jobs)
    assert "the path expects 94,001.96." in block
    assert "<td>94,001.96 for 2024</td>" in block


async def test_more_work_gives_the_working_once(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # MMR: 85% at the end of 2024-Q1, 89% by the end of 2026-Q1 (730 days). At the end of
    # 2024-Q3, 183 days on: 85 + 4 × 183 / 730 = 86.00; 84% misses by 2 points, more than 1.
    content = await _content(db, tmp_path, now, tz)
    [mmr] = [o for o in content.more_work if o.status.number == 13]
    assert more_work_words(mmr) == (
        "2024-Q3 reading 84% against an expected 86% at the end of 2024-Q3 (higher is better): "
        "it misses by 2 percentage points, more than the tolerance of 1 percentage point, so off "
        "track."
    )  # not "off track. 2024-Q3 reading …, so off track."


async def test_the_cover_never_splits_the_reports_date_between_lines(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # Page 1 read "Road map progress report, 31" above "January 2026": the date's spaces do
    # not break. The page's <title> (and the file's name for it) keeps plain spaces.
    html = report_html(await _content(db, tmp_path, now, tz))
    assert "<h1>Road map progress report, 31\u00a0January\u00a02026</h1>" in html
    assert "stands, as of 31\u00a0January\u00a02026.</p>" in html
    assert "<title>Road map progress report, 31 January 2026</title>" in html
