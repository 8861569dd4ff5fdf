from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.db import Database
from tests.factories import load_roadmap
from tests.slack.harness import SlackHarness, slack_harness


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    """waymark's Slack app with the small test road map, on SQLite and on PostgreSQL."""
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    async with slack_harness(db.url.render_as_string(hide_password=False), now) as harness:
        yield harness
