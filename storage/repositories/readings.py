"""Readings: every value recorded for an outcome, current and superseded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.driver_statements import DriverInsert, DriverStatement, detached, in_step
from storage.models import Outcome, Reading
from storage.publication_models import Question, ReadingState
from storage.repositories._queries import READING_COLUMNS, newest_id, reading_rows
from storage.repositories.rows import ReadingRow, storable


def _latest_two(columns: Sequence[Any], ids: list[int] | None) -> Any:
    """`columns` of the latest and the previous current reading of each outcome (of all, or of
    `ids`), as a subquery. Each reading is joined by the id its walk found, so the database
    fetches 2 rows per outcome by primary key (joined to a list of ids instead, PostgreSQL
    merges it with all the readings)."""

    def nth(n: int) -> Any:
        query = (
            select(*columns)
            .select_from(Outcome)
            .join(Reading, Reading.id == newest_id(Outcome.id, n))
        )
        return query if ids is None else query.where(Outcome.id.in_(ids))

    return union_all(nth(0), nth(1)).subquery()


# The newest current readings `ReadingRepository.around` gives: one more than a status shows,
# so that the latest two are still known after one of them is superseded.
AROUND_NEWEST = 3


@dataclass(frozen=True)
class ReadingsAround:
    """The readings that storing one reading of an outcome and period looks at."""

    same_source: Reading | None  # already stored from the same message or request
    current: Reading | None  # the period's current reading
    newest: list[Reading]  # the outcome's newest current readings, newest first
    before: Reading | None = None  # the current reading of the nearest earlier period


_TABLE = cast(Table, Reading.__table__)


def _readings_around() -> Any:
    newest = (
        select(Reading.id)
        .where(Reading.outcome_id == bindparam("outcome_id"), Reading.is_current == true())
        .order_by(Reading.period_start.desc())
        .limit(AROUND_NEWEST)
        .subquery()
    )
    before = (
        select(Reading.id)
        .where(
            Reading.outcome_id == bindparam("outcome_id"),
            Reading.is_current == true(),
            Reading.period_start < bindparam("period_start"),
        )
        .order_by(Reading.period_start.desc())
        .limit(1)
        .subquery()
    )
    ids = union_all(
        select(Reading.id).where(Reading.source_key == bindparam("source_key")),
        select(Reading.id).where(
            Reading.outcome_id == bindparam("outcome_id"),
            Reading.period_start == bindparam("period_start"),
            Reading.is_current == true(),
        ),
        select(newest.c.id),
        select(before.c.id),
    )
    return select(*_TABLE.columns).where(_TABLE.c.id.in_(ids))


# Every reading stored asks, through the driver (`storage.driver_statements`): its readings are
# made from the rows, outside the session, as the one it stores is (`ReadingRepository.insert`).
_AROUND = DriverStatement(_readings_around())
_AROUND_COLUMNS = tuple(_TABLE.columns.keys())

# Every thread reply asks, through the driver (`storage.driver_statements`).
_GIVEN_OR_HELD = DriverStatement(
    union_all(
        select(Reading.id).where(Reading.source_key == bindparam("source_key")),
        select(Question.id).where(Question.source_key == bindparam("source_key")),
    ).limit(1)
)
# A reading stored, and the one it supersedes, through the driver: the ORM's unit of work cost
# more than the statements on a thread reply's path (the ORM objects are kept in step by hand).
_INSERT = DriverInsert(Reading)
_SUPERSEDE = DriverStatement(
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("reading_id"))
    .values(is_current=False, superseded_at=bindparam("at"))
)


class ReadingRepository:
    """Every reading ever recorded; the current one per (outcome, period) is `is_current`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest(self, outcome_id: int, count: int = 2) -> Sequence[Reading]:
        """The newest current readings of one outcome, newest first (one index range scan)."""
        query = (
            select(Reading)
            .where(Reading.outcome_id == outcome_id, Reading.is_current == true())
            .order_by(Reading.period_start.desc())
            .limit(count)
        )
        return (await self.session.scalars(query)).all()

    async def latest_for_all(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[Reading]]:
        """The latest and previous current readings of every outcome, in one query.

        Each is found by its own walk down `ix_readings_latest` from the outcome's newest
        period, so the cost grows with the number of outcomes, not of readings. (`= true`, not
        `IS true`: PostgreSQL uses an index only for the former.)"""
        picked = aliased(
            Reading, _latest_two([Reading], None if outcome_ids is None else list(outcome_ids))
        )
        query = select(picked).order_by(picked.outcome_id, picked.period_start.desc())
        found: dict[int, list[Reading]] = {}
        for reading in await self.session.scalars(query):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found

    async def latest_rows(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[ReadingRow]]:
        """`latest_for_all()` as plain rows: the latest and previous current readings of every
        outcome (or of those given), newest first, in one query."""
        picked = _latest_two(READING_COLUMNS, None if outcome_ids is None else list(outcome_ids))
        query = select(*picked.c).order_by(picked.c.outcome_id, picked.c.period_start.desc())
        found: dict[int, list[ReadingRow]] = {}
        for reading in reading_rows(await self.session.execute(query)):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found

    async def around(
        self, outcome_id: int, period_start: date, source_key: str | None
    ) -> ReadingsAround:
        """What checking and storing a reading of this outcome and period need, in one query:
        the reading already stored from `source_key`, the period's current reading, the
        current reading of the nearest earlier period, and the outcome's newest current
        readings."""
        rows = await _AROUND.rows(
            self.session,
            {"outcome_id": outcome_id, "period_start": period_start, "source_key": source_key},
        )
        found = [detached(Reading, dict(zip(_AROUND_COLUMNS, row, strict=True))) for row in rows]
        same_source: Reading | None = None
        current: Reading | None = None
        currents: dict[int, Reading] = {}
        for reading in found:
            if source_key is not None and reading.source_key == source_key:
                same_source = reading
            if reading.outcome_id != outcome_id or not reading.is_current:
                continue
            if reading.period_start == period_start:
                current = reading
            currents[reading.id] = reading
        ordered = sorted(currents.values(), key=lambda r: r.period_start, reverse=True)
        before = next((r for r in ordered if r.period_start < period_start), None)
        return ReadingsAround(same_source, current, ordered[:AROUND_NEWEST], before)

    async def history(self, outcome_id: int) -> Sequence[Reading]:
        """Every reading of one outcome, superseded ones included, in period then entry order."""
        query = (
            select(Reading)
            .where(Reading.outcome_id == outcome_id)
            .order_by(Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def everything(self) -> Sequence[tuple[int, Reading]]:
        """(outcome number, reading) for every reading, for export."""
        query = (
            select(Outcome.number, Reading)
            .join(Outcome, Outcome.id == Reading.outcome_id)
            .order_by(Outcome.number, Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return [(number, reading) for number, reading in (await self.session.execute(query))]

    async def submitted_between(self, start: datetime, end: datetime) -> Sequence[Reading]:
        query = (
            select(Reading)
            .where(Reading.submitted_at >= start, Reading.submitted_at < end)
            .order_by(Reading.submitted_at, Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def superseded_of(self, reading_ids: Iterable[int]) -> dict[int, Reading]:
        """For each given reading that corrected another, the reading it replaced."""
        older = aliased(Reading)
        query = (
            select(Reading.id, older)
            .join(older, older.id == Reading.supersedes_id)
            .where(Reading.id.in_(list(reading_ids)))
        )
        return dict((await self.session.execute(query)).tuples().all())

    async def get(self, reading_id: int) -> Reading | None:
        if not storable(reading_id):
            return None
        return await self.session.get(Reading, reading_id)

    async def current(self, outcome_id: int, period_start: date) -> Reading | None:
        """The period's current reading."""
        query = select(Reading).where(
            Reading.outcome_id == outcome_id,
            Reading.period_start == period_start,
            Reading.is_current == true(),
        )
        return await self.session.scalar(query)

    async def before(self, outcome_id: int, period_start: date) -> Reading | None:
        """The current reading of the nearest earlier period that has one."""
        query = (
            select(Reading)
            .where(
                Reading.outcome_id == outcome_id,
                Reading.is_current == true(),
                Reading.period_start < period_start,
            )
            .order_by(Reading.period_start.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def from_source(self, source_key: str) -> Reading | None:
        """The reading stored from the message or request with this key, if any."""
        return await self.session.scalar(select(Reading).where(Reading.source_key == source_key))

    async def counted(self, outcome_ids: Iterable[int]) -> dict[int, int]:
        """How many readings (current or not) each of these outcomes has; one without any is
        left out."""
        query = (
            select(Reading.outcome_id, func.count())
            .where(Reading.outcome_id.in_(list(outcome_ids)))
            .group_by(Reading.outcome_id)
        )
        return {int(oid): int(n) for oid, n in await self.session.execute(query)}

    async def given_or_held(self, source_key: str) -> bool:
        """Whether the message or request with this key gave a reading, or a figure held in a
        question: one query of both."""
        return await _GIVEN_OR_HELD.first(self.session, {"source_key": source_key}) is not None

    async def from_message(self, source_key: str) -> Sequence[Reading]:
        """The readings a chat message gave, and its edits, in the order they came."""
        query = (
            select(Reading)
            .where(
                or_(
                    Reading.source_key == source_key,
                    Reading.source_key.startswith(f"{source_key}:edit:", autoescape=True),
                )
            )
            .order_by(Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def latest_provisional(self, outcome_id: int) -> Reading | None:
        """The outcome's newest current reading still waiting for approval."""
        query = (
            select(Reading)
            .where(
                Reading.outcome_id == outcome_id,
                Reading.is_current == true(),
                Reading.state == ReadingState.PROVISIONAL,
            )
            .order_by(Reading.period_start.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def awaiting_approval(self, limit: int) -> tuple[list[tuple[int, ReadingRow]], int]:
        """(outcome number, reading) for the first `limit` current readings waiting for
        approval, oldest entry first, and how many there are in all; in one query, down
        `ix_readings_waiting`."""
        query = (
            select(Outcome.number, *READING_COLUMNS, func.count().over().label("total"))
            .join(Outcome, Outcome.id == Reading.outcome_id)
            .where(Reading.state == ReadingState.PROVISIONAL, Reading.is_current == true())
            .order_by(Reading.submitted_at, Reading.id)
            .limit(limit)
        )
        found = (await self.session.execute(query)).all()
        readings = reading_rows(tuple(row)[1:-1] for row in found)
        total = int(found[0][-1]) if found else 0
        return [(row[0], reading) for row, reading in zip(found, readings, strict=True)], total

    async def approved_rows(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[ReadingRow]]:
        """Like `latest_rows()`, approved readings only: the latest and previous current
        approved readings of every outcome (or of those given), newest first. What a published
        report may show."""

        def approved(reading: Any) -> tuple[Any, ...]:
            return (reading.state == ReadingState.APPROVED,)

        def nth(n: int) -> Any:
            query = (
                select(*READING_COLUMNS)
                .select_from(Outcome)
                .join(Reading, Reading.id == newest_id(Outcome.id, n, approved))
            )
            return query if outcome_ids is None else query.where(Outcome.id.in_(list(outcome_ids)))

        picked = union_all(nth(0), nth(1)).subquery()
        query = select(*picked.c).order_by(picked.c.outcome_id, picked.c.period_start.desc())
        found: dict[int, list[ReadingRow]] = {}
        for reading in reading_rows(await self.session.execute(query)):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found

    def add(self, reading: Reading) -> None:
        self.session.add(reading)

    async def insert(self, values: dict[str, Any]) -> Reading:
        """Store a reading with these column values in one statement; the reading, with its id,
        outside the session (nothing is left for a flush to write)."""
        return await _INSERT.row(self.session, values)

    async def supersede(self, reading: Reading, at: datetime) -> None:
        """Mark a stored reading superseded at `at`, and the loaded one with it."""
        await _SUPERSEDE.rows(self.session, {"reading_id": reading.id, "at": at})
        superseded = {"is_current": False, "superseded_at": at}
        in_step(self.session, Reading, reading.id, superseded, reading)

    async def flush(self) -> None:
        await self.session.flush()
