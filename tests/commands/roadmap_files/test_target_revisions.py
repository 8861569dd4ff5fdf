"""Changing an outcome's targets by import: refused without a reason, kept as a dated revision
with one, and never a silent re-rating of the readings already recorded."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.outcomes.targets import revisions_of
from commands.people.directory import names_for
from commands.presentation.cards import history_reply
from commands.presentation.replies import Table
from commands.roadmap_files.exporting import export_roadmap
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from storage.repositories import AuditRepository, ReadingRepository, RoadmapRepository
from tests.factories import OUTCOMES, write_roadmap

# Outcome 12's first milestone moves from 30% to 34% by 2025/26. Its 2024/25 reading, 36%,
# was at risk against an expected 35% (40 - 10 x 365/730); against 37% (40 - 6 x 365/730) it
# would be on track.
REVISED = OUTCOMES.replace("2025/26:30;2040:10,5%", "2025/26:34;2040:10,5%")
LATER = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)


async def _import(
    db: Database, directory: Path, now: datetime, tz: ZoneInfo, reason: str | None = None
) -> str:
    async with db.transaction() as session:
        report = await import_roadmap(
            session, directory, actor="U0ADMIN", now=now, tz=tz, reason=reason
        )
    return report.summary()


async def _export(db: Database, directory: Path) -> dict[str, str]:
    async with db.reading() as session:
        files = await export_roadmap(session, directory)
    return {f.name: f.read_text() for f in files}


async def _history_rows(db: Database, tz: ZoneInfo) -> list[tuple[str, ...]]:
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(12)
        assert outcome is not None
        readings = await ReadingRepository(session).history(outcome.id)
        revisions = await revisions_of(session, outcome)
        names = await names_for(session, [r.submitted_by for r in readings])
    reply = history_reply(outcome, readings, tz, revisions=revisions, names=names)
    [table] = [b for b in reply.blocks if isinstance(b, Table)]
    return list(table.rows)


async def test_changing_a_milestone_needs_a_reason_and_changes_nothing_without_one(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await _import(db, write_roadmap(tmp_path / "first"), now, tz)
    before = await _export(db, tmp_path / "before")
    changed = write_roadmap(tmp_path / "changed")
    (changed / "outcomes.csv").write_text(REVISED)

    with pytest.raises(UserError) as refused:
        await _import(db, changed, LATER, tz)
    message = str(refused.value)
    assert message.startswith("Nothing was imported: the targets of 1 outcome would change")
    assert "- outcome 12: milestones 2025/26:30;2040:10 → 2025/26:34;2040:10" in message
    assert "--reason" in message
    assert await _export(db, tmp_path / "after") == before

    with pytest.raises(UserError, match="needs a reason"):
        await _import(db, changed, LATER, tz, reason="   ")


async def test_changing_a_milestone_keeps_every_past_reading_as_it_was_rated(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    """The tried case: "changing a milestone re-rates every past reading in history without
    trace". Now the change is a revision, and history shows each reading's status as given."""
    await _import(db, write_roadmap(tmp_path / "first"), now, tz)
    assert (await _history_rows(db, tz))[0][2:4] == ("35%", "At risk")

    changed = write_roadmap(tmp_path / "changed")
    (changed / "outcomes.csv").write_text(REVISED)
    summary = await _import(db, changed, LATER, tz, reason="Board agreed a slower path")
    assert "updated 1 outcomes" in summary
    assert "targets revised: outcome 12: milestones 2025/26:30;2040:10 → 2025/26:34" in summary

    [row] = await _history_rows(db, tz)
    period, value, expected, status = row[:4]
    assert (period, value, expected) == ("2024/25", "36%", "35%")
    assert status == "At risk (rated against the targets before 5 Jan 2027)"

    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(12)
        assert outcome is not None
        [revision] = await revisions_of(session, outcome)
        audit = await AuditRepository(session).for_subject("outcome:12")
    assert (revision.at, revision.by, revision.reason) == (
        LATER,
        "U0ADMIN",
        "Board agreed a slower path",
    )
    assert revision.before.milestones == (("2025/26", 30.0), ("2040", 10.0))
    assert revision.after.milestones == (("2025/26", 34.0), ("2040", 10.0))
    revised = [a for a in audit if a.action == "outcome.targets_revised"]
    assert [(a.actor, a.after and a.after["reason"]) for a in revised] == [
        ("U0ADMIN", "Board agreed a slower path")
    ]


