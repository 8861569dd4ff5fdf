"""`waymark db backup`: a copy of a database in use that holds whole transactions only, and
that `db copy` restores, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from commands.context import get_outcome
from commands.domain.periods import Cadence, parse_period
from commands.readings.recording import Via, record_reading
from storage.backups import backup_sqlite, pg_dump_command, pg_restore_hint, sqlite_path
from storage.copying import copy_database
from storage.db import Database, async_url
from storage.models import AuditEntry, Outcome, Reading
from tests.conftest import _in_thread
from tests.operations.history import LEAD, LONDON, NOW, build_history

# Months with no reading yet (the history's leaver gave 2026-10's).
MONTHS = ("2026-11", "2026-12", "2027-01")


async def write_reading(db: Database, month: str) -> None:
    """Outcome 13 (monthly) gets a reading, with its audit row, in one transaction."""
    async with db.transaction() as session:
        outcome = await get_outcome(session, 13)
        await record_reading(
            session, outcome=outcome, value=4.5, period=parse_period(month, Cadence.MONTHLY),
            by=LEAD, via=Via.CLI, now=NOW, tz=LONDON,
        )  # fmt: skip


async def counts(db: Database) -> tuple[int, int, list[str]]:
    async with db.reading() as session:
        readings = await session.scalar(select(func.count()).select_from(Reading))
        audit = await session.scalar(select(func.count()).select_from(AuditEntry))
        periods = await session.scalars(
            select(Reading.period)
            .join(Outcome, Outcome.id == Reading.outcome_id)
            .where(Outcome.number == 13, Reading.period.in_(MONTHS))
        )
        return int(readings or 0), int(audit or 0), sorted(periods)


async def test_a_backup_taken_while_readings_are_written_restores(
    lived_in: Database, db: Database, tmp_path: Path
) -> None:
    """Readings are written between the backup's steps (SQLite starts again from the first page
    when that happens) and just after its last step: the backup has the first two, whole, and
    not the third, and restores into SQLite and into PostgreSQL."""
    loop = asyncio.get_running_loop()
    before = await counts(lived_in)
    steps: list[int] = []
    written: list[str] = []

    def on_step(remaining: int, _total: int) -> None:
        # Runs in the backup's thread, between its steps; waymark writes on the event loop.
        steps.append(remaining)
        if (remaining > 0 and len(written) < 2) or (remaining == 0 and len(written) == 2):
            month = MONTHS[len(written)]
            asyncio.run_coroutine_threadsafe(write_reading(lived_in, month), loop).result()
            written.append(month)

    file = tmp_path / "backup.db"
    made = await asyncio.to_thread(
        backup_sqlite, sqlite_path(lived_in.url), file, pages=4, on_step=on_step
    )
    assert made.path == file
    assert steps[-1] == 0
    assert written == list(MONTHS)
    assert await counts(lived_in) == (before[0] + 3, before[1] + 3, list(MONTHS))

    backup = Database(f"sqlite:///{file}")
    try:
        checks = await copy_database(backup, db)
    finally:
        await backup.dispose()
    assert all(c.matches for c in checks)
    assert await counts(db) == (before[0] + 2, before[1] + 2, list(MONTHS[:2]))


def test_backup_on_sqlite_makes_a_checked_file_and_never_overwrites_one(
    lived_in_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", lived_in_url)
    file = tmp_path / "nightly.db"
    assert main(["db", "backup", str(file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Backed up {tmp_path / 'lived-in.db'} to {file} (")
    assert f"DATABASE_URL=sqlite:///{file} waymark db copy --to URL" in out
    assert not file.with_name("nightly.db.partial").exists()

    assert main(["db", "backup", str(file)]) == 1
    assert capsys.readouterr().err == (
        f"{file} exists already: give the backup a new name, or move that file away first.\n"
    )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nothing-here.db'}")
    assert main(["db", "backup", str(tmp_path / "other.db")]) == 1
    assert "There is no database at" in capsys.readouterr().err


async def _example(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
        await build_history(db)
    finally:
        await db.dispose()


def test_backup_on_postgresql_without_pg_dump_prints_the_command_to_run(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    file = tmp_path / "nightly.dump"
    assert main(["db", "backup", str(file)]) == 1
    out = capsys.readouterr().out
    assert "pg_dump (PostgreSQL's backup tool) is not installed here" in out
    plain = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    assert f"  pg_dump --format=custom --no-owner --file={file} --dbname={plain}\n" in out
    assert "pg_restore --no-owner --dbname=" in out
    assert not file.exists()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_backup_on_postgresql_runs_pg_dump(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_thread(_example(postgres_url))
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    file = tmp_path / "nightly.dump"
    assert main(["db", "backup", str(file)]) == 0
    listing = subprocess.run(  # noqa: S603
        ["pg_restore", "--list", str(file)],  # noqa: S607
        capture_output=True, text=True, check=True, env=dict(os.environ),
    ).stdout  # fmt: skip
    assert "TABLE DATA public readings" in listing
    assert "TABLE DATA public audit_log" in listing


def test_pg_dump_is_given_the_password_in_its_environment_not_its_arguments() -> None:
    url = async_url("postgresql://waymark:s3cret@dbhost:5433/waymark")
    dump = pg_dump_command(url, Path("/backups/nightly.dump"))
    assert dump.shown == (
        "pg_dump --format=custom --no-owner --file=/backups/nightly.dump "
        "--dbname=postgresql://waymark@dbhost:5433/waymark"
    )
    assert "s3cret" not in " ".join(dump.argv)
    assert dump.environment()["PGPASSWORD"] == "s3cret"
    assert pg_restore_hint(url, Path("nightly.dump")) == (
        "pg_restore --no-owner --dbname=postgresql://waymark@dbhost:5433/NEW_DATABASE nightly.dump"
    )
