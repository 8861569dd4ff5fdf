"""The guards on figures in the CSV files: a file has no one to ask, so what chat would ask
about is a problem unless the file says otherwise, and every problem is reported in one pass;
approval, approvers and kept figures round-trip exactly."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.readings.approval import approve
from commands.readings.locks import lock_through
from commands.roadmap_files.exporting import export_roadmap
from commands.roadmap_files.importing import import_readings, import_roadmap
from storage.db import Database
from storage.repositories import ReadingRepository, RoadmapRepository
from tests.factories import GROUPS, write_roadmap

HEADER = "outcome,period,value,submitted_by,submitted_at,note"


async def _import(db: Database, directory: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_roadmap(session, directory, actor="U0ADMIN", now=now, tz=tz)
    return report.summary()


async def _readings(db: Database, file: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_readings(session, file, now=now, tz=tz, actor="U0ADMIN")
    return report.summary()


async def test_every_doubt_in_a_file_is_a_problem_reported_in_one_pass(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await _import(db, write_roadmap(tmp_path / "map"), now, tz)
    async with db.transaction() as session:
        await lock_through(
            session, through=date(2025, 3, 31), by="U0ADMIN", reason="published", now=now
        )
    file = tmp_path / "more.csv"
    file.write_text(
        f"{HEADER}\n"
        "12,1900/01,36,U0CHILDLEAD,,\n"  # before the baseline
        "13,2023-Q1,86,U0CHILDLEAD,,\n"  # before the baseline
        "13,2024-Q1,86,U0CHILDLEAD,,\n"  # the baseline period itself
        "13,2025-Q2,8.6,U0CHILDLEAD,,\n"  # a tenth of the last reading
        "12,2024/25,35,U0CHILDLEAD,,typo\n"  # a locked period, without a reason
        "13,2025-Q3,86.4,U0CHILDLEAD,,\n"  # fine, but nothing is imported
    )
    with pytest.raises(UserError) as raised:
        await _readings(db, file, now, tz)
    lines = str(raised.value).splitlines()
    assert lines == [
        "Nothing was imported: 5 problems to fix.",
        "more.csv, row 2, column period: 1900/01 is before outcome 12's baseline, 40% in "
        "2023/24: readings start from 2024/25. Check the period.",
        "more.csv, row 3, column period: 2023-Q1 is before outcome 13's baseline, 85% in "
        "2024-Q1: readings start from 2024-Q2. Check the period.",
        "more.csv, row 4, column period: 2024-Q1 is outcome 13's baseline period (85%), not a "
        "reading: readings start from 2024-Q2. Check the period.",
        "more.csv, row 5, column value: You wrote 8.6% — about a tenth of the last reading, 85.5% "
        "(2024-Q3). If it is right, write yes in a confirmed column.",
        "more.csv, row 6, column period: 2024/25 is locked: U0ADMIN locked every period ending "
        "on or before Mon 31 Mar 2025 on Thu 26 Nov 2026 (published). To revise it, give the "
        "reason in a revision_reason column.",
    ]
    async with db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(13)
        assert outcome is not None
        assert len(await ReadingRepository(session).history(outcome.id)) == 2


async def test_kept_figures_revisions_approval_and_approvers_round_trip_exactly(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path / "map", readings=None)
    (directory / "groups.csv").write_text(
        GROUPS.replace("slug,name,channel,leads", "slug,name,channel,leads,approvers")
        .replace("U0CHILDLEAD U0CHILDLEA2\n", "U0CHILDLEAD U0CHILDLEA2,U0CHAIR\n")
        .replace("U0ECONLEAD1\n", "U0ECONLEAD1,\n")
    )
    (directory / "readings.csv").write_text(
        f"{HEADER},state,approved_by,approved_at,confirmed,revision_reason\n"
        "13,2024-Q2,86,U0CHILDLEAD,2024-09-01T09:00:00Z,,approved,U0CHAIR,"
        "2024-09-03T09:00:00Z,,\n"
        "13,2024-Q3,8.6,U0CHILDLEAD,2024-12-01T09:00:00Z,a new survey,provisional,,,yes,\n"
        "13,2024-Q3,86.5,U0ADMIN,2025-06-01T09:00:00Z,,provisional,,,,ONS revised it\n"
    )
    assert await _import(db, directory, now, tz) == (
        "created 2 areas, 2 groups, 3 outcomes, 3 readings"
    )
    async with db.reading() as session:
        exported = await export_roadmap(session, tmp_path / "out")
    # The files this road map has (export writes people, revisions and plans too).
    written = {file.name: file for file in exported}
    for name in ("groups.csv", "outcomes.csv", "readings.csv"):
        assert written[name].read_text() == (directory / name).read_text(), name

    async with db.transaction() as session:
        outcome = await RoadmapRepository(session).outcome(13)
        assert outcome is not None
        [current] = await ReadingRepository(session).latest(outcome.id, 1)
        said = await approve(
            session, outcome, current, by="U0CHAIR", admins={"U0ADMIN"}, now=now, tz=tz
        )
    assert said.startswith("Approved outcome 13's 2024-Q3 reading (86.5%)")


async def test_a_file_says_who_approved_and_nobody_approves_their_own(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await _import(db, write_roadmap(tmp_path / "map", readings=None), now, tz)
    file = tmp_path / "more.csv"
    file.write_text(
        f"{HEADER},state,approved_by,approved_at\n"
        "13,2024-Q2,86,U0CHILDLEAD,,,approved,U0CHILDLEAD,\n"
        "13,2024-Q3,85.5,U0CHILDLEAD,,,approved,,\n"
        "13,2024-Q4,85.6,U0CHILDLEAD,,,final,,\n"
    )
    with pytest.raises(UserError) as raised:
        await _readings(db, file, now, tz)
    message = str(raised.value)
    assert "row 2, column approved_by: is who submitted it; nobody approves their own" in message
    assert "row 3, column approved_by: is empty; an approved reading says who approved it" in (
        message
    )
    assert "row 4, column state: 'final' is not a state: write provisional or approved" in message
