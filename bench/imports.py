"""Bulk import measured against a bare insert of the same rows, in the same run.

A fresh database gets the road map without its readings, which are written to a readings.csv
instead. The bare insert loads that file's rows straight into `readings` through the driver
(`executemany` on SQLite, `COPY` on PostgreSQL) and rolls back; then `waymark readings import`
loads the file as a user would, in its own process, whose peak RSS is taken from the kernel."""

from __future__ import annotations

import asyncio
import csv
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.data import generate_scale
from bench.databases import fresh_database
from bench.processes import ProcessError, clean_env, status_kb
from bench.scales import Scale, cadence_of
from commands.domain.periods import Cadence, parse_period
from storage.db import Database

_BATCH = 20_000
_COLUMNS = (
    "outcome_id", "period", "period_start", "value", "submitted_by", "submitted_at", "via",
    "note", "is_current", "state", "approved_by", "approved_at", "confirmed",
)  # fmt: skip


async def measure_import(
    scale: Scale, backend: str, folder: Path, seed: int, today: date
) -> dict[str, Any]:
    file = folder / "readings.csv"
    async with fresh_database(backend, folder) as url:
        db = Database(url)
        try:
            await db.migrate()
            await generate_scale(db, scale, today=today, seed=seed, readings_csv=file)
        finally:
            await db.dispose()
        rows = sum(1 for _ in _rows(file))
        bare_insert = _bare_postgres if backend == "postgresql" else _bare_sqlite
        bare = await bare_insert(url, file)
        seconds, peak_mb, output = await asyncio.to_thread(_waymark_import, url, file, folder)
    file.unlink(missing_ok=True)
    return {
        "rows": rows,
        "bare_seconds": round(bare, 4),  # a smoke-sized file inserts in milliseconds
        "bare_per_second": round(rows / bare) if bare else 0,
        "import_seconds": round(seconds, 4),
        "import_per_second": round(rows / seconds) if seconds else 0,
        "ratio": round(seconds / bare, 2) if bare else float("nan"),
        "peak_rss_mb": round(peak_mb, 1),
        "file": str(file),
        "output": output.strip().splitlines()[-1:] if output else [],
    }


def _rows(file: Path) -> Iterator[tuple[Any, ...]]:
    """The file's rows as `readings` columns (outcome ids are their numbers in generated data)."""
    periods: dict[tuple[str, Cadence], date] = {}
    with file.open(newline="") as handle:
        for r in csv.DictReader(handle):
            label = r["period"]
            cadence = cadence_of(int(r["outcome"]))
            start = periods.get((label, cadence))
            if start is None:
                start = periods[label, cadence] = parse_period(label, cadence).start
            yield (
                int(r["outcome"]), label, start, float(r["value"]), r["submitted_by"],
                datetime.fromisoformat(r["submitted_at"]), "import", r["note"], True,
                r["state"], r["approved_by"], datetime.fromisoformat(r["approved_at"]), False,
            )  # fmt: skip


def _batches(file: Path) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in _rows(file):
        batch.append(row)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _bare_sqlite(url: str, file: Path) -> float:
    """Seconds `executemany` takes to insert the rows (reading the file not counted)."""
    path = make_url(url).database
    assert path is not None
    spent = 0.0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(_COLUMNS))
        sql = f"INSERT INTO readings ({', '.join(_COLUMNS)}) VALUES ({marks})"  # noqa: S608
        for batch in _batches(file):
            naive = [
                (*r[:5], _sqlite_time(r[5]), *r[6:11], _sqlite_time(r[11]), r[12]) for r in batch
            ]
            began = time.perf_counter()
            connection.executemany(sql, naive)
            spent += time.perf_counter() - began
        connection.execute("ROLLBACK")
    finally:
        connection.close()
    return spent


def _sqlite_time(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


async def _bare_postgres(url: str, file: Path) -> float:
    """Seconds `COPY` takes to load the rows (reading the file not counted)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain)
    spent = 0.0
    try:
        transaction = connection.transaction()
        await transaction.start()
        for batch in _batches(file):
            began = time.perf_counter()
            await connection.copy_records_to_table("readings", records=batch, columns=_COLUMNS)
            spent += time.perf_counter() - began
        await transaction.rollback()
    finally:
        await connection.close()
    return spent


def _waymark_import(url: str, file: Path, folder: Path) -> tuple[float, float, str]:
    """`waymark readings import FILE` in its own process: seconds, peak RSS (MB) and output.

    The peak is the child's own high-water mark (`VmHWM`), read while it runs: the kernel's
    `ru_maxrss` for a child counts the memory of the process it was forked from (this one,
    which holds the generated road map)."""
    log = folder / "readings-import.log"
    peak_kb = 0.0
    with log.open("w") as out:
        began = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", "readings", "import", str(file), "--by", "U0BENCHADMIN"],
            env=clean_env({"DATABASE_URL": url}),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        while process.poll() is None:
            try:
                peak_kb = max(peak_kb, status_kb(process.pid, "VmHWM"))
            except (OSError, ProcessError):
                continue  # it has just ended: poll() says so next
            time.sleep(0.02)
        seconds = time.perf_counter() - began
    output = log.read_text()
    if process.returncode != 0:
        raise RuntimeError(f"waymark readings import failed:\n{output[-2000:]}")
    return seconds, peak_kb / 1024, output
