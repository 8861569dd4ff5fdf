"""Readings imported in bulk supersede as readings given one at a time do: a later figure for a
period corrects the one stored (both kept, the audit log saying so), an older entry joins the
history without displacing the newer one, and each keeps the status it was given."""

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.roadmap_files import bulk_readings
from commands.roadmap_files.importing import import_readings, import_roadmap
from storage.db import Database
from storage.repositories import (
    AuditRepository,
    ReadingImport,
    ReadingRepository,
    RoadmapRepository,
)
from tests.factories import write_roadmap

HEADER = "outcome,period,value,submitted_by,submitted_at,note\n"


async def _readings(db: Database, file: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_readings(session, file, now=now, tz=tz, actor="U0ADMIN")
    return report.summary()


async def _road_map_without_readings(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    async with db.transaction() as session:
        await import_roadmap(
            session, write_roadmap(tmp_path / "map", readings=None), actor="t", now=now, tz=tz
        )


# What `_stored` gives of each outcome when no reading was kept: its status, and no period.
NOTHING_STORED = [(12, "no_data", None), (13, "no_data", None), (20, "no_data", None)]


async def test_a_file_corrects_stored_readings_and_keeps_older_entries_in_the_history(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await _road_map_without_readings(db, tmp_path, now, tz)
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "12,2024/25,36,U0CHILDLEAD,2025-10-01T09:00:00Z,\n")
    assert await _readings(db, first, now, tz) == "created 1 readings"
    second = tmp_path / "second.csv"
    second.write_text(
        HEADER
        + "12,2024/25,35.5,U0CHILDLEAD,2025-10-02T09:00:00Z,corrected\n"  # corrects the 36
        + "12,2024/25,37,U0CHILDLEAD,2025-09-01T09:00:00Z,an older entry\n"  # before both
        + "12,2024/25,36,U0CHILDLEAD,2025-10-01T09:00:00Z,\n"  # the stored one, unchanged
    )
    assert await _readings(db, second, now, tz) == "created 2 readings; unchanged 1 readings"
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(12)
        assert outcome is not None
        history = await ReadingRepository(session).history(outcome.id)
        audit = await AuditRepository(session).for_subject("outcome:12:2024/25")
    by_value = {r.value: r for r in history}
    assert [(r.value, r.is_current) for r in history] == [(37, False), (36, False), (35.5, True)]
    assert by_value[35.5].supersedes_id == by_value[36].id
    assert by_value[37].supersedes_id is None
    assert all(r.status is not None and r.expected is not None for r in history)
    assert [a.action for a in audit] == [
        "reading.recorded",
        "reading.corrected",
        "reading.recorded",
    ]
    assert audit[1].before is not None
    assert audit[1].before["value"] == 36
    # Importing the same file again changes nothing.
    assert await _readings(db, second, now, tz) == "unchanged 3 readings"


# Outcomes 12 (financial years), 13 (quarters) and 20 (years), out of order in the file, with
# corrections and an older entry; `confirmed` so that no jump between them is in doubt.
MANY = HEADER.replace("note\n", "note,confirmed\n") + "".join(
    f"{row},yes\n"
    for row in (
        "13,2024-Q2,86,U0CHILDLEAD,2024-09-01T09:00:00Z,",
        "12,2024/25,36,U0CHILDLEAD,2025-10-01T09:00:00Z,",
        "20,2024,94000,U0ECONLEAD1,2025-10-01T09:00:00Z,",
        "13,2024-Q3,85.5,U0CHILDLEAD,2024-12-01T09:00:00Z,",
        "12,2024/25,35,U0CHILDLEAD,2025-10-02T09:00:00Z,corrected",
        "13,2024-Q4,87,U0CHILDLEAD,2025-03-01T09:00:00Z,",
        "20,2024,93500,U0ECONLEAD1,2025-09-01T09:00:00Z,an older entry",
        "13,2024-Q3,85.8,U0CHILDLEAD,2024-12-02T09:00:00Z,corrected",
        "20,2025,96000,U0ECONLEAD1,2026-10-01T09:00:00Z,",
        "13,2025-Q1,88,U0CHILDLEAD,2025-06-01T09:00:00Z,",
    )
)


async def _stored(db: Database) -> list[tuple[object, ...]]:
    """Every reading as a user sees it (outcome, period, value, current, the value it corrects,
    its status) and every audit entry's action, before and after values."""
    rows: list[tuple[object, ...]] = []
    async with db.reading() as session:
        for number in (12, 13, 20):
            outcome = await RoadmapRepository(session).outcome(number)
            assert outcome is not None
            history = await ReadingRepository(session).history(outcome.id)
            values = {r.id: r.value for r in history}
            rows += [
                (number, r.period, r.value, r.is_current, values.get(r.supersedes_id or 0),
                 r.status, r.path_status)
                for r in history
            ]  # fmt: skip
            rows.append((number, outcome.status, outcome.latest_period_start))
            for period in sorted({r.period for r in history}):
                for a in await AuditRepository(session).for_subject(f"outcome:{number}:{period}"):
                    before = a.before["value"] if a.before else None
                    rows.append((a.subject, a.action, before, (a.after or {}).get("value")))
    return rows


@pytest.mark.parametrize("small", [False, True], ids=["one chunk", "a chunk an outcome"])
async def test_a_file_written_a_chunk_at_a_time_is_stored_as_one_written_at_once(
    db: Database,
    tmp_path: Path,
    now: datetime,
    tz: ZoneInfo,
    monkeypatch: pytest.MonkeyPatch,
    small: bool,
) -> None:
    """A big file is staged and written a few outcomes at a time, each chunk written while the
    next is checked: nothing may be lost, doubled or superseded wrongly at a chunk's edge."""
    if small:
        monkeypatch.setattr(bulk_readings, "STAGED_BATCH", 3)
        monkeypatch.setattr(bulk_readings, "_CHUNK_OUTCOMES", 1)
        monkeypatch.setattr(bulk_readings, "_TURN_ROWS", 1)
    await _road_map_without_readings(db, tmp_path, now, tz)
    file = tmp_path / "many.csv"
    file.write_text(MANY)
    assert await _readings(db, file, now, tz) == "created 10 readings"
    assert await _stored(db) == [
        # 35% expected at the end of 2024/25: 36 is worse, within the 5% tolerance.
        (12, "2024/25", 36, False, None, "at_risk", "at_risk"),
        (12, "2024/25", 35, True, 36, "on_track", "on_track"),
        (12, "on_track", date(2024, 4, 1)),
        ("outcome:12:2024/25", "reading.recorded", None, 36),
        ("outcome:12:2024/25", "reading.corrected", 36, 35),
        (13, "2024-Q2", 86, True, None, "on_track", "on_track"),
        (13, "2024-Q3", 85.5, False, None, "at_risk", "at_risk"),  # 86 expected, give or take 1
        (13, "2024-Q3", 85.8, True, 85.5, "at_risk", "at_risk"),
        (13, "2024-Q4", 87, True, None, "on_track", "on_track"),
        (13, "2025-Q1", 88, True, None, "on_track", "on_track"),
        (13, "on_track", date(2025, 1, 1)),
        ("outcome:13:2024-Q2", "reading.recorded", None, 86),
        ("outcome:13:2024-Q3", "reading.recorded", None, 85.5),
        ("outcome:13:2024-Q3", "reading.corrected", 85.5, 85.8),
        ("outcome:13:2024-Q4", "reading.recorded", None, 87),
        ("outcome:13:2025-Q1", "reading.recorded", None, 88),
        # 93,000 to 100,000 over 2,557 days: 94,002 expected at the end of 2024 (366 days in).
        (20, "2024", 93500, False, None, "at_risk", "at_risk"),
        (20, "2024", 94000, True, None, "at_risk", "at_risk"),
        (20, "2025", 96000, True, None, "on_track", "on_track"),
        (20, "on_track", date(2025, 1, 1)),
        ("outcome:20:2024", "reading.recorded", None, 94000),
        ("outcome:20:2024", "reading.recorded", None, 93500),
        ("outcome:20:2025", "reading.recorded", None, 96000),
    ]


async def test_a_problem_in_the_last_chunk_leaves_every_chunk_unwritten(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunks before it were already written when the problem is found: the import is one
    transaction, so they are rolled back with it, and the problem is reported by its row."""
    monkeypatch.setattr(bulk_readings, "STAGED_BATCH", 3)
    monkeypatch.setattr(bulk_readings, "_CHUNK_OUTCOMES", 1)
    await _road_map_without_readings(db, tmp_path, now, tz)
    file = tmp_path / "many.csv"
    # Outcome 20 comes last: its 2025 figure corrected to a tenth of the year before's, unconfirmed.
    file.write_text(MANY + "20,2025,9400,U0ECONLEAD1,2026-10-02T09:00:00Z,,\n")
    with pytest.raises(UserError) as refused:
        await _readings(db, file, now, tz)
    assert "many.csv, row 12, column value" in str(refused.value)
    assert "write yes in a confirmed column" in str(refused.value)
    assert await _stored(db) == NOTHING_STORED


@pytest.mark.parametrize("short", [0, -1], ids=["the first outcome", "the last outcome"])
async def test_staged_rows_that_disagree_with_their_count_are_never_imported_as_another_outcomes(
    db: Database,
    tmp_path: Path,
    now: datetime,
    tz: ZoneInfo,
    monkeypatch: pytest.MonkeyPatch,
    short: int,
) -> None:
    """PostgreSQL reads the staged file back by count, a chunk's outcomes at a time: were the
    counts ever wrong, a chunk would take the next outcome's rows as its own figures. The
    import is refused instead, with nothing written. SQLite reads back by outcome, so a count
    there cannot move a row to another outcome."""
    monkeypatch.setattr(bulk_readings, "_CHUNK_OUTCOMES", 1)
    counted = ReadingImport.counts

    async def one_short(staging: ReadingImport) -> list[tuple[int, int]]:
        counts = await counted(staging)  # one outcome's said to have a row fewer
        if counts:
            counts[short] = (counts[short][0], counts[short][1] - 1)
        return counts

    monkeypatch.setattr(ReadingImport, "counts", one_short)
    await _road_map_without_readings(db, tmp_path, now, tz)
    file = tmp_path / "many.csv"
    file.write_text(MANY)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(RuntimeError, match="nothing was imported"):
            await _readings(db, file, now, tz)
        assert [row for row in await _stored(db) if len(row) == 3] == NOTHING_STORED
    else:
        assert await _readings(db, file, now, tz) == "created 10 readings"


@pytest.mark.parametrize("failing", ["stage", "write"])
async def test_a_write_that_fails_stops_the_import_with_its_own_error_and_nothing_written(
    db: Database,
    tmp_path: Path,
    now: datetime,
    tz: ZoneInfo,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    """On PostgreSQL a batch is staged, and a chunk written, while the next is worked out: the
    write's error is the one reported, the writes after it are never started (nor left
    half-made, or unawaited), and the transaction takes back what was written."""
    monkeypatch.setattr(bulk_readings, "_CHUNK_OUTCOMES", 1)
    monkeypatch.setattr(bulk_readings, "STAGED_BATCH", 3)
    monkeypatch.setattr(bulk_readings, "_TURN_ROWS", 1)
    writes = getattr(ReadingImport, failing)
    done: list[object] = []

    async def fails_second(staging: ReadingImport, *args: Any) -> None:
        if done:
            raise OSError("the disk is full")
        await writes(staging, *args)
        done.append(args)

    monkeypatch.setattr(ReadingImport, failing, fails_second)
    await _road_map_without_readings(db, tmp_path, now, tz)
    file = tmp_path / "many.csv"
    file.write_text(MANY)
    with pytest.raises(OSError, match="the disk is full"):
        await _readings(db, file, now, tz)
    assert [row for row in await _stored(db) if len(row) == 3] == NOTHING_STORED
