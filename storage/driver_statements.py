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
then (and outside a transaction) the statement goes through the session, which begins it;
unless it may run at any time (`any_time`), as what no transaction undoes may.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, TextClause
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from storage.change_marks import mark_changed, shows_in_answers

_Convert = Callable[[Any], Any] | None


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
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if not (self._any_time or _in_transaction(driver)):
            result = await session.execute(self.statement, given)
            return [tuple(row) for row in result] if self._returns_rows else []
        compiled = self._for(connection.dialect)
        try:
            params = [_converted(compiled, name, given) for name in compiled.names]
        except Exception as error:  # as SQLAlchemy says a value it cannot use is wrong
            raise StatementError(str(error), compiled.sql, given, error) from error
        sync = connection.sync_connection
        assert sync is not None
        _before(sync, compiled.sql, params)
        try:
            results = self._results.get(connection.dialect.name)
            if results is None:
                results = await self._results_for(connection.dialect, compiled, driver)
            if compiled.dollar:
                found: Sequence[Any] = await driver.fetch(compiled.sql, *params)
            else:
                found = await driver.execute_fetchall(compiled.sql, params)
        except TimeoutError:
            raise  # the deadline: `storage.db` says what it means
        except Exception as error:
            # A connection the driver found closed is given up, as SQLAlchemy gives it up.
            lost = bool(getattr(driver, "is_closed", lambda: False)())
            if lost:
                raw.invalidate(error)
            raise _as_sqlalchemy_raises(compiled.sql, params, error, lost) from error
        _after(sync, compiled.sql, params)
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


def in_step(
    session: AsyncSession, model: type[Any], row_id: int, values: Mapping[str, Any], *also: Any
) -> None:
    """After a driver statement wrote `values` to a row: the copy of it this unit of work
    loaded (if any), and each copy in `also`, say so too, as the ORM's own write would."""
    loaded = session.sync_session.identity_map.get(identity_key(model, row_id))
    for copy in {id(c): c for c in (loaded, *also) if c is not None}.values():
        for name, value in values.items():
            set_committed_value(copy, name, value)


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


def _before(connection: Connection, sql: str, params: list[Any]) -> None:
    if connection.dispatch.before_cursor_execute:
        connection.dispatch.before_cursor_execute(connection, None, sql, params, None, False)


def _after(connection: Connection, sql: str, params: list[Any]) -> None:
    if connection.dispatch.after_cursor_execute:
        connection.dispatch.after_cursor_execute(connection, None, sql, params, None, False)
