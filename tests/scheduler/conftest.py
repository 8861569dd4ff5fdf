"""The scheduler's tests: the example road map of tests/factories.py, a messenger in memory and
a clock the test moves by hand.

Outcome 13 (Children's Trust Board) is quarterly with a 60-day lag and has readings up to
2024-Q3: 2025-Q4 is due Sun 1 Mar 2026, so it is overdue from Monday 2 March. Outcome 20
(Inclusive Economy Board) has never had a reading: 2024 was due Sat 27 Sep 2025, so by March
2026 every rung of its ladder has long been reached. Outcome 12's next reading (2025/26) is not
due until 27 September 2026.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.domain.calendar import Timetable
from commands.reminders.bank_holidays import england_and_wales
from config.targets import Target
from scheduler.jobs import JobContext, tick
from storage.db import Database
from tests.factories import load_roadmap
from tests.scheduler.fakes import FakeMessenger, Posted

LONDON = ZoneInfo("Europe/London")
DIGEST = "C0DIGEST"
PROGRAMME = "C0PROGRAMME"
CHILDREN = "C0CHILDREN1"
ECONOMY = "C0ECONOMY01"
# A day's ticks, local time: either side of working hours, the reminder time and the digest time.
HOURS = (0, 8, 9, 10, 11, 14, 17, 18, 22)


def at(text: str) -> datetime:
    """A London wall-clock time as the UTC instant it is."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def days(first: date, last: date, hours: Iterable[int] = HOURS) -> Iterator[datetime]:
    day = first
    while day <= last:
        for hour in hours:
            yield datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)
        day += timedelta(days=1)


def context(
    db: Database,
    messenger: FakeMessenger,
    *,
    digest: str | None = None,
    programme: str | None = PROGRAMME,
    timetable: Timetable | None = None,
) -> JobContext:
    return JobContext(
        db=db,
        messengers={"slack": messenger},
        timetable=timetable or Timetable(LONDON, bank_holidays=england_and_wales),
        digest_targets=(Target("slack", digest),) if digest else (),
        programme=Target("slack", programme) if programme else None,
    )


async def run(ctx: JobContext, moments: Iterable[datetime]) -> list[tuple[datetime, Posted]]:
    """Tick at each moment; what was posted, with the moment of the tick that posted it."""
    messenger = ctx.messengers["slack"]
    assert isinstance(messenger, FakeMessenger)
    posted: list[tuple[datetime, Posted]] = []
    for moment in moments:
        before = len(messenger.sent)
        await tick(ctx, moment)
        posted += [(moment, p) for p in messenger.sent[before:]]
    return posted


def local_times(posted: list[tuple[datetime, Posted]]) -> list[tuple[str, str, str | None]]:
    return [(f"{t.astimezone(LONDON):%a %d %b %H:%M}", p.channel_id, p.key) for t, p in posted]


@pytest.fixture
async def roadmap(db: Database, tmp_path: Path) -> Database:
    await load_roadmap(db, tmp_path / "map", datetime(2026, 2, 1, tzinfo=UTC), LONDON)
    return db


@pytest.fixture
def messenger() -> FakeMessenger:
    return FakeMessenger()
