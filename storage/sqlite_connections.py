"""SQLite's connections: how each is made and set up, how a unit of work begins on one, where
its statements run, and what is done with one given back to the pool, so that a unit of work
makes as few trips to aiosqlite's thread as it can.

aiosqlite runs each sqlite3 call on a thread of its own: the call is queued, the thread woken,
and the loop woken back with the answer, 50-100 µs of CPU on the 2-core bench machine for what
takes sqlite3 a few µs. Through SQLAlchemy a thread-reply reading made nine such trips: three for
its BEGIN (a cursor made, the statement, the cursor closed), four for the outcome's row, one to
commit and one more as the connection went back to the pool (a ROLLBACK, after the commit).

- A BEGIN that need not wait is made on the loop's own thread.
- A unit of work that writes holds SQLite's write lock from its BEGIN IMMEDIATE, and WAL with
  synchronous=NORMAL writes nothing to disk before the commit: no statement of it waits for a
  lock or the disk. One that is also brief (`Database.transaction(brief=True)`: a thread-reply
  reading, a dozen statements that find their rows by an index, a few µs each in sqlite3) runs
  them on the loop's own thread, until the COMMIT, which may checkpoint the WAL into the
  database file (disk writes, and waits for them) and so goes to the thread; and only where the
  file's journal is the WAL (without it a writer waits for readers). Only brief ones:
  while a unit of work runs on the loop's thread, nothing else in the process does, and a long
  one (a bulk import's batch, the retention job's deletes) would hold up every answer.
- A connection whose unit of work committed or rolled back is not rolled back again on its way
  back to the pool.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from storage.driver_statements import announced

T = TypeVar("T")

# In a connection's execution options: its unit of work writes (`storage.db` begins it so),
# and is brief: a few statements that find their rows by an index, each a few µs in sqlite3,
# which run on the loop's own thread (see above).
WRITES = "waymark_writes"
BRIEF = "waymark_brief"
_WAL = "waymark_wal"  # in a pooled connection's `info`: its journal is the WAL


class _LoopSideConnection(aiosqlite.Connection):
    """aiosqlite's connection, whose calls run on the loop's own thread while `on_loop` (from a
    brief writing unit of work's BEGIN IMMEDIATE to its COMMIT or ROLLBACK), and on aiosqlite's
    thread otherwise. `ended`: its last call was a COMMIT or ROLLBACK, finished, and nothing has
    been asked of it since (not even a call given up half way, which may still be running on
    the thread), so it is in no transaction."""

    on_loop = False
    ended = False

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.ended = False
        direct = self._connection
        ending = direct is not None and (fn == direct.commit or fn == direct.rollback)
        if ending:
            self.on_loop = False
        # COMMIT always goes to the thread: it may checkpoint the WAL (see above).
        if self.on_loop and direct is not None and self._running:
            result = fn(*args, **kwargs)
        else:
            result = await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        self.ended = ending
        return result


def sqlite_engine_options(url: URL, busy_seconds: float) -> dict[str, Any]:
    """`create_async_engine`'s options for the SQLite database at `url`, which
    `sqlite_connections` then sets up: a writer waits `busy_seconds` for another's lock; the
    pool leaves the rollback of a connection given back to `_rolled_back_if_begun`; and a
    file's connections are made here (an in-memory database keeps SQLAlchemy's own)."""
    # Used from the loop's thread as well as aiosqlite's (a brief unit of work).
    connect_args = {"timeout": busy_seconds, "check_same_thread": False}
    options: dict[str, Any] = {"connect_args": connect_args, "pool_reset_on_return": None}
    if url.database and url.database != ":memory:":
        options["async_creator"] = _creator(url, connect_args)
    return options


def _creator(url: URL, connect_args: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
    """aiosqlite's connection, given what SQLAlchemy would give it (the file, or a `file:` URI
    and its options, and `connect_args`), but one whose brief writing units run on the loop's
    thread."""
    args, options = url.get_dialect()().create_connect_args(url)
    options = {**options, **connect_args}

    async def connect() -> aiosqlite.Connection:
        connection = _LoopSideConnection(partial(sqlite3.connect, *args, **options), 64)
        # As SQLAlchemy has aiosqlite's: a process that ends does not wait for the thread.
        connection._thread.daemon = True
        return await connection

    return connect


def sqlite_connections(engine: Engine, busy_seconds: float) -> None:
    """Set up each new connection of `engine` (a SQLite engine made with
    `sqlite_engine_options`), begin its units of work and reset it as this module says."""
    event.listen(engine, "connect", _tuning(busy_seconds))
    event.listen(engine, "begin", _begin)
    event.listen(engine.pool, "reset", _rolled_back_if_begun)


def _tuning(busy_seconds: float) -> Any:
    def tune(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # WAL lets readers carry on while a reading is written; the busy timeout makes a second
        # writer wait (for up to the deadline) instead of failing at once; SQLite leaves foreign
        # keys off unless asked. pysqlite's own transaction handling is turned off (SQLAlchemy's
        # documented recipe) so that the BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Not every file can be WAL (a VFS without shared memory, `nolock`): without it a
        # writer waits for readers, and a brief unit of work stays off the loop's thread.
        (mode,) = cursor.fetchone()
        record.info[_WAL] = str(mode).lower() == "wal"
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()

    return tune


def _begin(conn: Connection) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another writer got in between; a writing unit of work takes the lock at BEGIN, so
    # concurrent writers queue (busy_timeout) instead. Readers stay deferred and never wait.
    options = conn.get_execution_options()
    writes = options.get(WRITES, False)
    sql = "BEGIN IMMEDIATE" if writes else "BEGIN"
    if not _begun_at_once(conn, sql):
        conn.exec_driver_sql(sql)
    driver = conn.connection.driver_connection
    if isinstance(driver, _LoopSideConnection):
        driver.ended = False
        wal = conn.connection.info.get(_WAL, False)
        driver.on_loop = bool(writes and options.get(BRIEF, False) and wal)


def _begun_at_once(conn: Connection, sql: str) -> bool:
    """Begin on the loop's own thread, if that needs no wait: a deferred BEGIN never waits;
    BEGIN IMMEDIATE waits while another process writes, so it is tried here without waiting
    (busy_timeout 0, put back after) and, if the lock is taken, made again on aiosqlite's
    thread, which waits as long as the connection's timeout says. False: not begun, and
    SQLAlchemy's own BEGIN is to be made (it also says what is wrong, if anything is)."""
    direct = _sqlite3(conn.connection.driver_connection)
    if direct is None:
        return False
    begun = False
    try:
        if direct.in_transaction:
            return False  # a BEGIN would fail: SQLAlchemy's says so, as it always did
        if sql == "BEGIN":
            direct.execute(sql)
            begun = True
        else:
            (patience,) = direct.execute("PRAGMA busy_timeout").fetchone()
            direct.execute("PRAGMA busy_timeout=0")
            try:
                direct.execute(sql)
                begun = True
            finally:
                direct.execute(f"PRAGMA busy_timeout={int(patience)}")
    except sqlite3.Error:
        # The lock is another process's; or the timeout could not be put back, and what was
        # begun is undone rather than left to wait for nothing.
        if begun:
            with suppress(sqlite3.Error):
                direct.execute("ROLLBACK")
        return False
    # Counted as SQLAlchemy's own statements are (once, and only when it was made here).
    announced(conn, sql, before=True)
    announced(conn, sql, before=False)
    return True


def _rolled_back_if_begun(
    dbapi_connection: Any, record: ConnectionPoolEntry | None, state: PoolResetState
) -> None:
    """The pool's reset (SQLAlchemy's own rollback-on-return is off): a connection given back
    is rolled back, as SQLAlchemy would, unless its last call was a COMMIT or ROLLBACK that
    finished (`_LoopSideConnection.ended`): the unit of work committed, and the session then
    gave the connection back without saying so."""
    driver = getattr(record, "driver_connection", None)
    if isinstance(driver, _LoopSideConnection):
        driver.on_loop = False  # whatever ended its unit of work: its next begins anew
        if driver.ended:
            return
    if state.terminate_only or not state.asyncio_safe:
        return  # being thrown away, or outside the loop: SQLAlchemy would not roll back either
    dbapi_connection.rollback()


def _sqlite3(driver: Any) -> sqlite3.Connection | None:
    """aiosqlite's connection's own sqlite3 connection (None once closed): SQLAlchemy's adapter
    reaches it so too."""
    return getattr(driver, "_connection", None)
