"""The scheduler's passes, in this process against the bench database: one weekly digest and
one reminder pass (the operator's dry runs, which build everything and post nothing), with
the SQL statements each issues counted by SQLAlchemy's `before_cursor_execute` event, and the
bare query they are compared with."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, text

from bot.wiring import job_context
from commands.domain.calendar import local_instant, next_working_day
from commands.reminders.bank_holidays import england_and_wales
from config.settings import Settings
from scheduler.jobs import send_reminders, send_weekly_digest
from storage.db import Database

LONDON = ZoneInfo("Europe/London")
DIGEST_CHANNEL = "C0BENCHDIGEST"
PROGRAMME_CHANNEL = "C0BENCHPROGRAM"

# Every outcome's latest current reading, one index lookup per outcome: what the database can
# do at best for "where does each outcome stand".
BARE_LATEST = """
SELECT r.outcome_id, r.period, r.value
FROM outcomes o
JOIN readings r ON r.id = (
    SELECT r2.id FROM readings r2
    WHERE r2.outcome_id = o.id AND r2.is_current = TRUE
    ORDER BY r2.period_start DESC
    LIMIT 1
)
"""


class StatementCounter:
    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@dataclass(frozen=True)
class Timed:
    ms: float  # median
    statements: int  # the most any repetition issued
    rows: int = 0


def digest_moment(today: date) -> datetime:
    """The next Monday at 10:30, London time: its digest covers this week, and so the readings
    the run sent in."""
    monday = today + timedelta(days=7 - today.weekday())
    return local_instant(monday, clock_time(10, 30), LONDON)


def reminder_moment(overdue_from: date) -> datetime:
    """10:30 on the first working day from `overdue_from`: every outcome without a reading
    for the period after the generated ones is overdue, so the pass has work for each."""
    return local_instant(
        next_working_day(overdue_from, england_and_wales), clock_time(10, 30), LONDON
    )


async def _repeat(
    db: Database, counter: StatementCounter, work: Callable[[], Awaitable[int]], times: int
) -> Timed:
    durations = []
    statements = 0
    rows = 0
    for _ in range(times):
        counter.count = 0
        began = time.perf_counter()
        rows = await work()
        durations.append(time.perf_counter() - began)
        statements = max(statements, counter.count)
    return Timed(round(statistics.median(durations) * 1000, 2), statements, rows)


async def measure_passes(
    url: str, *, today: date, overdue_from: date, times: int
) -> dict[str, Timed]:
    db = Database(url)
    counter = StatementCounter(db)
    # The operator's `waymark digest --dry-run` and `waymark remind --dry-run`, with the
    # default schedule (London time) and nothing to post with.
    settings = Settings.model_validate(
        {
            "DATABASE_URL": url,
            "WAYMARK_DIGEST_CHANNEL": DIGEST_CHANNEL,
            "WAYMARK_PROGRAMME_CHANNEL": PROGRAMME_CHANNEL,
        }
    )
    ctx = job_context(settings, db, {})
    digest_at = digest_moment(today)
    reminders_at = reminder_moment(overdue_from)

    async def digest() -> int:
        return len(await send_weekly_digest(ctx, digest_at, dry_run=True))

    async def reminders() -> int:
        return len(await send_reminders(ctx, reminders_at, dry_run=True))

    async def bare() -> int:
        async with db.reading() as session:
            return len((await session.execute(text(BARE_LATEST))).all())

    try:
        await bare()  # a first query warms the pool and the caches for all three
        return {
            "digest": await _repeat(db, counter, digest, times),
            "reminders": await _repeat(db, counter, reminders, times),
            "bare_latest": await _repeat(db, counter, bare, times),
        }
    finally:
        await db.dispose()
