"""Bulk import of readings at the database's speed: a file's rows are staged in a temporary
table as they are read (so memory does not grow with the file), then read back a few outcomes
at a time (on PostgreSQL through one cursor that sorts the file once) and written set-based:
`COPY` on PostgreSQL, batched `executemany` on SQLite, with ids given out beforehand, so that a
reading superseding another from the same file needs no second pass."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable, DropTable
from sqlalchemy.types import NullType

from storage.change_marks import mark_changed
from storage.column_types import UTCDateTime
from storage.models import AuditEntry, Reading

# Rows staged or written per round trip: large enough that the round trips cost little, small
# enough that a batch's Python objects stay a few megabytes.
BATCH = 5_000

_STAGED = Table(
    "waymark_staged_readings",
    MetaData(),
    Column("row_no", Integer, primary_key=True),
    Column("outcome", Integer, nullable=False, index=True),
    Column("period", String(20), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=True),
    Column("note", Text, nullable=False),
    Column("state", String(20), nullable=True),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", UTCDateTime(), nullable=True),
    Column("confirmed", Boolean, nullable=False),
    Column("revision_reason", Text, nullable=False),
    prefixes=["TEMPORARY"],
)
STAGED_COLUMNS = tuple(c.name for c in _STAGED.columns)
_SORTED = "waymark_staged_in_order"  # PostgreSQL's cursor over it, by outcome then row
_AS_STORED = {"period_start", "submitted_at", "approved_at"}

_READINGS = cast(Table, Reading.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)
# What a superseded reading's audit row and the duplicate check need of the readings stored.
_KNOWN = (
    Reading.id,
    Reading.outcome_id,
    Reading.period,
    Reading.period_start,
    Reading.value,
    Reading.submitted_by,
    Reading.submitted_at,
    Reading.via,
    Reading.note,
    Reading.is_current,
    Reading.state,
    Reading.approved_by,
    Reading.confirmed,
    Reading.revision_reason,
)


class StagedRow(NamedTuple):
    """A row of the file as staged (`row_no` is its row in the spreadsheet). A tuple, not a
    dataclass: a million of them are made, and a tuple is the cheapest to make."""

    row_no: int
    outcome: int
    period: str
    period_start: date
    value: float
    submitted_by: str
    submitted_at: datetime | None
    note: str
    state: str | None
    approved_by: str | None
    approved_at: datetime | None
    confirmed: bool
    revision_reason: str


class ReadingImport:
    """The staging table of one import, and the batched writes it ends in. Used inside one
    transaction: the staging table goes with it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._next_id: int | None = None
        self._reserved: deque[int] = deque()
        self._sequence: str | None = None
        self._sorted = False  # whether the cursor reading the staged file in order is open

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    @property
    def writes_beside(self) -> bool:
        """Whether a write gains by running beside the Python that works out the next batch:
        on PostgreSQL the server does the work, on the other core. SQLite does it in this
        process, its driver's thread taking turns with the Python for the interpreter's lock:
        measured, the import was 5 % slower so."""
        return self._postgres

    async def open(self) -> None:
        mark_changed(self.session)  # its writes go around the ORM
        await self.session.execute(DropTable(_STAGED, if_exists=True))
        await self.session.execute(CreateTable(_STAGED))

    async def close(self) -> None:
        if self._sorted:
            driver = await self._driver()
            if await driver.fetchrow(f"FETCH 1 FROM {_SORTED}") is not None:
                raise RuntimeError("staged rows were left unread: nothing was imported")
            await driver.execute(f"CLOSE {_SORTED}")
            self._sorted = False
        await self.session.execute(DropTable(_STAGED, if_exists=True))

    async def stage(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage rows given as tuples in `STAGED_COLUMNS` order."""
        if rows:
            await self._write(_STAGED, STAGED_COLUMNS, rows)

    async def counts(self) -> list[tuple[int, int]]:
        """(outcome number, rows staged for it), by outcome number."""
        query = (
            select(_STAGED.c.outcome, func.count())
            .group_by(_STAGED.c.outcome)
            .order_by(_STAGED.c.outcome)
        )
        return [(int(n), int(c)) for n, c in await self.session.execute(query)]

    async def staged(self, numbers: Sequence[int], rows: int) -> list[StagedRow]:
        """The `rows` rows staged for these outcomes, by outcome, then in the file's order.
        Asked for every outcome `counts()` gave, in its order, each outcome once."""
        if self._postgres:
            found = await self._fetch(rows)
            # Read by count, not by outcome: rows of another outcome would be imported as
            # these outcomes' figures. Each outcome here has rows, so these ends say it.
            if len(found) != rows or (
                found and (found[0].outcome, found[-1].outcome) != (numbers[0], numbers[-1])
            ):
                raise RuntimeError(
                    f"the staged rows read back for outcomes {numbers[0]}–{numbers[-1]} are not "
                    f"the {rows} counted for them: nothing was imported"
                )
            return found
        where = _STAGED.c.outcome.in_(list(numbers))
        order = (_STAGED.c.outcome, _STAGED.c.row_no)
        # SQLite's dates and times read as the text stored, and converted once a distinct
        # value, as the column types would convert them a value at a time.
        columns = [type_coerce(c, NullType()) if c.name in _AS_STORED else c for c in _STAGED.c]
        query = select(*columns).where(where).order_by(*order)
        days: dict[str, date] = {}
        times: dict[str | None, datetime | None] = {None: None}
        found = []
        for row in await self.session.execute(query):
            n, outcome, period, start, value, by, at, note, state, approver, approved, *rest = row
            day = days.get(start)
            if day is None:
                day = days[start] = date.fromisoformat(start)
            if at not in times:
                times[at] = _aware(at)
            if approved not in times:
                times[approved] = _aware(approved)
            found.append(StagedRow(n, outcome, period, day, value, by, times[at], note, state,
                                   approver, times[approved], *rest))  # fmt: skip
        return found

    async def _fetch(self, rows: int) -> list[StagedRow]:
        """The next `rows` rows of the whole staged file, sorted once. Read back by outcome a
        chunk at a time instead, a file in period order (as most are) had each chunk's rows
        spread over all of it, and it was scanned whole for every chunk: 51 times at a million
        rows. Through the driver: SQLAlchemy's rows cost as much again as the driver's."""
        driver = await self._driver()
        if not self._sorted:
            columns = ", ".join(STAGED_COLUMNS)
            await driver.execute(
                f"DECLARE {_SORTED} NO SCROLL CURSOR FOR SELECT {columns} "  # noqa: S608
                f"FROM {_STAGED.name} ORDER BY outcome, row_no"
            )
            self._sorted = True
        return list(map(StagedRow._make, await driver.fetch(f"FETCH {rows} FROM {_SORTED}")))

    async def _driver(self) -> Any:
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    async def with_readings(self, outcome_ids: Iterable[int]) -> set[int]:
        """Which of these outcomes have readings stored. Asked before anything is written, so
        that outcomes without are never looked up again: the readings this import writes are
        not in PostgreSQL's statistics, which soon plan the lookup as a scan of them all."""
        query = (
            select(Reading.outcome_id)
            .where(Reading.outcome_id.in_(list(outcome_ids)))
            .group_by(Reading.outcome_id)
        )
        return set((await self.session.scalars(query)).all())

    async def known(self, outcome_ids: Iterable[int]) -> Sequence[Any]:
        """The readings already stored for these outcomes (rows of `_KNOWN`), in period then
        entry order."""
        query = (
            select(*_KNOWN)
            .where(Reading.outcome_id.in_(list(outcome_ids)))
            .order_by(Reading.outcome_id, Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return (await self.session.execute(query)).all()

    async def reserve_ids(self, count: int) -> None:
        """Have `count` reading ids ready for `next_id()`: taken from PostgreSQL's sequence (so
        other writers never get them), or counted on from the largest on SQLite (whose writer
        holds the database's only write lock until it commits)."""
        if self._postgres:
            # The sequence named once: named in each row, PostgreSQL looks it up for each id
            # (ten times the cost). In one array, not a row each: rows cost more to read.
            if self._sequence is None:
                found = "SELECT pg_get_serial_sequence('readings', 'id')"
                self._sequence = str(await self.session.scalar(text(found)))
            query = text(
                "SELECT array_agg(i ORDER BY i) FROM (SELECT nextval(CAST(:sequence AS regclass)) "
                "AS i FROM generate_series(1, :count)) AS reserved"
            )
            ids = await self.session.scalar(query, {"sequence": self._sequence, "count": count})
            self._reserved.extend(ids or [])
        elif self._next_id is None:
            largest = await self.session.scalar(select(func.max(Reading.id)))
            self._next_id = int(largest or 0) + 1

    def next_id(self) -> int:
        if self._reserved:
            return self._reserved.popleft()
        assert self._next_id is not None, "reserve_ids() first"
        self._next_id += 1
        return self._next_id - 1

    async def write(
        self,
        readings: list[dict[str, Any]],
        superseded: list[tuple[int, datetime]],
        audit: list[dict[str, Any]],
    ) -> None:
        """Insert `readings` (dicts of every column, id included), mark the stored readings in
        `superseded` (id, when) as no longer current, and add the `audit` rows."""
        if readings:
            columns = tuple(c.name for c in _READINGS.columns)
            values = itemgetter(*columns)
            await self._write(_READINGS, columns, list(map(values, readings)))
        if superseded:
            await self.session.execute(
                update(_READINGS)
                .where(_READINGS.c.id == bindparam("reading_id"))
                .values(is_current=False, superseded_at=bindparam("at")),
                [{"reading_id": i, "at": at} for i, at in superseded],
                execution_options={"synchronize_session": False},
            )
        if audit:
            columns = ("at", "actor", "action", "subject", "before", "after")
            values = itemgetter(*columns)
            await self._write(_AUDIT, columns, list(map(values, audit)))

    async def _write(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if self._postgres:
            await self._copy(table, columns, rows)
            return
        # SQLite: the driver's own executemany, the values converted as SQLAlchemy stores them,
        # a column at a time (only the columns that need it: most are stored as they are).
        conversions = [
            (i, convert)
            for i, name in enumerate(columns)
            if (convert := _sqlite_values(table.c[name].type)) is not None
        ]
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        driver = await self._driver()
        for start in range(0, len(rows), BATCH):
            await driver.executemany(sql, _converted(rows[start : start + BATCH], conversions))

    async def _copy(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """PostgreSQL's `COPY`, through the connection the session's transaction is on. JSON
        columns go as text (asyncpg's binary COPY sends `json` as its text)."""
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        at = [columns.index(c) for c in json_columns if c in columns]
        if at:
            rows = _converted(rows, [(i, _jsons) for i in at])
        driver = await self._driver()
        await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))


Convert = Callable[[Sequence[Any]], list[Any]]


def _converted(rows: Sequence[tuple[Any, ...]], conversions: list[tuple[int, Convert]]) -> Any:
    """`rows` with the columns at the given places converted, a column at a time (a row at a
    time costs a list and an assignment per value)."""
    if not conversions or not rows:
        return rows
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, convert in conversions:
        columns[i] = convert(columns[i])
    return list(zip(*columns, strict=True))


def _sqlite_values(kind: Any) -> Convert | None:
    """How values of a column of type `kind` are stored on SQLite, as SQLAlchemy stores them.
    Booleans need nothing: sqlite3 stores True and False as the integers 1 and 0, as
    SQLAlchemy's int() of them does."""
    name = kind.__class__.__name__
    if name == "UTCDateTime":
        return _each_once(_sqlite_time)
    if name == "Date":
        return _each_once(date.isoformat)
    if name == "JSON":
        return _jsons
    return None


def _each_once(convert: Callable[[Any], Any]) -> Convert:
    """`convert` of each value of a column (None stays None), worked out once a distinct value:
    a column's dates and times repeat (every audit row has the import's time, and a period's
    readings are often entered on the same days)."""

    def column(values: Sequence[Any]) -> list[Any]:
        done = {value: convert(value) for value in set(values) if value is not None}
        done[None] = None
        return list(map(done.__getitem__, values))

    return column


def _sqlite_time(at: datetime) -> str:
    if at.tzinfo is UTC:  # as nearly all are: `isoformat` without its "+00:00"
        return at.isoformat(" ", "microseconds")[:-6]
    if at.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _aware(stored: str) -> datetime:
    """A time as `UTCDateTime` reads back the text SQLite stores."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


def _jsons(column: Sequence[Any]) -> list[str | None]:
    dumps = json.dumps
    return [None if value is None else dumps(value) for value in column]
