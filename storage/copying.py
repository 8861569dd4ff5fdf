"""`waymark db copy`: every row of every table, from one database to another that is empty and
migrated, SQLite and PostgreSQL either way, then a proof that the copy holds what the original
held (rows and a checksum per table, `storage.checksums`).

Generic over `Base.metadata`: whatever tables a version of waymark has are copied, parents
before children, primary keys kept. The original is read in one snapshot, so a copy of a
database in use is consistent; the copy is written in one transaction, so a failure leaves the
target as empty as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.checksums import TableSum
from storage.db import Database
from storage.models import Base

BATCH = 1000

# (table, rows copied so far, rows in all): called after every batch, for a progress bar.
Progress = Callable[[str, int, int], None]


class CopyRefusedError(Exception):
    """The copy cannot start; the message says why and what to do instead."""


@dataclass(frozen=True)
class TableCheck:
    """One table, counted and summed on both sides."""

    table: str
    source: TableSum
    target: TableSum

    @property
    def matches(self) -> bool:
        return (self.source.rows, self.source.checksum) == (self.target.rows, self.target.checksum)


async def copy_database(
    source: Database,
    target: Database,
    *,
    metadata: MetaData = Base.metadata,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> list[TableCheck]:
    """Migrate `target`, refuse it unless every table is empty, copy every row into it, and
    count and sum both sides. Both databases are migrated to the newest schema first."""
    if _same_database(source, target):
        raise CopyRefusedError(
            "The target is the database you are copying from: give --to another database."
        )
    if source.is_sqlite and not _file(source).exists():
        raise CopyRefusedError(
            f"There is no database at {_file(source)} to copy from: check the path (a backup "
            "is given as sqlite:///backup.db, or sqlite:////an/absolute/path.db)."
        )
    await source.migrate()
    await target.migrate()
    tables = metadata.sorted_tables
    occupied = await _tables_with_rows(target, tables)
    if occupied:
        raise CopyRefusedError(
            f"The target already holds rows (in {', '.join(occupied)}), and waymark copies only "
            "into an empty database: create a new one, or empty this one, and run it again. "
            "Nothing was copied."
        )
    sums: dict[str, TableSum] = {}
    async with source.reading() as reading, target.transaction() as writing:
        read = await reading.connection(execution_options=_snapshot(source))
        write = await writing.connection()
        for table in tables:
            sums[table.name] = await _copy_table(read, write, table, batch, progress)
        if target.is_postgresql:
            await _reset_sequences(write, tables)
    copied = await table_sums(target, tables)
    return [TableCheck(t.name, sums[t.name], copied[t.name]) for t in tables]


async def table_sums(db: Database, tables: Sequence[Table]) -> dict[str, TableSum]:
    """Every table of `db` counted and summed, in one snapshot."""
    sums: dict[str, TableSum] = {}
    async with db.reading() as session:
        conn = await session.connection(execution_options=_snapshot(db))
        for table in tables:
            total = TableSum(table.name)
            result = await conn.stream(select(table).execution_options(yield_per=BATCH))
            async for rows in result.partitions():
                total.add(table, rows)
            sums[table.name] = total
    return sums


def _snapshot(db: Database) -> dict[str, Any]:
    # SQLite's transactions read one snapshot already; PostgreSQL's read committed does not.
    return {"isolation_level": "REPEATABLE READ"} if db.is_postgresql else {}


def _same_database(a: Database, b: Database) -> bool:
    if a.is_sqlite and b.is_sqlite:
        return _file(a).resolve() == _file(b).resolve()
    return a.url.render_as_string(hide_password=False) == b.url.render_as_string(
        hide_password=False
    )


def _file(db: Database) -> Path:
    return Path(db.url.database or "")


async def _tables_with_rows(db: Database, tables: Sequence[Table]) -> list[str]:
    occupied = []
    async with db.reading() as session:
        for table in tables:
            if await session.scalar(select(text("1")).select_from(table).limit(1)) is not None:
                occupied.append(table.name)
    return occupied


async def _copy_table(
    read: AsyncConnection,
    write: AsyncConnection,
    table: Table,
    batch: int,
    progress: Progress | None,
) -> TableSum:
    total = int(await read.scalar(select(func.count()).select_from(table)) or 0)
    # A column pointing at another row of the same table is filled in once every row is there,
    # so that rows can go in whatever order they come.
    later = [
        fk.parent for fk in table.foreign_keys if fk.column.table is table and fk.parent.nullable
    ]
    pending: list[dict[str, Any]] = []
    copied = TableSum(table.name)
    names = [c.key for c in table.columns]
    if progress is not None:
        progress(table.name, 0, total)
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=batch)
    result = await read.stream(query)
    async for rows in result.partitions(batch):
        copied.add(table, rows)
        values = [dict(zip(names, row, strict=True)) for row in rows]
        for row in values:
            pointers = {c.key: row[c.key] for c in later if row[c.key] is not None}
            if pointers:
                pending.append({**_key_of(table, row), **_new(pointers)})
                row.update(dict.fromkeys(pointers))
        await write.execute(table.insert(), values)
        if progress is not None:
            progress(table.name, copied.rows, total)
    for column in later:
        await _fill_in(write, table, column, [p for p in pending if f"new_{column.key}" in p])
    return copied


def _new(values: dict[str, Any]) -> dict[str, Any]:
    return {f"new_{key}": value for key, value in values.items()}


def _key_of(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {f"pk_{c.key}": row[c.key] for c in table.primary_key.columns}


async def _fill_in(
    write: AsyncConnection, table: Table, column: Column[Any], rows: list[dict[str, Any]]
) -> None:
    if not rows:
        return
    keyed = [c == bindparam(f"pk_{c.key}") for c in table.primary_key.columns]
    new = f"new_{column.key}"
    statement = update(table).where(*keyed).values({column.key: bindparam(new)})
    wanted = [*_key_names(table), new]
    for start in range(0, len(rows), BATCH):
        chunk = [{k: r[k] for k in wanted} for r in rows[start : start + BATCH]]
        await write.execute(statement, chunk)


def _key_names(table: Table) -> list[str]:
    return [f"pk_{c.key}" for c in table.primary_key.columns]


async def _reset_sequences(write: AsyncConnection, tables: Sequence[Table]) -> None:
    """Rows came with their ids, so PostgreSQL's counters still stand at 1: move each on past
    the largest id, or the next row waymark adds would collide with a copied one."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = await write.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        )
        if sequence is None:
            continue
        largest = await write.scalar(select(func.max(column)))
        await write.execute(
            text("SELECT setval(:sequence, :next, false)"),
            {"sequence": sequence, "next": int(largest or 0) + 1},
        )
