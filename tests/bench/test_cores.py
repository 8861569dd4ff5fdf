"""What a reading costs, set against the target rate as the cores it would keep busy: the
figure README's Performance section judges the ingest targets by (`bench.report.cores`), and
PostgreSQL's own server's CPU measured beside waymark's (`bench.processes`)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bench.processes import postgres_server_cpu_seconds
from bench.report import cores
from storage.db import Database


def test_the_cores_a_reading_takes_count_postgresqls_server_where_it_was_measured() -> None:
    measured = {
        "cpu_ms_per_reading": 4.5,
        "standin_cpu_ms_per_reading": 0.6,
        "client_cpu_ms_per_reading": 0.4,
        "database_cpu_ms_per_reading": 2.0,
    }
    # At 500 a second: 4.5 ms is 2.25 cores; with 1.0 + 2.0 ms more, 3.75 (rounded as shown).
    assert cores(measured, "postgresql") == (
        "4.5 ms (2.2 cores at 500/s); with the stand-in's and the bench's 1.0 ms and "
        "PostgreSQL's 2.0 ms, 3.8 cores"
    )
    # SQLite's work is waymark's own; figures from before the server was measured say nothing
    # of it rather than 0 ms.
    del measured["database_cpu_ms_per_reading"]
    assert cores(measured, "sqlite") == (
        "4.5 ms (1.4 cores at 300/s); with the stand-in's and the bench's 1.0 ms, 1.6 cores"
    )


async def test_postgresqls_server_cpu_grows_as_it_works(postgres_url: str) -> None:
    before = postgres_server_cpu_seconds()
    if not before:
        pytest.skip("the run's PostgreSQL server is not on this machine: its CPU is not measured")
    db = Database(postgres_url)
    try:
        async with db.reading() as session:
            # Work for the server alone: a second or so of its CPU, nothing of the test's.
            await session.execute(text("SELECT count(*) FROM generate_series(1, 3000000)"))
        assert postgres_server_cpu_seconds() - before > 0.05
    finally:
        await db.dispose()
