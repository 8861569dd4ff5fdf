"""The road map as CSV: every bad row reported at once, nothing half-imported, exact round trips."""

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.outcomes.statuses import list_statuses
from commands.roadmap_files.exporting import export_roadmap
from commands.roadmap_files.importing import import_readings, import_roadmap
from config import EXAMPLE_ROADMAP
from storage.db import Database
from storage.repositories import AuditRepository, RoadmapRepository
from tests.factories import GROUPS, OUTCOMES, write_roadmap


async def _import(db: Database, directory: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    return report.summary()


async def _export(db: Database, directory: Path) -> dict[str, str]:
    async with db.reading() as session:
        files = await export_roadmap(session, directory)
    return {f.name: f.read_text() for f in files}


async def test_the_example_round_trips_exactly(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await _import(db, EXAMPLE_ROADMAP, now, tz)
    first = await _export(db, tmp_path / "first")
    # The shipped files are already in the canonical form export writes.
    for name, text in first.items():
        assert (EXAMPLE_ROADMAP / name).read_text() == text, name
    # 13 people: the guards' approver, Sam Whitfield, joined the example's people.csv.
    assert await _import(db, tmp_path / "first", now, tz) == (
        "unchanged 25 action updates, 17 actions, 7 groups, 40 outcomes, 13 people, "
        "225 readings, 1 target revisions"
    )
    assert await _export(db, tmp_path / "second") == first


async def test_loading_the_same_files_twice_changes_nothing(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_roadmap(tmp_path)
    assert await _import(db, tmp_path, now, tz) == (
        "created 2 areas, 2 groups, 3 outcomes, 3 readings"
    )
    async with db.reading() as session:
        audit_rows = await AuditRepository(session).count()
    assert await _import(db, tmp_path, now, tz) == "unchanged 2 groups, 3 outcomes, 3 readings"
    async with db.reading() as session:
        assert await AuditRepository(session).count() == audit_rows


async def test_every_bad_row_is_reported_and_nothing_changes(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_roadmap(tmp_path / "good")
    await _import(db, tmp_path / "good", now, tz)
    before = await _export(db, tmp_path / "before")

    bad = write_roadmap(tmp_path / "bad")
    (bad / "groups.csv").write_text(GROUPS + "Bad Slug,Somebody,C0X,\n")
    rows = OUTCOMES.replace("Fewer children grow up in poverty", "Renamed so a change would show")
    rows += "x,Title,Area,Measure,%,up,weekly,30,2024,50,2028:60,5%,nobody,\n"
    rows += "21,Title,Area,Measure,%,higher_is_better,annual,30,2024,150,2022:60,5%,,\n"
    (bad / "outcomes.csv").write_text(rows)
    (bad / "readings.csv").write_text(
        "outcome,period,value,submitted_by,submitted_at,note\n"
        "12,2024-Q1,abc,U1,yesterday,\n"
        "99,2025,1,U1,,\n"
        "13,2030-Q1,80,,,\n"
    )
    with pytest.raises(UserError) as raised:
        await _import(db, bad, now, tz)
    message = str(raised.value)
    expected = [
        "Nothing was imported: 13 problems to fix.",
        "groups.csv, row 4, column slug: 'Bad Slug' is not a slug",
        "outcomes.csv, row 5, column cadence: 'weekly' is not a cadence",
        "outcomes.csv, row 5, column owner: 'nobody' is not a group in groups.csv",
        "outcomes.csv, row 5, column polarity: 'up' is not a polarity",
        "outcomes.csv, row 5, column number: 'x' is not a whole number",
        "outcomes.csv, row 6, column milestones: milestone 2022 must come after the one before it",
        "outcomes.csv, row 6, column baseline_value: 150 is not a percentage (0-100)",
        "readings.csv, row 2, column period: '2024-Q1' is not a period: financial_year periods",
        "readings.csv, row 2, column value: 'abc' is not a number",
        "readings.csv, row 2, column submitted_at: 'yesterday' is not an ISO 8601 date and time",
        "readings.csv, row 3, column outcome: there is no outcome 99 in the road map",
        "readings.csv, row 4, column period: 2030-Q1 has not ended yet",
        "readings.csv, row 4, column submitted_by: is empty",
    ]
    for line in expected:
        assert line in message, line
    assert message.count("\n") == len(expected) - 1
    assert await _export(db, tmp_path / "after") == before


async def test_a_missing_file_or_column_is_named(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path, readings=None)
    (directory / "groups.csv").unlink()
    (directory / "outcomes.csv").write_text("number,title\n1,A\n")
    with pytest.raises(UserError) as raised:
        await _import(db, directory, now, tz)
    assert "groups.csv, row 0, column -: the file is missing" in str(raised.value)
    assert "outcomes.csv, row 1, column area, measure" in str(raised.value)
    async with db.reading() as session:
        assert await RoadmapRepository(session).is_empty()


async def test_readings_import_then_export_keeps_history(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_roadmap(tmp_path, readings=None)
    await _import(db, tmp_path, now, tz)
    file = tmp_path / "more.csv"
    file.write_text(
        "outcome,period,value,submitted_by,submitted_at,note\n"
        "12,2024/25,36,U0CHILDLEAD,2025-10-01T09:00:00Z,\n"
        "12,2024/25,35.5,U0CHILDLEAD,2025-10-02T09:00:00Z,corrected: typo\n"
    )
    async with db.transaction() as session:
        report = await import_readings(session, file, now=now, tz=tz, actor="U0ADMIN")
    assert report.summary() == "created 2 readings"
    async with db.reading() as session:
        found = await list_statuses(session, now.date(), numbers=[12])
    assert found[0].latest is not None
    assert found[0].latest.value == 35.5
    exported = await _export(db, tmp_path / "out")
    # A file that does not say whether its readings are approved is the council's record so
    # far: approved, by whoever imported it, when they did.
    approved = ",approved,U0ADMIN,2026-11-26T12:00:00Z"
    assert exported["readings.csv"].splitlines()[1:] == [
        line + approved for line in file.read_text().splitlines()[1:]
    ]
    shutil.rmtree(tmp_path / "out")
