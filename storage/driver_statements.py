"""Statements run on the database driver's own connection, inside the unit of work's
transaction, for the few that every thread-reply reading makes.

Through SQLAlchemy's session, each of them costs 0.5–1 ms of CPU on the 2-core bench machine
(the session, the async bridge, the result machinery), against about 0.1 ms for the driver
itself (`python -m bench.ingest_profile`): most of a reading's cost. A `DriverStatement` is
compiled once for each database and then handed to the driver as it is, with its values
converted both ways by the columns' own types, as SQLAlchemy would convert them. What the rest
of SQLAlchemy would do around it is kept: the engine's statement events fire (so that statements
are counted honestly; they are given no cursor or execution context), a driver error is raised
as SQLAlchemy's `DBAPIError` (so that "the database is not answering" is still recognised), and
a write to a table whose rows answers show counts as a change (`storage.changes`,
`storage.change_marks`).

Only when the driver is already in the unit of work's transaction: asyncpg's is begun by
SQLAlchemy's first statement, and a statement run before it would commit on its own. Until
then (and outside a transaction) the statement goes through SQLAlchemy on the unit of work's
connection, which begins it; unless it may run at any time (`any_time`), as what no
transaction undoes may.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Executable, Table, TextClause, bindparam, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from storage.base import Base
from storage.change_marks import mark_changed, shows_in_answers

_Convert = Callable[[Any], Any] | None
T = TypeVar("T")
M = TypeVar("M", bound=Base)  # a mapped class


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the values, in the order the SQL takes them
    defaults: Mapping[str, Any]  # values written into the statement itself
    binds: Mapping[str, _Convert]
    required: frozenset[str]  # the values the statement does not carry itself
    dollar: bool  # asyncpg's `$1` (values as arguments) rather than sqlite3's `?` (a tuple)


class DriverStatement:
    """A statement that every reading runs, run through the driver (see the module's words).
    Its values are given by name, as `bindparam`s; rows come back as tuples."""

    def __init__(self, statement: Executable, *, any_time: bool = False) -> None:
        """`any_time`: it may run outside the unit of work's transaction, on its own; only for
        what no transaction undoes (a sequence's `nextval`)."""
        self.statement = statement
        self._any_time = any_time
        self._compiled: dict[str, _Compiled] = {}
        self._results: dict[str, tuple[_Convert, ...]] = {}
        table = getattr(statement, "table", None)
        self._changes = bool(getattr(statement, "is_dml", False)) and shows_in_answers(table)
        self._returns_rows = bool(_columns(statement))

    async def rows(
        self, session: AsyncSession, values: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        given = dict(values or {})
        sync_session = session.sync_session
        if sync_session.autoflush and (
            sync_session.new or sync_session.deleted or sync_session.dirty
        ):
            await session.flush()  # what it reads or refers to may be waiting to be written
        link = await _link(session)
        if not (self._any_time or _in_transaction(link.driver)):
            # On the unit of work's connection, which begins its transaction: Core, as the ORM
            # adds nothing to a statement that loads no objects.
            result = await link.connection.execute(self.statement, given)
            if self._changes:
                mark_changed(session)
            return [tuple(row) for row in result] if self._returns_rows else []
        compiled = self._for(link.dialect)
        try:
            params = [_converted(compiled, name, given) for name in compiled.names]
        except Exception as error:  # as SQLAlchemy says a value it cannot use is wrong
            raise StatementError(str(error), compiled.sql, given, error) from error
        announced(link.sync, compiled.sql, params, before=True)
        try:
            results = self._results.get(link.dialect.name)
            if results is None:
                results = await self._results_for(link.dialect, compiled, link.driver)
            found = await link.run(compiled, params)
        except TimeoutError:
            raise  # the deadline: `storage.db` says what it means
        except Exception as error:
            # A connection the driver found closed is given up, as SQLAlchemy gives it up.
            lost = bool(getattr(link.driver, "is_closed", lambda: False)())
            if lost:
                link.raw.invalidate(error)
            raise _as_sqlalchemy_raises(compiled.sql, params, error, lost) from error
        announced(link.sync, compiled.sql, params, before=False)
        if self._changes:
            mark_changed(session)
        if not self._returns_rows:
            return []
        return [_row(results, row) for row in found]

    async def first(
        self, session: AsyncSession, values: Mapping[str, Any] | None = None
    ) -> tuple[Any, ...] | None:
        found = await self.rows(session, values)
        return found[0] if found else None

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled

    async def _results_for(
        self, dialect: Dialect, compiled: _Compiled, driver: Any
    ) -> tuple[_Convert, ...]:
        """How to convert each column's values, given the types the database describes them
        as, as SQLAlchemy's own result does: asyncpg's (found by preparing the statement, which
        asyncpg keeps for when it is run) decide, for one, whether a number needs converting;
        sqlite3 describes none."""
        columns = _columns(self.statement)
        described: list[Any] = [None] * len(columns)
        if compiled.dollar and columns:
            prepared = await driver.prepare(compiled.sql)
            described = [attribute.type.oid for attribute in prepared.get_attributes()]
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            for column, type_code in zip(columns, described, strict=True)
        )
        self._results[dialect.name] = results
        return results


class _Link:
    """The unit of work's connection, as far down as the driver: kept in the session's `info`
    with the transaction it belongs to, as the unit of work begins (`link_begun`), or else
    found by the first driver statement of each transaction (two hops through SQLAlchemy's
    async bridge)."""

    __slots__ = ("connection", "dialect", "driver", "raw", "sync", "transaction")

    def __init__(self, transaction: Any, connection: AsyncConnection, raw: Any) -> None:
        self.transaction = transaction
        self.connection = connection
        self.raw = raw
        self.driver: Any = raw.driver_connection
        self.dialect: Dialect = connection.dialect
        sync = connection.sync_connection
        assert sync is not None
        self.sync: Connection = sync

    async def run(self, compiled: _Compiled, params: list[Any]) -> Sequence[Any]:
        if compiled.dollar:
            found: Sequence[Any] = await self.driver.fetch(compiled.sql, *params)
            return found
        # On the loop's own thread in a brief writing unit (`storage.sqlite_connections`).
        return await self.driver.execute_fetchall(compiled.sql, params)  # type: ignore[no-any-return]


_LINK = "waymark_driver_link"  # in `Session.info`


async def _link(session: AsyncSession) -> _Link:
    sync_session = session.sync_session
    link: _Link | None = sync_session.info.get(_LINK)
    transaction = sync_session.get_transaction()
    if link is not None and transaction is not None and link.transaction is transaction:
        return link
    connection = await session.connection()
    begun = link_begun(session, connection)
    if begun is not None:
        return begun
    raw = await connection.get_raw_connection()
    return _keep(session, _Link(sync_session.get_transaction(), connection, raw))


def link_begun(session: AsyncSession, connection: AsyncConnection) -> _Link | None:
    """The unit of work `session` has just begun on `connection`: keep its driver connection
    for the driver statements to come, found without a hop through the async bridge (it is
    there once the connection is, and only then: None otherwise, and it is looked up)."""
    sync = connection.sync_connection
    if sync is None or sync.invalidated or sync.closed:
        return None
    raw = sync.connection  # the pooled connection itself: no I/O while it is live
    return _keep(session, _Link(session.sync_session.get_transaction(), connection, raw))


def _keep(session: AsyncSession, link: _Link) -> _Link:
    session.sync_session.info[_LINK] = link
    return link


def in_step(
    session: AsyncSession, model: type[Any], row_id: int, values: Mapping[str, Any], *also: Any
) -> None:
    """After a driver statement wrote `values` to a row: the copy of it this unit of work
    loaded (if any), and each copy in `also`, say so too, as the ORM's own write would."""
    loaded = session.sync_session.identity_map.get(identity_key(model, row_id))
    for copy in {id(c): c for c in (loaded, *also) if c is not None}.values():
        for name, value in values.items():
            set_committed_value(copy, name, value)


class DriverInsert(Generic[M]):
    """A row of `model` stored through the driver in one statement, every column but its `id`
    given, and the instance with its new id made outside the session (`detached`): nothing is
    left for a flush to write."""

    def __init__(self, model: type[M]) -> None:
        table = cast(Table, model.__table__)
        self._model = model
        self._statement = DriverStatement(
            insert(table)
            .values({c.name: bindparam(c.name) for c in table.columns if c is not table.c.id})
            .returning(table.c.id)
        )

    async def row(self, session: AsyncSession, values: Mapping[str, Any]) -> M:
        ((row_id,),) = await self._statement.rows(session, values)
        return detached(self._model, {"id": row_id, **values})


def detached(model: type[T], values: Mapping[str, Any]) -> T:
    """An instance of `model` with these column values, outside any session, as the ORM makes
    one it loads: its values set as they are, not each through the instrumented attribute as
    the constructor sets them (25 µs a reading, against 1). For rows a driver statement gave or
    wrote; like a constructed one, it is not in the session, and nothing is written for it."""
    instance: T = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance


def _in_transaction(driver: Any) -> bool:
    # asyncpg's `is_in_transaction()`, aiosqlite's (sqlite3's) `in_transaction`.
    if callable(getattr(driver, "is_in_transaction", None)):
        return bool(driver.is_in_transaction())
    return bool(getattr(driver, "in_transaction", False))


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if "POSTCOMPILE" in compiled.string:
        # `in_()` is written out when run: its SQL depends on the values given.
        raise ValueError(f"not a statement the driver can be given as it is: {compiled.string}")
    names = tuple(compiled.positiontup or ())
    binds = {
        name: compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in names
    }
    required = frozenset(name for name in names if compiled.binds[name].required)
    dollar = dialect.paramstyle == "numeric_dollar"
    return _Compiled(compiled.string, names, dict(compiled.params), binds, required, dollar)


def _columns(statement: Executable) -> Sequence[Any]:
    """The columns the statement returns (none for plain SQL, which is only ever a write here)."""
    return () if isinstance(statement, TextClause) else statement.exported_columns  # type: ignore[attr-defined]


def _converted(compiled: _Compiled, name: str, given: Mapping[str, Any]) -> Any:
    if name not in given and name in compiled.required:
        raise InvalidRequestError(f"A value is required for bind parameter {name!r}")
    value = given[name] if name in given else compiled.defaults[name]
    convert = compiled.binds[name]
    return value if convert is None else convert(value)


def _row(results: tuple[_Convert, ...], row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(
        value if convert is None else convert(value)
        for convert, value in zip(results, row, strict=True)
    )


def _as_sqlalchemy_raises(
    sql: str, params: list[Any], error: Exception, lost: bool
) -> StatementError:
    """The error as SQLAlchemy would raise it: sqlite3's by its class's name, asyncpg's
    breaking a constraint (SQLSTATE class 23) as `IntegrityError` too; `lost`: the connection
    is gone (which `storage.db` takes as the database not answering)."""
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state.startswith("23"):
        return IntegrityError(sql, params, error)
    return DBAPIError.instance(sql, params, error, Exception, connection_invalidated=lost)


def announced(
    connection: Connection, sql: str, params: Sequence[Any] = (), *, before: bool
) -> None:
    """The engine's statement events for a statement run on the driver itself, `before` it is
    run or after: as for SQLAlchemy's own, but given no cursor or execution context."""
    dispatch = connection.dispatch
    if before and dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(connection, None, sql, params, None, False)
    elif not before and dispatch.after_cursor_execute:
        dispatch.after_cursor_execute(connection, None, sql, params, None, False)
