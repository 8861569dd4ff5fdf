"""The road map the guards' Slack tests share: the small one, with outcomes 16 and 21."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from tests.factories import OUTCOMES, READINGS, write_roadmap
from tests.slack.harness import ADMIN, SlackHarness, slack_harness

# Outcome 16 as in the example road map; outcome 21 lower is better, 8.3% on track in 2026-Q2.
MORE_OUTCOMES = (
    "16,Fewer children live in temporary accommodation,Child friendly town,Children in "
    "temporary accommodation,count,lower_is_better,quarterly,100,2024-Q1,2050,"
    "2027-Q4:1600;2040:300,10%,children,MHCLG\n"
    "21,Fewer young people are out of learning and work,Child friendly town,16-17 year olds "
    "not in education or training,%,lower_is_better,quarterly,60,2024-Q1,9,2026-Q1:8.5;2040:4,"
    "1,children,DfE\n"
)
MORE_READINGS = (
    "16,2026-Q2,2184,U0CHILDLEAD,2026-10-14T10:11:00Z,\n"
    "21,2026-Q2,8.3,U0CHILDLEA2,2026-08-20T09:00:00Z,\n"
)


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    """The Slack app with the small road map and outcomes 16 and 21, imported by the
    performance officer (so its readings are approved by her)."""
    directory = write_roadmap(tmp_path / "roadmap", readings=READINGS + MORE_READINGS)
    (directory / "outcomes.csv").write_text(OUTCOMES + MORE_OUTCOMES)
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor=ADMIN.id, now=now, tz=tz)
    async with slack_harness(db.url.render_as_string(hide_password=False), now) as harness:
        yield harness
