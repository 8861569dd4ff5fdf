"""Each outcome's kept status (`outcomes.status`, `.latest_period_start`) and each reading's
status against the targets as they stand (`readings.path_status`): the queries that keep them.

What a status *is* is the road map's rule (`commands.domain.status`); this only stores it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver_statements import DriverStatement, in_step
from storage.models import Area, Group, Outcome, Reading
from storage.repositories.rows import StandingRow

# The value `outcomes.status` holds for an outcome without readings (`Status.NO_DATA`).
NO_DATA = "no_data"
# Readings re-rated per statement when targets change: bounded, whatever the road map's size.
_RATED_AT_ONCE = 5_000

# Core, not the ORM: many rows in one executemany, by a parameter that is not the key's name.
_READINGS = cast(Table, Reading.__table__)
_SET_PATH_STATUS = (
    update(_READINGS)
    .where(_READINGS.c.id == bindparam("reading_id"))
    .values(path_status=bindparam("rated"))
)


_STANDING_COLUMNS = (
    Outcome.id,
    Outcome.number,
    Outcome.title,
    Outcome.measure,
    Outcome.unit,
    Outcome.polarity,
    Outcome.cadence,
    Outcome.lag_days,
    Outcome.baseline_period,
    Outcome.paused_reason,
    Area.name,
    Group.name,
    Outcome.status,
    Outcome.latest_period_start,
    Reading.period,
    Reading.value,
)


@dataclass
class Behind:
    """What `StandingRepository.behind` finds (rows without their latest figure)."""

    overdue: list[StandingRow]
    upcoming: list[StandingRow]
    upcoming_total: int
    named: dict[int, StandingRow]


# Outcomes `behind(first=...)` gives: the most a digest list shows.
BEHIND_SHOWN = 8

# (cadence, baseline period, lag in days): what an outcome's due dates follow from.
Schedule = tuple[str, str, int]


def _of(schedule: Schedule) -> Any:
    cadence, baseline, lag = schedule
    return and_(
        Outcome.cadence == cadence, Outcome.baseline_period == baseline, Outcome.lag_days == lag
    )


def _behind(before: dict[Schedule, date]) -> Any:
    """Outcomes of these schedules with no current reading of a period from the date on."""
    return or_(
        *(
            and_(
                _of(schedule),
                or_(Outcome.latest_period_start.is_(None), Outcome.latest_period_start < at),
            )
            for schedule, at in before.items()
        )
    )


# Every reading stored keeps its outcome's status: through the driver (`storage.driver_statements`).
_OUTCOMES = cast(Table, Outcome.__table__)
_KEEP = DriverStatement(
    update(_OUTCOMES)
    .where(_OUTCOMES.c.id == bindparam("outcome_id"))
    .values(status=bindparam("status"), latest_period_start=bindparam("latest_period_start"))
)

# In `Session.info`: outcomes whose rows this unit of work loaded held (`RoadmapRepository.
# outcome(hold=True)`), so that their kept status as loaded is as it stands.
_HELD = "waymark_outcomes_held"


def loaded_held(session: AsyncSession, outcome_id: int) -> None:
    session.sync_session.info.setdefault(_HELD, set()).add(outcome_id)


def is_held(session: AsyncSession, outcome_id: int) -> bool:
    """Whether the outcome's row was loaded held in this unit of work, and not written since."""
    return outcome_id in session.sync_session.info.get(_HELD, ())


class StandingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(
        self,
        *,
        area_id: int | None = None,
        owner_ids: Iterable[int] | None = None,
        ids: Iterable[int] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[StandingRow]:
        """Every outcome (in an area, or of some groups) with its kept status and its latest
        current reading's period and value, in road-map order: one query, one lookup of
        `ix_readings_latest` per outcome by the kept period start."""
        query = (
            select(*_STANDING_COLUMNS)
            .join(Area, Area.id == Outcome.area_id)
            .outerjoin(Group, Group.id == Outcome.owner_id)
            .outerjoin(
                Reading,
                and_(
                    Reading.outcome_id == Outcome.id,
                    Reading.is_current == true(),
                    Reading.period_start == Outcome.latest_period_start,
                ),
            )
            .order_by(Area.position, Outcome.number)
        )
        if area_id is not None:
            query = query.where(Outcome.area_id == area_id)
        if owner_ids is not None:
            query = query.where(Outcome.owner_id.in_(list(owner_ids)))
        if ids is not None:
            query = query.where(Outcome.id.in_(list(ids)))
        if limit is not None:
            query = query.limit(limit).offset(offset)
        # Through the connection: the ORM's result handling costs more than the query here.
        connection = await self.session.connection()
        found: Iterable[Any] = await connection.execute(query)
        return [StandingRow(*row) for row in found]  # positional: thousands of rows

    async def tally(self, *, area_id: int | None = None) -> dict[str | None, int]:
        """How many outcomes (of all, or of an area) have each kept status."""
        query = select(Outcome.status, func.count()).group_by(Outcome.status)
        if area_id is not None:
            query = query.where(Outcome.area_id == area_id)
        return {s: int(n) for s, n in await self.session.execute(query)}

    async def counts(self) -> list[tuple[str, str | None, Schedule | None, int]]:
        """(area name, kept status, schedule, how many outcomes), every area in road-map order
        (one without outcomes once, with None and 0): the statuses by area and the schedules
        due dates follow from, in one statement. A road map has a few schedules."""
        # Grouped before the join: joined first, SQLite built an index of the outcomes by
        # area for every digest.
        grouped = (
            select(
                Outcome.area_id,
                Outcome.status,
                Outcome.cadence,
                Outcome.baseline_period,
                Outcome.lag_days,
                func.count().label("n"),
            )
            .group_by(
                Outcome.area_id,
                Outcome.status,
                Outcome.cadence,
                Outcome.baseline_period,
                Outcome.lag_days,
            )
            .subquery()
        )
        query = (
            select(
                Area.name,
                grouped.c.status,
                grouped.c.cadence,
                grouped.c.baseline_period,
                grouped.c.lag_days,
                func.coalesce(grouped.c.n, 0),
            )
            .select_from(Area)
            .outerjoin(grouped, grouped.c.area_id == Area.id)
            .order_by(Area.position)
        )
        return [
            (area, status, (cadence, baseline, int(lag)) if cadence is not None else None, int(n))
            for area, status, cadence, baseline, lag, n in await self.session.execute(query)
        ]

    async def behind(
        self,
        overdue: dict[Schedule, date],
        upcoming: dict[Schedule, tuple[date, int]],
        ids: set[int] | None,
    ) -> Behind:
        """In one statement (a digest is allowed few): the outcomes of each schedule in
        `overdue` with no current reading of a period starting on or after its date (the period
        due, or a later one), in road-map order; of those behind a schedule's date in `upcoming`
        (with its rank: soonest first), the first `BEHIND_SHOWN` by rank then number, and how
        many in all; and the outcomes with these `ids` (every one, for None)."""
        plain = (*_STANDING_COLUMNS[:-2], null(), null())

        def part(n: int, *extra: Any) -> Any:
            return (
                select(literal(n).label("part"), *plain, *extra)
                .join(Area, Area.id == Outcome.area_id)
                .outerjoin(Group, Group.id == Outcome.owner_id)
            )

        parts = []
        if overdue:
            parts.append(part(0, literal(0), Area.position).where(_behind(overdue)))
        if upcoming:
            rank = case(
                *((_of(schedule), n) for schedule, (_, n) in upcoming.items()),
                else_=max(n for _, n in upcoming.values()) + 1,
            )
            first = (
                part(1, func.count().over(), rank)
                .where(_behind({s: at for s, (at, _) in upcoming.items()}))
                .order_by(rank, Outcome.number)
                .limit(BEHIND_SHOWN)
                .subquery()
            )
            parts.append(select(*first.c))
        if ids is None or ids:
            named = part(2, literal(0), literal(0))
            parts.append(named if ids is None else named.where(Outcome.id.in_(list(ids))))
        found = Behind([], [], 0, {})
        if not parts:
            return found
        late: list[tuple[int, StandingRow]] = []
        soon: list[tuple[int, StandingRow]] = []
        for which, *columns, count, order in await self.session.execute(union_all(*parts)):
            row = StandingRow(*columns)
            if which == 0:
                late.append((order, row))
            elif which == 1:
                soon.append((order, row))
                found.upcoming_total = int(count)
            else:
                found.named[row.id] = row
        found.overdue.extend(r for _, r in sorted(late, key=lambda f: (f[0], f[1].number)))
        found.upcoming.extend(r for _, r in sorted(soon, key=lambda f: (f[0], f[1].number)))
        return found

    async def hold(self, outcome_id: int) -> tuple[str | None, date | None]:
        """The outcome's kept (status, latest period start) as they are now, its row held
        until the transaction ends on PostgreSQL, so that two readings of it stored at once
        keep its status in turn, each seeing the other's. SQLite needs no hold: a writing
        transaction there has the whole database from its start."""
        query = select(Outcome.status, Outcome.latest_period_start).where(Outcome.id == outcome_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        found = (await self.session.execute(query)).one()
        return found[0], found[1]

    async def keep(self, outcome_id: int, status: str, latest_period_start: date | None) -> None:
        self.session.sync_session.info.get(_HELD, set()).discard(outcome_id)
        values = {"status": status, "latest_period_start": latest_period_start}
        await _KEEP.rows(self.session, {"outcome_id": outcome_id, **values})
        in_step(self.session, Outcome, outcome_id, values)

    async def refresh(
        self, outcome_ids: Iterable[int] | None = None, *, including_waiting: bool = False
    ) -> None:
        """Set each outcome's kept status from its latest current reading's `path_status`, in
        one statement (of all outcomes, or of those given): what a write of many readings at
        once (an import) does after writing them. Outcomes whose readings are waiting to be
        rated again (status None) are left for `keep_every_status`, unless `including_waiting`
        (it has just rated them)."""
        # One level deep, so that each correlates with the outcome being updated.
        current = (Reading.outcome_id == Outcome.id, Reading.is_current == true())
        status = (
            select(Reading.path_status)
            .where(*current)
            .order_by(Reading.period_start.desc())
            .limit(1)
            .scalar_subquery()
        )
        start = select(func.max(Reading.period_start)).where(*current).scalar_subquery()
        query = (
            update(Outcome)
            .values(status=func.coalesce(status, NO_DATA), latest_period_start=start)
            .execution_options(synchronize_session=False)
        )
        if not including_waiting:
            query = query.where(Outcome.status.is_not(None))
        if outcome_ids is not None:
            ids = list(outcome_ids)
            if not ids:
                return
            query = query.where(Outcome.id.in_(ids))
        await self.session.execute(query)

    async def unkept(self) -> list[int]:
        """Outcomes whose readings are waiting to be rated against their targets (new in the
        database, or their targets changed)."""
        return list(await self.session.scalars(select(Outcome.id).where(Outcome.status.is_(None))))

    async def analyse(self) -> None:
        """Have PostgreSQL's planner count the kept columns afresh (SQLite plans by rules)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("ANALYZE outcomes, readings"))

    async def to_rate(self, outcome_ids: Sequence[int]) -> Sequence[Any]:
        """(id, outcome_id, period_start, value) of every reading of these outcomes."""
        query = select(Reading.id, Reading.outcome_id, Reading.period_start, Reading.value).where(
            Reading.outcome_id.in_(list(outcome_ids))
        )
        return (await self.session.execute(query)).all()

    async def rate(self, rated: Sequence[tuple[int, str]]) -> None:
        """Store (reading id, path status) pairs."""
        for at in range(0, len(rated), _RATED_AT_ONCE):
            await self.session.execute(
                _SET_PATH_STATUS,
                [{"reading_id": i, "rated": s} for i, s in rated[at : at + _RATED_AT_ONCE]],
            )