async def test_revisions_travel_with_the_road_map_files(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await _import(db, write_roadmap(tmp_path / "first"), now, tz)
    changed = write_roadmap(tmp_path / "changed")
    (changed / "outcomes.csv").write_text(REVISED)
    await _import(db, changed, LATER, tz, reason="Board agreed a slower path")
    exported = await _export(db, tmp_path / "out")
    assert exported["target_revisions.csv"].splitlines() == [
        "outcome,at,by,reason,before_baseline_period,before_baseline_value,before_milestones,"
        "before_tolerance,after_baseline_period,after_baseline_value,after_milestones,"
        "after_tolerance",
        "12,2027-01-05T12:00:00Z,U0ADMIN,Board agreed a slower path,2023/24,40,2025/26:30;2040:10,"
        "5%,2023/24,40,2025/26:34;2040:10,5%",
    ]
    # Imported as they are: no reason is asked for what is already the history.
    summary = await _import(db, tmp_path / "out", LATER, tz)
    assert summary == "unchanged 2 groups, 3 outcomes, 3 readings, 1 target revisions"


async def test_every_bad_revision_row_is_reported(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path / "bad")
    (directory / "target_revisions.csv").write_text(
        "outcome,at,by,reason,before_baseline_period,before_baseline_value,before_milestones,"
        "before_tolerance,after_baseline_period,after_baseline_value,after_milestones,"
        "after_tolerance\n"
        "99,2026-01-01T00:00:00Z,U0ADMIN,why,2023/24,40,2025/26:30,5%,2023/24,40,2025/26:30,5%\n"
        "12,last week,,,2023-Q1,40,2025/26:30,5%,2023/24,x,2025/26:30,lots\n"
    )
    with pytest.raises(UserError) as raised:
        await _import(db, directory, now, tz)
    message = str(raised.value)
    for line in [
        "target_revisions.csv, row 2, column outcome: there is no outcome 99 in the road map",
        "target_revisions.csv, row 3, column at: 'last week' is not an ISO 8601 date",
        "target_revisions.csv, row 3, column by: is empty",
        "target_revisions.csv, row 3, column reason: is empty",
        "target_revisions.csv, row 3, column before_baseline_period: '2023-Q1' is not a period",
        "target_revisions.csv, row 3, column after_baseline_value: 'x' is not a number",
        "target_revisions.csv, row 3, column after_tolerance: 'lots' is not a tolerance",
    ]:
        assert line in message, line
    async with db.reading() as session:
        assert await RoadmapRepository(session).is_empty()


async def test_an_outcome_with_readings_keeps_its_cadence(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    """Readings are kept by their cadence's periods: outcome 12's '2024/25' is a financial year.
    Changed to annual, its card could no longer read them ('something went wrong')."""
    await _import(db, write_roadmap(tmp_path / "first"), now, tz)
    before = await _export(db, tmp_path / "before")
    annual = OUTCOMES.replace(
        "financial_year,180,2023/24,40,2025/26:30;2040:10", "annual,180,2023,40,2025:30;2040:10"
    )
    changed = write_roadmap(tmp_path / "changed")
    (changed / "outcomes.csv").write_text(annual)
    (changed / "readings.csv").unlink()  # its readings are stored already

    with pytest.raises(UserError) as refused:
        await _import(db, changed, LATER, tz, reason="Counted by calendar year from now on")
    assert str(refused.value) == (
        "Nothing was imported: 1 problem to fix.\n"
        "outcomes.csv, row 2, column cadence: outcome 12 has 1 reading of its financial_year "
        "periods, which could not be read as annual ones: keep it financial_year, or give the "
        "new measure an outcome of its own"
    )
    assert await _export(db, tmp_path / "after") == before
    assert (await _history_rows(db, tz))[0][:2] == ("2024/25", "36%")

    # Outcome 20 has no readings yet: its cadence may change (its targets do, so with a reason).
    quarterly = OUTCOMES.replace(
        "annual,270,2023,93000,2030:100000", "quarterly,270,2023-Q4,93000,2030-Q1:100000"
    ).replace("2040:110000,5%,economy", "2040-Q1:110000,5%,economy")
    (changed / "outcomes.csv").write_text(quarterly)
    summary = await _import(db, changed, LATER, tz, reason="Counted each quarter from now on")
    assert "targets revised: outcome 20: baseline period 2023 → 2023-Q4" in summary
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(20)
    assert outcome is not None
    assert outcome.cadence == "quarterly"
