"""`waymark db copy`: from SQLite to PostgreSQL and back, everything arrives, and says so."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.roadmap import run_status
from bot.wiring import Runtime
from commands.context import get_outcome
from commands.domain.periods import Cadence, parse_period
from commands.readings.recording import Via, record_reading
from commands.roadmap_files.exporting import export_readings
from config.settings import Settings
from storage.checksums import plain_row
from storage.copying import CopyRefusedError, copy_database
from storage.db import Database
from storage.models import AuditEntry, Base, Reading
from tests.operations.history import LONDON, NOW

OUTCOMES = range(1, 41)


async def what_people_see(
    db: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> tuple[dict[int, object], str]:
    """`waymark status N --json` for every outcome, and `waymark readings export`."""
    rt = Runtime(Settings.model_validate({}), db, LONDON, NOW)
    capsys.readouterr()
    statuses: dict[int, object] = {}
    for number in OUTCOMES:
        assert await run_status(argparse.Namespace(number=number, json=True), rt) == 0
        statuses[number] = json.loads(capsys.readouterr().out)
    file = tmp_path / f"readings-{id(db)}.csv"
    async with db.reading() as session:
        await export_readings(session, file)
    return statuses, file.read_text()


async def audit_rows(db: Database) -> list[dict[str, object]]:
    table = AuditEntry.__table__
    async with db.reading() as session:
        rows = await session.execute(select(table).order_by(table.c.id))
        return [plain_row(table, tuple(row)) for row in rows]  # type: ignore[arg-type]


async def test_copying_to_postgresql_and_back_keeps_what_people_see_and_every_audit_row(
    lived_in: Database, postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    postgres = Database(postgres_url)
    back = Database(f"sqlite:///{tmp_path / 'back.db'}")
    try:
        there = await copy_database(lived_in, postgres)
        again = await copy_database(postgres, back)
        assert [c.table for c in there] == [t.name for t in Base.metadata.sorted_tables]
        assert all(c.matches for c in there + again)
        by_table = {c.table: c.source.rows for c in there}
        assert by_table["readings"] == 228
        # 12 reminders and digests, the stale action 18.1's reminder, and two redrawings of
        # outcome 13's shared card (its reading, then the correction).
        assert by_table["outbox"] == 15
        assert by_table["audit_log"] > by_table["readings"]
        # The same checksums on SQLite and PostgreSQL: they are computed from normalised values.
        assert [c.target.checksum for c in there] == [c.target.checksum for c in again]

        original = await what_people_see(lived_in, capsys, tmp_path)
        assert await what_people_see(postgres, capsys, tmp_path) == original
        assert await what_people_see(back, capsys, tmp_path) == original
        statuses, readings = original
        assert statuses[13]["latest"]["value"] == 4.8  # type: ignore[index]
        assert readings.count("\n") == 229

        audit = await audit_rows(lived_in)
        assert await audit_rows(postgres) == audit
        assert await audit_rows(back) == audit
        assert {"reading.corrected", "outcome.paused", "outcome.snoozed"} <= {
            str(r["action"]) for r in audit
        }
    finally:
        await postgres.dispose()
        await back.dispose()


async def test_postgresql_numbers_new_rows_after_the_copied_ones(
    lived_in: Database, postgres_url: str
) -> None:
    postgres = Database(postgres_url)
    try:
        await copy_database(lived_in, postgres)
        async with postgres.transaction() as session:
            outcome = await get_outcome(session, 12)
            recorded = await record_reading(
                session, outcome=outcome, value=85.0,
                period=parse_period("2026-Q3", Cadence.QUARTERLY),
                by="U0CTBLEAD01", via=Via.CLI, now=NOW, tz=LONDON,
            )  # fmt: skip
        assert recorded.reading.id == 229
        async with postgres.reading() as session:
            assert await session.scalar(select(Reading.id).order_by(Reading.id.desc())) == 229
    finally:
        await postgres.dispose()


async def test_a_target_with_rows_is_refused_by_name_and_left_as_it_was(
    lived_in: Database, tmp_path: Path
) -> None:
    target = Database(f"sqlite:///{tmp_path / 'used.db'}")
    try:
        await copy_database(lived_in, target)
        with pytest.raises(CopyRefusedError) as refused:
            await copy_database(lived_in, target)
        assert "already holds rows (in areas, " in str(refused.value)
        assert "Nothing was copied." in str(refused.value)
        with pytest.raises(CopyRefusedError, match="is the database you are copying from"):
            await copy_database(lived_in, Database(lived_in.url.render_as_string(False)))
    finally:
        await target.dispose()
