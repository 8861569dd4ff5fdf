"""Delivery plans as CSV beside the road map: exact round trips, every bad row reported at once,
nothing half-imported, and a second import changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.roadmap_files.exporting import export_roadmap
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from storage.plan_models import ActionUpdate
from storage.repositories import AuditRepository, PlanRepository
from tests.factories import ACTION_UPDATES, ACTIONS, write_plans, write_roadmap


async def _import(db: Database, directory: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    return report.summary()


async def _export(db: Database, directory: Path) -> dict[str, str]:
    async with db.reading() as session:
        files = await export_roadmap(session, directory)
    return {f.name: f.read_text() for f in files}


async def test_plans_export_then_import_byte_for_byte(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_plans(write_roadmap(tmp_path / "map"))
    assert await _import(db, tmp_path / "map", now, tz) == (
        "created 2 action updates, 3 actions, 2 areas, 2 groups, 3 outcomes, 3 readings"
    )
    # An update given in chat carries the moment to the microsecond.
    async with db.transaction() as session:
        action = await PlanRepository(session).action(20, 1)
        assert action is not None
        session.add(
            ActionUpdate(
                action_id=action.id, at=datetime(2026, 11, 26, 12, 0, 1, 250000, tzinfo=UTC),
                by_platform="teams", by_user="aad-priya", state="on_track",
                text='Venue booked: "Hangar 4", 2 May', via="thread", source_key="slack:C:1",
            )
        )  # fmt: skip
        action.state = "on_track"
    first = await _export(db, tmp_path / "first")
    assert first["actions.csv"] == ACTIONS.replace("2026-12-31,delayed", "2026-12-31,on_track")
    assert first["action_updates.csv"] == ACTION_UPDATES + (
        '20.1,2026-11-26T12:00:01.250000Z,teams:aad-priya,on_track,"Venue booked: ""Hangar 4"", '
        '2 May"\n'
    )
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    await fresh.migrate()
    try:
        await _import(fresh, tmp_path / "first", now, tz)
        assert await _export(fresh, tmp_path / "second") == first
    finally:
        await fresh.dispose()
    assert await _import(db, tmp_path / "first", now, tz) == (
        "unchanged 3 action updates, 3 actions, 2 groups, 3 outcomes, 3 readings"
    )


async def test_a_changed_action_is_updated_and_audited(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_plans(write_roadmap(tmp_path))
    await _import(db, tmp_path, now, tz)
    write_plans(tmp_path, actions=ACTIONS.replace("A jobs fair", "Two jobs fairs"))
    assert "updated 1 actions" in await _import(db, tmp_path, now, tz)
    async with db.reading() as session:
        entries = await AuditRepository(session).for_subject("action:20.1")
    assert [e.action for e in entries] == [
        "action.imported",
        "action.update.imported",
        "action.imported",
    ]
    assert entries[-1].before is not None
    assert entries[-1].after is not None
    assert (entries[-1].before["title"], entries[-1].after["title"]) == (
        "A jobs fair at the airport",
        "Two jobs fairs at the airport",
    )


async def test_every_bad_plan_row_is_reported_and_nothing_changes(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_plans(write_roadmap(tmp_path / "good"))
    await _import(db, tmp_path / "good", now, tz)
    before = await _export(db, tmp_path / "before")
    bad = write_roadmap(tmp_path / "bad")
    write_plans(
        bad,
        actions=ACTIONS.replace("Auto-enrol free school meals", "Renamed so a change would show")
        + "99,1,Somewhere else,action,,,,,on_track,\n"
        + "12,x,,promise,,,2027-05-01,2027-04-01,late,77\n"
        + "12,1,The same number again,action,,,,,,\n"
        + "13,1,Clinics,action,,,someday,,,\n",
        updates="action,at,by,state,text\n"
        "12.9,2026-09-01T09:00:00Z,U1,on_track,\n"
        "12.1,yesterday,,finished,\n"
        "12.1,2026-09-01T09:00:00,U1,on_track,\n",
    )
    with pytest.raises(UserError) as raised:
        await _import(db, bad, now, tz)
    message = str(raised.value)
    expected = [
        "Nothing was imported: 14 problems to fix.",
        "actions.csv, row 5, column outcome: there is no outcome 99",
        "actions.csv, row 6, column number: 'x' is not a whole number of at least 1",
        "actions.csv, row 6, column also_outcomes: 77 is not another outcome",
        "actions.csv, row 6, column due: 2027-04-01 is before the start, 2027-05-01",
        "actions.csv, row 6, column title: is empty",
        "actions.csv, row 6, column kind: 'promise' is not a kind: write action or pledge",
        "actions.csv, row 6, column state: 'late' is not a state: write one of not_started,",
        "actions.csv, row 7, column number: action 12.1 appears twice",
        "actions.csv, row 8, column start: 'someday' is not a date",
        "action_updates.csv, row 2, column action: there is no action 12.9 in actions.csv",
        "action_updates.csv, row 3, column at: 'yesterday' is not an ISO 8601 date and time",
        "action_updates.csv, row 3, column by: is empty",
        "action_updates.csv, row 3, column state: 'finished' is not a state",
        "action_updates.csv, row 4, column at: '2026-09-01T09:00:00' has no time zone",
    ]
    for line in expected:
        assert line in message, line
    assert message.count("\n") == len(expected) - 1
    assert await _export(db, tmp_path / "after") == before


async def test_plan_files_may_be_left_out_and_their_optional_columns_too(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path)
    (directory / "actions.csv").write_text(
        "outcome,number,title,state\n12,1,Breakfast clubs,not_started\n"
    )
    assert "created 1 actions" in await _import(db, directory, now, tz)
    exported = await _export(db, tmp_path / "out")
    assert exported["actions.csv"].splitlines()[1] == "12,1,Breakfast clubs,action,,,,,not_started,"
    assert exported["action_updates.csv"] == "action,at,by,state,text\n"
