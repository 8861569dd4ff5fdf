"""Engines, sessions and the unit of work. No module-level engine: the composition root makes it."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.change_marks import WatchedSession, changed
from storage.changes import ChangeWatch
from storage.driver_statements import link_begun
from storage.idle_ping import IDLE, ping_after_idle
from storage.sqlite_connections import (
    BRIEF,
    WRITES,
    sqlite_connections,
    sqlite_engine_options,
)

MIGRATIONS = Path(__file__).parent / "migrations"

# How long a statement, a lock or a writer's turn may take when no deadline is given (the
# command line, migrations): long, as an operator is watching.
_PATIENT = 30.0
# PostgreSQL's answers that mean "not now": a statement or lock timeout, a read-only server, a
# server shutting down or starting up, no connection slot left.
_NOT_NOW_STATES = {"57014", "55P03", "25006", "57P01", "57P03", "53300"}
# SQLite's: busy, locked, read-only, I/O error, cannot open (sqlite3's primary result codes).
_NOT_NOW_CODES = {5, 6, 8, 10, 14}

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


class DatabaseNotAnsweringError(Exception):
    """The database did not answer in time (a lock held, a stalled server), or cannot write
    (a read-only file or server). The unit of work was rolled back: nothing was changed.
    `busy`: the database was never asked, as this process had no connection (or, on SQLite, no
    turn to write) free in time: waymark itself is overloaded."""

    def __init__(self, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


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


class Database:
    """One engine and its session factory; `transaction()` is the unit of work.

    `timeout` (seconds) is the deadline for each statement, lock and wait for a connection or
    for SQLite's write lock, for a process that must answer quickly (a chat server). Past it the
    unit of work is rolled back and `DatabaseNotAnsweringError` raised. Without one, waits are
    long (the command line). `ping_idle` (seconds): a PostgreSQL connection unused for that long
    is checked before it is used (`storage.idle_ping`)."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        max_connections: int = 20,
        timeout: float | None = None,
        ping_idle: float = IDLE,
    ) -> None:
        self.url = async_url(url)
        self.timeout = timeout
        wait = timeout if timeout is not None else _PATIENT
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # A brief writing unit of work runs on the loop's own thread, not aiosqlite's, and
            # a connection whose unit of work ended is not rolled back again on its way back to
            # the pool (`storage.sqlite_connections`).
            kwargs.update(sqlite_engine_options(self.url, wait))
        else:
            # Every connection is kept once made (no overflow): an overflow connection is closed
            # as soon as it is returned, so under steady load a new PostgreSQL connection (and
            # server process) was made every few requests. Connections are still made only when
            # needed, and never more than `max_connections`.
            kwargs.update(pool_size=max_connections, max_overflow=0, pool_timeout=wait)
            if timeout is not None:
                kwargs["connect_args"] = _postgres_deadline(timeout)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            sqlite_connections(self.engine.sync_engine, wait)
        else:
            ping_after_idle(self.engine.sync_engine, ping_idle)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=WatchedSession
        )
        self.changes = ChangeWatch(self.is_postgresql)
        self._writer_wait = wait
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
    async def transaction(self, *, brief: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work that writes: committed when the block ends, rolled back if it raises.
        A change to what answers show is counted (`storage.changes`). `brief`: a few statements
        that find their rows by an index (a thread-reply reading), which SQLite runs on the
        event loop's own thread (`storage.sqlite_connections`)."""
        options = {WRITES: True, BRIEF: brief}
        with _not_answering():
            async with self._writer_turn(), self.sessions() as session:
                async with session.begin():
                    link_begun(session, await session.connection(execution_options=options))
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
        try:
            async with asyncio.timeout(self._writer_wait):
                await writers.acquire()
        except TimeoutError:
            raise DatabaseNotAnsweringError(
                f"no turn to write within {self._writer_wait:g}s", busy=True
            ) from None
        try:
            yield
        finally:
            writers.release()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads (one consistent snapshot, never waits for writers)."""
        with _not_answering():
            async with self.sessions() as session, session.begin():
                yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (creating it from nothing if needed)."""
        if self.is_sqlite:
            Path(self.url.database or "").parent.mkdir(parents=True, exist_ok=True)
            async with self.engine.connect() as conn:
                # Written from BEGIN: a second process migrating at the same time waits for
                # this one, then finds nothing left to do, rather than failing at once.
                await conn.execution_options(**{WRITES: True})
                await conn.run_sync(_upgrade_sqlite, self._writer_wait)
            return
        async with self.engine.begin() as conn:
            # A migration may take longer than a chat answer's deadline.
            await conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            await conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
            # Two replicas starting together must not both create the schema.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7305126)")
            await conn.run_sync(_upgrade)

    async def problem(self, within: float) -> str | None:
        """Why the database cannot serve waymark now (None: it can), found out within about
        `within` seconds: it must answer a read, and be able to write: not read-only, and no
        table locked against writers. Nothing is written; the probe is rolled back."""
        try:
            async with asyncio.timeout(within), self.engine.connect() as conn:
                # The database's own timeouts end the probe first (half the time): the
                # asyncio one is for a server that does not answer at all.
                if self.is_sqlite:
                    await conn.run_sync(_probe_sqlite, within / 2, self._writer_wait)
                else:
                    await _probe_postgres(conn, within / 2)
        except TimeoutError:
            return f"the database did not answer within {within:g}s"
        except Exception as error:  # any failure means it cannot serve: say which
            reason = getattr(error, "orig", None) or error
            return f"the database cannot serve waymark: {reason}"
        return None

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _probe_postgres(conn: AsyncConnection, within: float) -> None:
    milliseconds = int(within * 1000)
    try:
        await conn.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        await conn.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
        if await conn.scalar(text("SHOW transaction_read_only")) == "on":
            raise ReadOnlyError("the server is read-only (a standby, or set read-only)")
        # The lock every INSERT and UPDATE takes: it waits while a table is locked against
        # writers, and is given back with the rollback.
        tables = ", ".join(_quoted(conn, name) for name in await _tables(conn))
        if tables:
            await conn.exec_driver_sql(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE")
    finally:
        await conn.rollback()


async def _tables(conn: AsyncConnection) -> list[str]:
    rows = await conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    )
    return [str(name) for (name,) in rows]


def _quoted(conn: AsyncConnection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote_identifier(name))


def _probe_sqlite(connection: Connection, timeout: float, busy_seconds: float) -> None:
    """Take SQLite's write lock (waiting at most `timeout`) and write nothing with it: a file
    that cannot be written, or a writer that holds the lock too long, fails here."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    try:
        cursor.execute("BEGIN IMMEDIATE")
        try:
            cursor.execute("DELETE FROM alembic_version WHERE 0")
        finally:
            cursor.execute("ROLLBACK")
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()


class ReadOnlyError(Exception):
    """The database takes no writes."""


def _postgres_deadline(seconds: float) -> dict[str, Any]:
    """asyncpg's connection arguments for answers within `seconds`: the server cancels a
    statement, or gives up waiting for a lock, after that long (and rolls back); the client
    gives up on a server that does not answer at all soon after, and on connecting."""
    milliseconds = str(int(seconds * 1000))
    return {
        "server_settings": {"statement_timeout": milliseconds, "lock_timeout": milliseconds},
        "command_timeout": seconds + 0.5,
        "timeout": seconds,
    }


@contextmanager
def _not_answering() -> Iterator[None]:
    """Say "the database is not answering" for the failures that mean it, whatever the driver."""
    try:
        yield
    except PoolTimeoutError as error:
        raise DatabaseNotAnsweringError(f"no connection free: {error}", busy=True) from error
    except TimeoutError as error:
        raise DatabaseNotAnsweringError(f"no answer in time: {error!r}") from error
    except DBAPIError as error:
        if not _not_now(error):
            raise
        raise DatabaseNotAnsweringError(str(error.orig)) from error


def _not_now(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state in _NOT_NOW_STATES:
        return True
    code = getattr(original, "sqlite_errorcode", None)
    if code is None and original is not None and original.__cause__ is not None:
        code = getattr(original.__cause__, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in _NOT_NOW_CODES


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _upgrade_sqlite(connection: Connection, busy_seconds: float) -> None:
    """SQLite changes a table's constraints by copying it to a new table and dropping the old
    one, which fails while foreign keys are enforced and other rows point at it. So they are
    off while migrating (set before BEGIN: inside a transaction SQLite ignores the pragma) and
    checked before committing, as in SQLite's own procedure for altering a table."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("PRAGMA foreign_keys=OFF")
    # Another process may be migrating: wait for it as long as an operator would.
    cursor.execute(f"PRAGMA busy_timeout={int(_PATIENT * 1000)}")
    try:
        with connection.begin():
            _upgrade(connection)
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if dangling:
                raise RuntimeError(f"migrating left rows pointing at nothing: {dangling}")
    finally:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()
