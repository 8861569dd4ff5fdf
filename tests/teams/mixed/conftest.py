"""A road map with groups on Slack and on Teams: the clock, both stand-ins and the Teams app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from playground.standin import StandIn, running_standin
from storage.db import Database
from tests.scheduler.conftest import at
from tests.teams.harness import TeamsHarness, load_mixed_roadmap, teams_harness


@pytest.fixture
def now() -> datetime:
    """Monday 2 March 2026, 10:00 in London: reminders and the digest are due."""
    return at("2026-03-02T10:00")


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    await load_mixed_roadmap(db, tmp_path / "roadmap", now, tz)
    async with teams_harness(db, now) as harness:
        yield harness
