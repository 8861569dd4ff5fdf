"""Listing the road map costs the same number of queries for 3 outcomes as for 300."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from commands.domain.rules import Status
from commands.outcomes.statuses import list_statuses, outcome_status
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from tests.factories import GROUPS, load_roadmap


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):  # transaction control, not a query
            statements.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


def _many_outcomes(directory: Path, count: int) -> Path:
    directory.mkdir(parents=True)
    (directory / "groups.csv").write_text(GROUPS)
    header = (
        "number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,"
        "baseline_value,milestones,tolerance,owner,source\n"
    )
    rows = [
        f"{n},Outcome {n},Area {n % 5},Measure {n},%,higher_is_better,annual,90,2023,50,"
        f"2030:60;2040:70,5%,economy,\n"
        for n in range(1, count + 1)
    ]
    readings = [f"{n},{year},{50 + n % 7},U1,{year + 1}-05-01T09:00:00Z,\n" for n in
                range(1, count + 1) for year in (2024, 2025)]  # fmt: skip
    (directory / "outcomes.csv").write_text(header + "".join(rows))
    (directory / "readings.csv").write_text(
        "outcome,period,value,submitted_by,submitted_at,note\n" + "".join(readings)
    )
    return directory


async def test_listing_is_a_constant_number_of_queries(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    counts = []
    for size in (3, 300):
        async with db.transaction() as session:
            directory = _many_outcomes(tmp_path / str(size), size)
            await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
        with counting(db) as statements:
            async with db.reading() as session:
                found = await list_statuses(session, now.date())
        counts.append(len(statements))
    assert len(found) == 300
    assert counts[0] == counts[1] <= 4


async def test_one_outcome_is_a_handful_of_indexed_queries(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    with counting(db) as statements:
        async with db.reading() as session:
            status = await outcome_status(session, 12, now.date())
    assert status.status is Status.AT_RISK  # 36 against 35 expected; 5% of 35 is 1.75
    assert len(statements) <= 3
