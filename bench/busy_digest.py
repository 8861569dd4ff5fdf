"""The weekly digest after a busy week against the bare latest-reading query, on a road map
generated once and kept (generating it is most of a bench run):

    python -m bench.busy_digest build sqlite:///PATH    # or a PostgreSQL URL of an empty database
    python -m bench.busy_digest time URL [--times 9] [--out preview.txt]
    python -m bench.busy_digest explain URL

`build` generates the stress road map (5,000 outcomes, 1,000,000 readings) for a fixed date and
stores 1,200 readings in the week of its digest as the bench's ingest does (900 of a new period,
300 corrections), through `record_reading`. `time` runs the operator's dry-run digest and the
bare query one after the other, several times, and gives the median of each and of their ratio
(in the same moment, so that other work on the machine hits both); `--out` keeps the digest's
text, to compare before and after a change. `explain` prints each statement of one digest with
its time and its plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL)."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text

from bench import passes
from bench.data import generate_scale
from bench.scales import SCALES
from bot.wiring import job_context
from commands.domain.periods import Cadence, parse_period
from commands.readings.recording import Via, record_reading
from config.settings import Settings
from scheduler.jobs import send_weekly_digest
from storage.db import Database
from storage.models import Outcome

# Fixed, so that a kept database is measured against the same week whenever it is timed.
TODAY = date(2026, 11, 25)
SEED = 20260217


async def build(url: str) -> None:
    scale = SCALES["stress"]
    db = Database(url)
    try:
        await db.migrate()
        began = time.perf_counter()
        roadmap = await generate_scale(db, scale, today=TODAY, seed=SEED)
        print(f"generated in {time.perf_counter() - began:.1f} s")
        rng = random.Random(SEED)
        numbers = list(roadmap.monthly)
        # As the bench's ingest (to monthly outcomes): 900 new readings (of the free period)
        # and 300 corrections (of the period due).
        jobs = [(n, roadmap.free.label) for n in numbers[:900]]
        jobs += [(n, roadmap.due.label) for n in rng.sample(numbers, 300)]
        now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        began = time.perf_counter()
        for i, (number, label) in enumerate(jobs):
            async with db.transaction() as session:
                outcome = await session.scalar(select(Outcome).where(Outcome.number == number))
                assert outcome is not None
                await record_reading(
                    session,
                    outcome=outcome,
                    value=round(rng.uniform(5, 95), 1),
                    period=parse_period(label, Cadence.MONTHLY),
                    by=rng.choice(roadmap.threads[number].leads),
                    via=Via.THREAD,
                    now=now + timedelta(seconds=i * 7),
                    tz=passes.LONDON,
                    note="",
                    confirmed=True,
                )
        print(f"ingested {len(jobs)} in {time.perf_counter() - began:.1f} s")
        if db.is_postgresql:
            async with db.engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await auto.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await db.dispose()


def _context(url: str, db: Database) -> Any:
    settings = Settings.model_validate(
        {
            "DATABASE_URL": url,
            "WAYMARK_DIGEST_CHANNEL": passes.DIGEST_CHANNEL,
            "WAYMARK_PROGRAMME_CHANNEL": passes.PROGRAMME_CHANNEL,
        }
    )
    return job_context(settings, db, {})


async def timed(url: str, times: int, out: str | None) -> None:
    db = Database(url)
    ctx = _context(url, db)
    at = passes.digest_moment(TODAY)
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    async def digest() -> Any:
        return await send_weekly_digest(ctx, at, dry_run=True)

    async def bare() -> int:
        async with db.reading() as session:
            return len((await session.execute(text(passes.BARE_LATEST))).all())

    try:
        await bare()
        preview = await digest()
        if out:
            Path(out).write_text(preview)  # noqa: ASYNC240 - once, before anything is timed
        ratios, ds, bs = [], [], []
        for _ in range(times):
            statements.clear()
            began = time.perf_counter()
            await digest()
            d = time.perf_counter() - began
            began = time.perf_counter()
            await bare()
            b = time.perf_counter() - began
            ds.append(d * 1000)
            bs.append(b * 1000)
            ratios.append(d / b)
        print(
            f"{db.url.get_backend_name()}: digest {statistics.median(ds):.1f} ms "
            f"({len(statements)} statements), bare {statistics.median(bs):.1f} ms, "
            f"ratio median {statistics.median(ratios):.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
        )
    finally:
        await db.dispose()


async def explain(url: str) -> None:
    db = Database(url)
    ctx = _context(url, db)
    seen: list[tuple[str, Any, float]] = []
    began: list[float] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        began.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params, (time.perf_counter() - began.pop()) * 1000))

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    event.listen(db.engine.sync_engine, "after_cursor_execute", after)
    try:
        await send_weekly_digest(ctx, passes.digest_moment(TODAY), dry_run=True)
        seen.clear()
        began_all = time.perf_counter()
        await send_weekly_digest(ctx, passes.digest_moment(TODAY), dry_run=True)
        total = (time.perf_counter() - began_all) * 1000
        print(f"total {total:.1f} ms, in SQL {sum(s[2] for s in seen):.1f} ms")
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)
        event.remove(db.engine.sync_engine, "after_cursor_execute", after)
        for statement, params, ms in seen:
            print(f"\n===== {ms:.1f} ms\n{statement[:3000]}")
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN ANALYZE "
            async with db.engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                if db.is_sqlite:
                    assert driver is not None
                    cursor = await driver.execute(prefix + statement, params)
                    for row in await cursor.fetchall():
                        print("   ", row)
                else:
                    assert driver is not None
                    sql = statement
                    rows = await driver.fetch(prefix + sql, *(params or ()))
                    for row in rows:
                        print("   ", row[0])
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("build", "time", "explain"))
    parser.add_argument("url")
    parser.add_argument("--times", type=int, default=9)
    parser.add_argument("--out", help="write the digest's preview here")
    args = parser.parse_args()
    if args.what == "build":
        asyncio.run(build(args.url))
    elif args.what == "time":
        asyncio.run(timed(args.url, args.times, args.out))
    else:
        asyncio.run(explain(args.url))


if __name__ == "__main__":
    main()
