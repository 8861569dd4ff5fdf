from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.db import Database
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    """waymark's Teams app with the small road map (children on Teams, economy on Slack), on
    SQLite and on PostgreSQL."""
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as harness:
        yield harness
