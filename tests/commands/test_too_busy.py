"""A process with no connection (or, on SQLite, no turn to write) free in time says it is too
busy, inside Slack's three seconds, rather than answer late; and nothing is changed. The
database itself is fine, so the answer does not blame it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.conversations import TOO_BUSY, Core
from commands.events import Command
from storage.db import Database
from storage.repositories import ReadingRepository, RoadmapRepository
from tests.factories import load_roadmap

LEAD = "U0CHILDLEAD"
SUBMIT = "12 submit 29 2025/26 more outreach this spring"


async def test_no_connection_free_in_time_is_answered_as_too_busy(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    url = db.url.render_as_string(hide_password=False)
    # One connection (PostgreSQL) or one writer (SQLite), and a short deadline.
    busy = Database(url, max_connections=1, timeout=0.3)
    core = Core(busy, clock=lambda: now, tz=tz, admins=frozenset())
    try:
        async with busy.transaction():  # another request holds it throughout
            reply = await core.command(Command("slack", "C0CHILDREN1", LEAD, SUBMIT))
        assert reply.fallback == TOO_BUSY
        assert await periods_of_12(busy) == ["2024/25"]  # nothing was recorded
    finally:
        await busy.dispose()


async def periods_of_12(db: Database) -> list[str]:
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(12)
        assert outcome is not None
        return [r.period for r in await ReadingRepository(session).history(outcome.id)]
