"""Engines, sessions and the unit of work. No module-level engine: the composition root makes it."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.changes import ChangeWatch, WatchedSession, changed

MIGRATIONS = Path(__file__).parent / "migrations"

_WRITES = "waymark_writes"
# How long a SQLite writer waits for this process's other writers: the busy timeout below.
_WRITER_WAIT = 30.0

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


class DatabaseUrlError(ValueError):
    """DATABASE_URL could not be used; the message says what to write instead."""


def async_url(url: str) -> URL:
    """Accept the URLs people write (`sqlite:///waymark.db`, `postgresql://u@h/db`) and pick the
    async driver ourselves, so nobody has to know about aiosqlite or asyncpg."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"'{url}' is not a database URL: write sqlite:///waymark.db "
            "or postgresql://user@host/dbname."
        ) from None
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise DatabaseUrlError(
            f"'{backend}' databases are not supported: use sqlite:///waymark.db "
            "or postgresql://user@host/dbname."
        )
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers carry on while a reading is written; the busy timeout makes a second
    # writer wait instead of failing at once; SQLite leaves foreign keys off unless asked.
    # pysqlite's own transaction handling is turned off (SQLAlchemy's documented recipe) so
    # that the BEGIN below is the only one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin(conn: Connection) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another writer got in between; a writing unit of work takes the lock at BEGIN, so
    # concurrent writers queue (busy_timeout) instead. Readers stay deferred and never wait.
    writes = conn.get_execution_options().get(_WRITES, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


class Database:
    """One engine and its session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False, max_connections: int = 20) -> None:
        self.url = async_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # Every connection is kept once made (no overflow): an overflow connection is closed
            # as soon as it is returned, so under steady load a new PostgreSQL connection (and
            # server process) was made every few requests. Connections are still made only when
            # needed, and never more than `max_connections`.
            kwargs.update(pool_size=max_connections, max_overflow=0, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _tune_sqlite)
            event.listen(self.engine.sync_engine, "begin", _begin)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=WatchedSession
        )
        self.changes = ChangeWatch(self.is_postgresql)
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that writes: committed when the block ends, rolled back if it raises.
        A change to what answers show is counted (`storage.changes`)."""
        async with self._writer_turn(), self.sessions() as session:
            async with session.begin():
                await session.connection(execution_options={_WRITES: True})
                yield session
                if changed(session):
                    await self.changes.count_in(session)
            if changed(session):
                await self.changes.count_after(session)

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """SQLite has one writer at a time. This process's writers queue here, in order, rather
        than at BEGIN IMMEDIATE, where SQLite's busy handler polls with sleeps of up to 100 ms:
        under load the sleeping cost more than the writing. Other processes still queue there."""
        if not self.is_sqlite:
            yield
            return
        writers = self._writers.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with asyncio.timeout(_WRITER_WAIT):
            await writers.acquire()
        try:
            yield
        finally:
            writers.release()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads (one consistent snapshot, never waits for writers)."""
        async with self.sessions() as session, session.begin():
            yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (creating it from nothing if needed)."""
        if self.is_sqlite:
            Path(self.url.database or "").parent.mkdir(parents=True, exist_ok=True)
            async with self.engine.connect() as conn:
                await conn.run_sync(_upgrade_sqlite)
            return
        async with self.engine.begin() as conn:
            # Two replicas starting together must not both create the schema.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7305126)")
            await conn.run_sync(_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _upgrade_sqlite(connection: Connection) -> None:
    """SQLite changes a table's constraints by copying it to a new table and dropping the old
    one, which fails while foreign keys are enforced and other rows point at it. So they are
    off while migrating (set before BEGIN: inside a transaction SQLite ignores the pragma) and
    checked before committing, as in SQLite's own procedure for altering a table."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            _upgrade(connection)
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if dangling:
                raise RuntimeError(f"migrating left rows pointing at nothing: {dangling}")
    finally:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
