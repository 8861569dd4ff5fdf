"""What a published report may show: the latest approved readings, whatever is provisional."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.repositories import ReadingRepository, RoadmapRepository
from tests.factories import load_roadmap

READINGS = (
    "outcome,period,value,submitted_by,submitted_at,note,state,approved_by,approved_at\n"
    "13,2024-Q2,86,U0CHILDLEAD,2024-09-01T09:00:00Z,,approved,U0ADMIN,\n"
    "13,2024-Q3,85.5,U0CHILDLEAD,2024-12-01T09:00:00Z,,approved,U0ADMIN,\n"
    "13,2024-Q4,86.1,U0CHILDLEAD,2025-03-01T09:00:00Z,,provisional,,\n"
)


async def test_the_report_reads_approved_readings_only(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz, readings=READINGS)
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(13)
        assert outcome is not None
        readings = ReadingRepository(session)
        latest = await readings.latest_rows([outcome.id])
        approved = await readings.approved_rows([outcome.id])
        everyone = await readings.approved_rows()
    assert [r.period for r in latest[outcome.id]] == ["2024-Q4", "2024-Q3"]
    assert [r.period for r in approved[outcome.id]] == ["2024-Q3", "2024-Q2"]
    assert [r.state for r in approved[outcome.id]] == ["approved", "approved"]
    assert everyone == approved
