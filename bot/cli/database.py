"""Operators' commands for the database itself:

waymark db copy --to URL [--from URL]   everything, to an empty database (SQLite <-> PostgreSQL)
waymark db backup FILE                   a consistent copy of the database while waymark runs
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
from pathlib import Path

from tabulate import tabulate

from bot.cli.arguments import Commands, command
from bot.cli.progress import ProgressBar
from commands.errors import UserError
from config.settings import Settings
from storage.backups import (
    BackupError,
    backup_sqlite,
    pg_dump_command,
    pg_restore_hint,
    sqlite_path,
)
from storage.copying import CopyRefusedError, TableCheck, copy_database
from storage.db import Database, async_url

SHORT = 16  # hex digits of a checksum shown; all 64 are compared


def register(sub: Commands) -> None:
    """Add `db copy` and `db backup` to the `waymark` command."""
    db = sub.add_parser("db", help="copy the database to another, or back it up")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        db_sub, "copy", run_copy,
        "copy everything to an empty database (SQLite or PostgreSQL) and check the copy",
        settings_only=True,
    )  # fmt: skip
    p.add_argument("--to", required=True, metavar="URL", help="the database to copy into")
    p.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="the database to copy from (default: DATABASE_URL); a backup file is "
        "sqlite:///backup.db",
    )
    p = command(
        db_sub, "backup", run_backup,
        "copy the database to FILE while waymark runs (SQLite), or run pg_dump (PostgreSQL)",
        settings_only=True,
    )  # fmt: skip
    p.add_argument("file", metavar="FILE")


async def run_copy(args: argparse.Namespace, settings: Settings) -> int:
    source = Database(args.source or settings.database_url)
    try:
        target = Database(args.to)
    except BaseException:
        await source.dispose()
        raise
    print(f"Copying {_shown(source)} to {_shown(target)}.", flush=True)
    try:
        checks = await copy_database(source, target, progress=ProgressBar())
    except CopyRefusedError as error:
        raise UserError(str(error)) from None
    finally:
        await source.dispose()
        await target.dispose()
    print(tabulate(_rows(checks), headers=["table", "rows", "copied", "checksum", "copy's", ""]))
    different = [c.table for c in checks if not c.matches]
    if different:
        print(
            f"\nThe copy differs from the original in {', '.join(different)}: do not use it. "
            "Empty the target and copy again; if it differs again, report it as a bug."
        )
        return 1
    rows = sum(c.source.rows for c in checks)
    print(f"\nCopied {rows:,} rows in {len(checks)} tables; every count and checksum matches.")
    return 0


def _rows(checks: list[TableCheck]) -> list[list[object]]:
    return [
        [
            c.table, c.source.rows, c.target.rows, c.source.checksum[:SHORT],
            c.target.checksum[:SHORT], "ok" if c.matches else "DIFFERENT",
        ]
        for c in checks
    ]  # fmt: skip


def _shown(db: Database) -> str:
    return db.url.set(drivername=db.url.get_backend_name()).render_as_string(hide_password=True)


async def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    url = async_url(settings.database_url)
    file = Path(args.file)
    if url.get_backend_name() == "sqlite":
        bar = ProgressBar()
        try:
            made = await asyncio.to_thread(
                backup_sqlite,
                sqlite_path(url),
                file,
                on_step=lambda left, total: bar("backup (pages)", total - left, total),
            )
        except BackupError as error:
            raise UserError(str(error)) from None
        print(
            f"Backed up {sqlite_path(url)} to {made.path} ({made.size / 1e6:.1f} MB), a "
            "consistent copy that SQLite has checked. To restore it, or to move it to "
            f"PostgreSQL: DATABASE_URL=sqlite:///{made.path} waymark db copy --to URL"
        )
        return 0
    dump = pg_dump_command(url, file)
    if shutil.which("pg_dump") is None:
        print(
            "pg_dump (PostgreSQL's backup tool) is not installed here, so nothing was backed "
            "up. Run this where it is (it asks for the password, or reads PGPASSWORD):\n"
            f"  {dump.shown}\nTo restore it into a new, empty database:\n"
            f"  {pg_restore_hint(url, file)}"
        )
        return 1
    print(f"Running: {dump.shown}", flush=True)
    process = await asyncio.create_subprocess_exec(*dump.argv, env=dump.environment())
    if await process.wait() != 0:
        print(f"pg_dump failed (exit status {process.returncode}): nothing was backed up.")
        return 1
    print(
        f"Backed up the database to {file}. To restore it into a new, empty database:\n"
        f"  {pg_restore_hint(url, file)}"
    )
    return 0
