"""Readings imported in bulk supersede as readings given one at a time do: a later figure for a
period corrects the one stored (both kept, the audit log saying so), an older entry joins the
history without displacing the newer one, and each keeps the status it was given."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.roadmap_files.importing import import_readings, import_roadmap
from storage.db import Database
from storage.repositories import AuditRepository, ReadingRepository, RoadmapRepository
from tests.factories import write_roadmap

HEADER = "outcome,period,value,submitted_by,submitted_at,note\n"


async def _readings(db: Database, file: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_readings(session, file, now=now, tz=tz, actor="U0ADMIN")
    return report.summary()


async def test_a_file_corrects_stored_readings_and_keeps_older_entries_in_the_history(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    async with db.transaction() as session:
        await import_roadmap(
            session, write_roadmap(tmp_path / "map", readings=None), actor="t", now=now, tz=tz
        )
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
