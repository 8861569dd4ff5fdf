"""SQLite's units of work begin on the loop's own thread when they need not wait, and a brief
writing one's statements run there, on a WAL file only (`storage.sqlite_connections`). What
must not change with it: a unit of work that has to wait for another process's writer waits for
it, and then writes; and no connection goes back to the pool still holding the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from storage.db import Database
from storage.models import EventReceipt
from storage.repositories import ReceiptRepository
from tests.conftest import LONDON

AT = datetime(2026, 11, 28, 9, 0, tzinfo=LONDON)
WAIT = 5.0  # the deadline for a writer's turn: long, as nothing here should wait for it


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'waymark.db'}", timeout=WAIT)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


@contextmanager
def another_process_writing(db: Database) -> Iterator[sqlite3.Connection]:
    """The write lock held by another connection, as another process (the command line, a
    second worker) would hold it, until the block ends."""
    other = sqlite3.connect(db.url.database or "", isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield other
        if other.in_transaction:
            other.execute("ROLLBACK")
    finally:
        other.close()


async def _receive(db: Database, event_id: str, *, brief: bool = False) -> None:
    async with db.transaction(brief=brief) as session:
        assert await ReceiptRepository(session).first_time(event_id, "slack", AT)


async def _received(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(EventReceipt)) or 0)


@pytest.mark.parametrize("brief", [False, True])
async def test_a_writer_waits_for_another_processs_writer_then_writes(
    db: Database, brief: bool
) -> None:
    await _receive(db, "Ev1", brief=brief)  # the pool's connection made, and used once
    with another_process_writing(db):
        waiting = asyncio.create_task(_receive(db, "Ev2", brief=brief))
        # The loop goes on turning while the unit of work waits for the lock (tried at once
        # on the loop's thread, it is then waited for on aiosqlite's), and it is not refused.
        for _ in range(200):
            await asyncio.sleep(0)
        assert not waiting.done()
    await waiting  # the lock given up: written, not refused
    assert await _received(db) == 2
    # Waiting at once rather than not at all was for that BEGIN only: the connection waits
    # for another writer as long as it was told to.
    async with db.engine.connect() as conn:
        assert (await conn.scalar(text("PRAGMA busy_timeout"))) == int(WAIT * 1000)


async def test_a_connection_given_back_in_a_transaction_gives_up_the_write_lock(
    db: Database,
) -> None:
    async with db.engine.connect() as conn:
        # Begun on the driver itself, as a probe or a failure half way might leave it:
        # SQLAlchemy does not know it is in a transaction.
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        await raw.driver_connection.execute(  # type: ignore[union-attr]
            "INSERT INTO event_receipts (event_id, platform, received_at) "
            "VALUES ('Ev9', 'slack', ?)",
            (AT.isoformat(),),
        )
    # Back in the pool, rolled back: another process can write at once, and nothing of the
    # half-done unit of work was kept.
    with another_process_writing(db) as other:
        other.execute("ROLLBACK")
    assert await _received(db) == 0
    await _receive(db, "Ev1")  # and the connection is as good as new
    assert await _received(db) == 1


@pytest.mark.parametrize("brief", [False, True])
async def test_a_unit_of_work_that_fails_half_way_keeps_nothing_and_holds_no_lock(
    db: Database, brief: bool
) -> None:
    async def fails_half_way() -> None:
        async with db.transaction(brief=brief) as session:
            assert await ReceiptRepository(session).first_time("Ev1", "slack", AT)
            raise RuntimeError("failed half way")

    with pytest.raises(RuntimeError, match="half way"):
        await fails_half_way()
    with another_process_writing(db) as other:  # the lock is free at once
        other.execute("ROLLBACK")
    assert await _received(db) == 0
    await _receive(db, "Ev1", brief=brief)  # the same delivery, handled the first time now
    assert await _received(db) == 1


async def test_a_writer_given_up_while_it_waits_for_the_lock_leaves_no_transaction_behind(
    db: Database,
) -> None:
    """As a request whose deadline passed gives up: its BEGIN IMMEDIATE is still waiting on
    aiosqlite's thread, and takes the lock once the other process lets go of it. The connection
    must not keep it (every later writer would wait for nothing, then fail)."""
    await _receive(db, "Ev1")
    with another_process_writing(db):
        waiting = asyncio.create_task(_receive(db, "Ev2"))
        for _ in range(200):
            await asyncio.sleep(0)
        assert not waiting.done()
        waiting.cancel()
        for _ in range(20):
            await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await _receive(db, "Ev3")  # the lock is free again for this process's writers
    with another_process_writing(db) as other:  # and for another process's, at once
        other.execute("ROLLBACK")
    assert await _received(db) == 2  # Ev1 and Ev3: nothing of the one given up


async def _threads_of_statements(db: Database) -> tuple[int, int, int]:
    """The thread each kind of unit of work's statements run on: a brief writing one, another
    writing one and a reading one (asked of SQLite itself, by a function each connection has)."""
    await db.engine.dispose()  # the connections made from now on have the function
    event.listen(
        db.engine.sync_engine,
        "connect",
        lambda connection, _record: connection.create_function("thread", 0, threading.get_ident),
    )
    found = []
    for unit in (partial(db.transaction, brief=True), db.transaction, db.reading):
        async with unit() as session:
            found.append(int(await session.scalar(text("SELECT thread()")) or 0))
    brief, writing, reading = found
    return brief, writing, reading


async def test_only_a_brief_writing_unit_of_work_runs_on_the_loops_thread(db: Database) -> None:
    loop = threading.get_ident()
    brief, writing, reading = await _threads_of_statements(db)
    assert brief == loop
    # Anything else may take long: on aiosqlite's thread, so that the process goes on answering.
    assert writing != loop
    assert reading != loop


async def test_without_the_wal_a_brief_unit_of_work_stays_off_the_loops_thread(
    tmp_path: Path,
) -> None:
    # `nolock`: a file that cannot be WAL, where a writer would wait for readers.
    db = Database(f"sqlite:///file:{tmp_path / 'waymark.db'}?nolock=1&uri=true", timeout=WAIT)
    try:
        await db.migrate()
        brief, writing, reading = await _threads_of_statements(db)
        assert threading.get_ident() not in {brief, writing, reading}
        await _receive(db, "Ev1", brief=True)  # and it writes all the same
        assert await _received(db) == 1
    finally:
        await db.dispose()
