"""`waymark db backup`: a consistent copy of a database while waymark goes on writing to it.

SQLite: its online backup API, which copies a snapshot page by page and starts again if another
connection writes in between, so a copy never holds half a transaction; the copy is one file,
checked before it is given its name. PostgreSQL: `pg_dump`, PostgreSQL's own tool, which reads
one snapshot too; waymark builds the command and runs it when it is installed. Either is put
back with `db copy` (SQLite) or `pg_restore` (PostgreSQL).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

# Pages copied per step of SQLite's backup: small enough to let writers in between steps.
PAGES_PER_STEP = 256

# (pages left, pages in all): called after each step of a SQLite backup.
Steps = Callable[[int, int], None]


class BackupError(Exception):
    """The backup was not made; the message says why and what to do instead."""


@dataclass(frozen=True)
class SqliteBackup:
    path: Path
    pages: int
    size: int


def sqlite_path(url: URL) -> Path:
    return Path(url.database or "")


def backup_sqlite(
    source: Path, file: Path, *, pages: int = PAGES_PER_STEP, on_step: Steps | None = None
) -> SqliteBackup:
    """Copy the SQLite database at `source` to the new file `file`, consistently, while others
    write to it. Blocking: run it in a thread."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}, so there is nothing to back up.")
    if file.exists():
        raise BackupError(
            f"{file} exists already: give the backup a new name, or move that file away first."
        )
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)

    def step(_status: int, remaining: int, total: int) -> None:
        if on_step is not None:
            on_step(remaining, total)

    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst, pages=pages, progress=step)
            # One self-contained file, whatever mode the original was in.
            dst.execute("PRAGMA journal_mode=DELETE")
            checked = dst.execute("PRAGMA integrity_check").fetchone()
            if checked is None or checked[0] != "ok":
                raise BackupError(f"The copy failed SQLite's integrity check ({checked}).")
            total = int(dst.execute("PRAGMA page_count").fetchone()[0])
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(file)
    return SqliteBackup(file, total, file.stat().st_size)


@dataclass(frozen=True)
class DumpCommand:
    """`pg_dump` for one database: the arguments to run, and the password, given to it in its
    environment rather than on a command line that others on the machine can see."""

    argv: tuple[str, ...]
    password: str | None

    @property
    def shown(self) -> str:
        """The command as people can copy it (the password left out: `pg_dump` asks for it, or
        reads PGPASSWORD or ~/.pgpass)."""
        return shlex.join(self.argv)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def pg_dump_command(url: URL, file: Path) -> DumpCommand:
    """The `pg_dump` that writes the database at `url` to `file` in its custom format (for
    `pg_restore`), leaving out who owns what, which differs between servers."""
    target = _without_password(url).render_as_string(hide_password=False)
    argv = ("pg_dump", "--format=custom", "--no-owner", f"--file={file}", f"--dbname={target}")
    return DumpCommand(argv, None if url.password is None else str(url.password))


def pg_restore_hint(url: URL, file: Path) -> str:
    plain = _without_password(url).set(database="NEW_DATABASE")
    target = plain.render_as_string(hide_password=False)
    return shlex.join(("pg_restore", "--no-owner", f"--dbname={target}", str(file)))


def _without_password(url: URL) -> URL:
    """`url` as libpq reads it (no driver), without the password (`URL.set` cannot unset one)."""
    return URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
